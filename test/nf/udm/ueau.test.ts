// The UDM's Nudm_UEAU over HTTP on both store backends. generate-auth-data for SUPIs and SUCIs
// (null scheme, Profile A and B, IMSI and NAI, both written forms), checked from the UE's side:
// the USIM (src/lib/aka/usim.ts with the K and OPc provisioned here) accepts AUTN, its RES* is
// XRES* (5G AKA) or its RES is XRES (EAP-AKA'), and KAUSF, CK' and IK' are what a KDF computed here
// with node:crypto makes of its CK and IK. Resynchronisation, the serving network check, every
// failure's cause, no secret in any error, auth-events.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fromHex } from '../../../src/lib/bytes.js';
import { UsimSqnArray } from '../../../src/lib/aka/sqn.js';
import { concealSupiToSuci, formatSuci, type ProtectionScheme } from '../../../src/lib/aka/suci.js';
import { parseSupi } from '../../../src/lib/aka/supi.js';
import { checkAuthentication } from '../../../src/lib/aka/usim.js';
import type { HomeNetworkPublicKey } from '../../../src/nf/udm/home-network-keys.js';
import { loadVectors } from '../../helpers.js';
import { dropSchemas, storeBackends, uniqueSchemaPrefix } from '../../store/pg-test-url.js';
import { admin, createTestUdm, type TestUdm } from './test-udm.js';
import {
  bytesOf,
  hexOf,
  loadHomeNetworkKey,
  newImsi,
  provision,
  sqnAfter,
  type Provisioned,
} from './ueau-helpers.js';
import { kdfHere } from '../../reference-kdf.js';

const SNPN = { mcc: '001', mnc: '01', nid: '000007ed9d5' };
const SNN = '5G:mnc001.mcc001.3gppnetwork.org:000007ED9D5';
const AUSF = '4f1e0c8e-7a4b-4c55-9f3e-2b8c1d0a6e11';

const gpp = loadVectors<{
  suci_profile_a_imsi: {
    hnPriv: string;
    hnPub: string;
    suci_string_example: { suci: string; supi: string };
  };
}>('3gpp.json');

const dataDir = mkdtempSync(join(tmpdir(), 'npn-udm-ueau-'));
const prefix = uniqueSchemaPrefix();
afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await dropSchemas(prefix);
});

interface AuthResult {
  authType: string;
  supi: string;
  authenticationVector: Record<string, string>;
}

let naiCounter = 0;
const newNai = () => `nai-device.${Date.now() % 1e6}.${++naiCounter}@snpn.example.org`;

describe.each(storeBackends(dataDir, prefix))('Nudm_UEAU on %s', (_name, store) => {
  let t: TestUdm;
  let keys: HomeNetworkPublicKey[];
  /** every secret provisioned in this describe: none may appear in an error */
  const secrets: string[] = [];
  beforeAll(async () => {
    t = await createTestUdm({
      store: store.kind === 'sqlite' ? { ...store, dataDir: join(dataDir, 'ueau') } : store,
      config: { servingNetworks: [SNPN] },
    });
    keys = (await t.udm.homeNetworkKeys.list()).keys;
    secrets.push(hexOf(t.config.kek));
    for (const k of keys) {
      const priv = await t.udm.homeNetworkKeys.homeNetworkPrivateKey(k.scheme, k.hnKeyId);
      secrets.push(hexOf(priv!));
    }
  });
  afterAll(async () => {
    await t.close();
  });

  const provisionHere = async (supi: string, values: Partial<Omit<Provisioned, 'supi'>> = {}) => {
    const p = await provision(t, supi, values);
    secrets.push(hexOf(p.k), hexOf(p.opc));
    return p;
  };

  const generate = (
    supiOrSuci: string,
    body: Record<string, unknown> = {},
    headers: Record<string, string> = admin,
  ) =>
    t.udm.app.inject({
      method: 'POST',
      url: `/nudm-ueau/v1/${encodeURIComponent(supiOrSuci)}/security-information/generate-auth-data`,
      headers,
      payload: { servingNetworkName: SNN, ausfInstanceId: AUSF, ...body },
    });

  /** The failure's status and cause; no secret anywhere in the body. */
  async function failure(
    response: Awaited<ReturnType<typeof generate>>,
  ): Promise<[number, string | undefined]> {
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    for (const s of secrets) expect(response.body.toLowerCase()).not.toContain(s);
    return [response.statusCode, response.json<{ cause?: string }>().cause];
  }

  function suciOf(
    supiText: string,
    scheme: ProtectionScheme,
    form: 'ts29503' | 'nai',
    keyId?: number,
  ): string {
    const key = keys.find((k) => k.scheme === scheme);
    const suci = concealSupiToSuci(parseSupi(supiText), {
      routingIndicator: '17',
      ...(scheme === 'null'
        ? { scheme }
        : { scheme, hnPublicKey: fromHex(key!.hnPublicKey), hnKeyId: keyId ?? key!.hnKeyId }),
    });
    return formatSuci(suci, form);
  }

  /** The UE's side of a 5G HE AV or an EAP-AKA' AV: the USIM accepts it, the keys agree. */
  function checkAsUe(p: Provisioned, result: AuthResult, usim: UsimSqnArray): void {
    const v = result.authenticationVector;
    const autn = bytesOf(v.autn!);
    const verdict = checkAuthentication({
      k: p.k,
      opc: p.opc,
      rand: bytesOf(v.rand!),
      autn,
      sqnArray: usim,
      ...(result.authType === '5G_AKA' ? { snn: SNN } : {}),
    });
    expect(verdict.result).toBe('ok');
    if (verdict.result !== 'ok') return;
    const ckIk = new Uint8Array([...verdict.ck, ...verdict.ik]);
    const sqnXorAk = autn.slice(0, 6);
    expect(autn[6]! & 0x80).toBe(0x80);
    if (result.authType === '5G_AKA') {
      expect(Object.keys(v).sort()).toEqual(['autn', 'avType', 'kausf', 'rand', 'xresStar']);
      expect(v.avType).toBe('5G_HE_AKA');
      expect(hexOf(verdict.resStar!)).toBe(v.xresStar);
      expect(v.kausf).toBe(kdfHere(ckIk, 0x6a, [SNN, sqnXorAk]).toString('hex'));
    } else {
      expect(Object.keys(v).sort()).toEqual([
        'autn',
        'avType',
        'ckPrime',
        'ikPrime',
        'rand',
        'xres',
      ]);
      expect(v.avType).toBe('EAP_AKA_PRIME');
      expect(hexOf(verdict.res)).toBe(v.xres);
      const primes = kdfHere(ckIk, 0x20, [SNN, sqnXorAk]);
      expect(v.ckPrime).toBe(primes.subarray(0, 16).toString('hex'));
      expect(v.ikPrime).toBe(primes.subarray(16, 32).toString('hex'));
    }
  }

  const cases: [string, ProtectionScheme, 'ts29503' | 'nai', '5G_AKA' | 'EAP_AKA_PRIME'][] = [];
  for (const kind of ['imsi', 'nai'])
    for (const scheme of ['null', 'A', 'B'] as const)
      for (const form of ['ts29503', 'nai'] as const)
        cases.push([kind, scheme, form, cases.length % 2 === 0 ? '5G_AKA' : 'EAP_AKA_PRIME']);

  test.each(cases)(
    '%s SUPI, %s scheme, %s form, %s: the UE accepts the vector and its keys agree',
    async (kind, scheme, form, method) => {
      const supi = kind === 'imsi' ? newImsi() : newNai();
      const p = await provisionHere(supi, { method });
      const usim = UsimSqnArray.fromSqnMs(parseInt(p.sqn, 16));
      const response = await generate(suciOf(supi, scheme, form));
      expect(response.statusCode).toBe(200);
      const result = response.json<AuthResult>();
      expect(result.authType).toBe(method);
      expect(result.supi).toBe(supi);
      checkAsUe(p, result, usim);
      // A second vector for the same UE is accepted too (a fresh SQN).
      const again = await generate(suciOf(supi, scheme, form));
      checkAsUe(p, again.json<AuthResult>(), usim);
    },
  );

  test('a SUPI in the path works as well, for both methods', async () => {
    for (const method of ['5G_AKA', 'EAP_AKA_PRIME'] as const) {
      const p = await provisionHere(newImsi(), { method });
      const response = await generate(p.supi);
      expect(response.statusCode).toBe(200);
      checkAsUe(p, response.json<AuthResult>(), UsimSqnArray.fromSqnMs(parseInt(p.sqn, 16)));
    }
  });

  test('the published Profile A SUCI (C.4.3.1), its key loaded into the UDM', async () => {
    const v = gpp.suci_profile_a_imsi;
    await loadHomeNetworkKey(t, 'A', 9, v.hnPriv, v.hnPub);
    const p = await provisionHere(v.suci_string_example.supi);
    const suci = v.suci_string_example.suci.replace('-0-1-1-', '-0-1-9-');
    const response = await generate(suci);
    expect(response.statusCode).toBe(200);
    const result = response.json<AuthResult>();
    expect(result.supi).toBe(v.suci_string_example.supi);
    checkAsUe(p, result, UsimSqnArray.fromSqnMs(parseInt(p.sqn, 16)));
  });

  test('a USIM ahead: AUTS, then generate-auth-data with resynchronizationInfo passes', async () => {
    const p = await provisionHere(newNai(), { method: 'EAP_AKA_PRIME' });
    const sqnMs = parseInt(p.sqn, 16) + 777 * 32 + 9;
    const usim = UsimSqnArray.fromSqnMs(sqnMs);
    const suci = suciOf(p.supi, 'B', 'nai');
    const first = (await generate(suci)).json<AuthResult>();
    const rand = bytesOf(first.authenticationVector.rand!);
    const verdict = checkAuthentication({
      k: p.k,
      opc: p.opc,
      rand,
      autn: bytesOf(first.authenticationVector.autn!),
      sqnArray: usim,
    });
    expect(verdict.result).toBe('sync_failure');
    if (verdict.result !== 'sync_failure') return;

    const forged = verdict.auts.slice();
    forged[0] = forged[0]! ^ 0x40;
    const rejected = await generate(suci, {
      resynchronizationInfo: { rand: hexOf(rand), auts: hexOf(forged) },
    });
    expect(await failure(rejected)).toEqual([403, 'AUTHENTICATION_REJECTED']);
    // AUTS made for another RAND does not verify either.
    const otherRand = await generate(suci, {
      resynchronizationInfo: { rand: '00'.repeat(16), auts: hexOf(verdict.auts) },
    });
    expect(await failure(otherRand)).toEqual([403, 'AUTHENTICATION_REJECTED']);

    const response = await generate(suci, {
      resynchronizationInfo: { rand: hexOf(rand).toUpperCase(), auts: hexOf(verdict.auts) },
    });
    expect(response.statusCode).toBe(200);
    const result = response.json<AuthResult>();
    checkAsUe(p, result, usim);
    const autn = bytesOf(result.authenticationVector.autn!);
    const next = checkAuthentication({
      k: p.k,
      opc: p.opc,
      rand: bytesOf(result.authenticationVector.rand!),
      autn,
      sqnArray: UsimSqnArray.fromSqnMs(sqnMs),
    });
    expect(next.result === 'ok' && parseInt(hexOf(next.sqn), 16)).toBe(sqnAfter(sqnMs, 1));
  });

  test('a re-PUT of the same subscription keeps SQN_HE: the next vector takes the next SQN', async () => {
    const p = await provisionHere(newImsi());
    for (let i = 0; i < 3; i++) expect((await generate(p.supi)).statusCode).toBe(200);
    await provision(t, p.supi, p);
    const usim = UsimSqnArray.fromSqnMs(sqnAfter(parseInt(p.sqn, 16), 3));
    checkAsUe(p, (await generate(p.supi)).json<AuthResult>(), usim);
    expect((await t.udm.authVectors.sqnState(p.supi))?.sqn).toBe(
      sqnAfter(parseInt(p.sqn, 16), 4).toString(16).padStart(12, '0'),
    );
  });

  test('every failure has its cause and status, and no secret in the body', async () => {
    const p = await provisionHere(newImsi());
    const keyA = keys.find((k) => k.scheme === 'A')!;
    const good = suciOf(p.supi, 'A', 'ts29503');
    const tampered = good.slice(0, -3) + (good.at(-3) === '0' ? '1' : '0') + good.slice(-2);

    expect(await failure(await generate(newImsi()))).toEqual([404, 'USER_NOT_FOUND']);
    expect(await failure(await generate(suciOf(newImsi(), 'B', 'ts29503')))).toEqual([
      404,
      'USER_NOT_FOUND',
    ]);
    expect(await failure(await generate(suciOf(p.supi, 'A', 'ts29503', 201)))).toEqual([
      403,
      'INVALID_HN_PUBLIC_KEY_IDENTIFIER',
    ]);
    expect(await failure(await generate(tampered))).toEqual([403, 'INVALID_SCHEME_OUTPUT']);
    expect(
      await failure(await generate(good.replace(`-1-${keyA.hnKeyId}-`, `-5-${keyA.hnKeyId}-`))),
    ).toEqual([501, 'UNSUPPORTED_PROTECTION_SCHEME']);
    for (const bad of [
      'suci-0-001-01-0-1-1-xyz',
      'suci-0-001-01',
      'imsi-12',
      'nai-nouser',
      'gli-1',
    ]) {
      const response = await generate(bad);
      expect(await failure(response), bad).toEqual([400, 'MANDATORY_IE_INCORRECT']);
      expect(response.json<{ invalidParams?: { param: string }[] }>().invalidParams).toEqual([
        { param: 'supiOrSuci', reason: 'incorrect' },
      ]);
    }
    // A serving network this UDM does not serve, well formed: 403; malformed: 400.
    for (const snn of [
      '5G:mnc001.mcc001.3gppnetwork.org:000007ED9D6',
      '5G:mnc001.mcc001.3gppnetwork.org',
      '5G:mnc002.mcc001.3gppnetwork.org:000007ED9D5',
    ]) {
      expect(await failure(await generate(p.supi, { servingNetworkName: snn })), snn).toEqual([
        403,
        'SERVING_NETWORK_NOT_AUTHORIZED',
      ]);
    }
    for (const snn of ['5G:mnc001.mcc001.3gppnetwork.org:000007ed9d5', 'WLAN', '']) {
      expect(await failure(await generate(p.supi, { servingNetworkName: snn })), snn).toEqual([
        400,
        'MANDATORY_IE_INCORRECT',
      ]);
    }
    const missing = await t.udm.app.inject({
      method: 'POST',
      url: `/nudm-ueau/v1/${p.supi}/security-information/generate-auth-data`,
      headers: admin,
      payload: { servingNetworkName: SNN },
    });
    expect(await failure(missing)).toEqual([400, 'MANDATORY_IE_MISSING']);
    expect(
      await failure(await generate(p.supi, { resynchronizationInfo: { rand: '00', auts: '11' } })),
    ).toEqual([400, 'MANDATORY_IE_INCORRECT']);
    expect(
      await failure(await generate(p.supi, {}, { authorization: 'Bearer wrong-token-0123456789' })),
    ).toEqual([401, 'UNAUTHORIZED']);
    expect(await failure(await generate(p.supi, {}, {}))).toEqual([401, 'UNAUTHORIZED']);

    // Revoked: the subscription deleted, neither the SUPI nor its SUCI authenticates.
    expect((await generate(good)).statusCode).toBe(200);
    const del = await t.udm.app.inject({
      method: 'DELETE',
      url: `/nudm-cp/v1/${p.supi}`,
      headers: admin,
    });
    expect(del.statusCode).toBe(204);
    expect(await failure(await generate(good))).toEqual([404, 'USER_NOT_FOUND']);
    expect(await failure(await generate(p.supi))).toEqual([404, 'USER_NOT_FOUND']);
  });

  test('credentials past their notAfter authenticate no one, by SUPI or SUCI; a later notAfter lets them again', async () => {
    const past = new Date(Date.now() - 1000).toISOString();
    const p = await provisionHere(newImsi(), { notAfter: past });
    const suci = suciOf(p.supi, 'A', 'ts29503');
    for (const id of [p.supi, suci]) {
      const response = await generate(id);
      expect(await failure(response), id).toEqual([403, 'AUTHENTICATION_REJECTED']);
      expect(response.json<{ detail: string }>().detail).toContain(`expired at ${past}`);
    }
    // The PS extends them (same K, OPc and SQN, a new notAfter): the same credential goes on.
    const later = new Date(Date.now() + 3_600_000).toISOString();
    await provision(t, p.supi, { ...p, notAfter: later });
    const result = await generate(suci);
    expect(result.statusCode).toBe(200);
    // The refusals took no SQN: this is the credential's first vector, and the USIM takes it.
    checkAsUe(p, result.json<AuthResult>(), UsimSqnArray.fromSqnMs(parseInt(p.sqn, 16)));
    expect((await t.udm.authVectors.sqnState(p.supi))?.sqn).toBe(
      sqnAfter(parseInt(p.sqn, 16), 1).toString(16).padStart(12, '0'),
    );
    expect(await t.udm.subscriptions.get(p.supi)).toMatchObject({ notAfter: later });
  });

  test('auth-events: 201 with Location, the latest readable, replaced by the next, gone with the subscription', async () => {
    const p = await provisionHere(newNai());
    const post = (supi: string, body: Record<string, unknown>) =>
      t.udm.app.inject({
        method: 'POST',
        url: `/nudm-ueau/v1/${encodeURIComponent(supi)}/auth-events`,
        headers: admin,
        payload: body,
      });
    const latest = (supi: string) =>
      t.udm.app.inject({
        method: 'GET',
        url: `/nudm-ueau/v1/${encodeURIComponent(supi)}/auth-events/latest`,
        headers: admin,
      });
    const event = {
      nfInstanceId: AUSF,
      success: false,
      timeStamp: '2026-01-02T03:04:05Z',
      authType: 'EAP_AKA_PRIME',
      servingNetworkName: SNN,
    };
    expect(await failure(await latest(p.supi))).toEqual([404, 'CONTEXT_NOT_FOUND']);
    const first = await post(p.supi, event);
    expect(first.statusCode).toBe(201);
    const stored = first.json<{ authEventId: string }>();
    expect(first.headers.location).toBe(
      `/nudm-ueau/v1/${encodeURIComponent(p.supi)}/auth-events/${stored.authEventId}`,
    );
    expect(stored).toEqual({ ...event, supi: p.supi, authEventId: expect.any(String) as string });
    expect((await latest(p.supi)).json()).toEqual(stored);

    const second = await post(p.supi, { ...event, success: true, authType: '5G_AKA' });
    expect(second.statusCode).toBe(201);
    expect((await latest(p.supi)).json()).toMatchObject({ success: true, authType: '5G_AKA' });
    expect((await latest(p.supi)).json<{ authEventId: string }>().authEventId).not.toBe(
      stored.authEventId,
    );

    expect(await failure(await post(newNai(), event))).toEqual([404, 'USER_NOT_FOUND']);
    expect(await failure(await post(p.supi, { ...event, success: 'yes' }))).toEqual([
      400,
      'MANDATORY_IE_INCORRECT',
    ]);
    expect(await failure(await post(p.supi, { ...event, timeStamp: 'yesterday' }))).toEqual([
      400,
      'MANDATORY_IE_INCORRECT',
    ]);
    expect(await failure(await post('imsi-1', event))).toEqual([400, 'MANDATORY_IE_INCORRECT']);

    await t.udm.app.inject({
      method: 'DELETE',
      url: `/nudm-cp/v1/${encodeURIComponent(p.supi)}`,
      headers: admin,
    });
    expect(await failure(await latest(p.supi))).toEqual([404, 'CONTEXT_NOT_FOUND']);
  });
});

test('without servingNetworks the UDM accepts any well-formed serving network name', async () => {
  const t = await createTestUdm();
  try {
    const p = await provision(t, newImsi());
    for (const snn of [
      '5G:mnc001.mcc001.3gppnetwork.org',
      '5G:mnc999.mcc999.3gppnetwork.org:ABCDEF01234',
    ]) {
      const response = await t.udm.app.inject({
        method: 'POST',
        url: `/nudm-ueau/v1/${p.supi}/security-information/generate-auth-data`,
        headers: admin,
        payload: { servingNetworkName: snn, ausfInstanceId: AUSF },
      });
      expect(response.statusCode, snn).toBe(200);
      const v = response.json<AuthResult>().authenticationVector;
      const verdict = checkAuthentication({
        k: p.k,
        opc: p.opc,
        rand: bytesOf(v.rand!),
        autn: bytesOf(v.autn!),
        sqnArray: UsimSqnArray.fromSqnMs(parseInt(p.sqn, 16)),
        snn,
      });
      expect(verdict.result === 'ok' && hexOf(verdict.resStar!)).toBe(v.xresStar);
    }
  } finally {
    await t.close();
  }
});

test('the UDM refuses a malformed servingNetworks configuration', async () => {
  await expect(
    createTestUdm({ config: { servingNetworks: [{ mcc: '001', mnc: '01', nid: 'xyz' }] } }),
  ).rejects.toThrow(/NID/);
});
