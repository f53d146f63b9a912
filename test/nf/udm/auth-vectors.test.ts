// The AuthVectorService on both store backends: the vectors of the published Milenage set 1 (5G HE
// AV, EAP-AKA' AV with CK'/IK' computed here, UMTS vector), the AMF separation bit, SQN_HE advanced
// per TS 33.102 C.3.2 and never handed out twice under concurrency (two UDM instances on one
// store), resynchronisation from AUTS, and the SQN state's life: kept across an identical re-PUT
// and a method change, restarted by a new K or a delete and re-provisioning, removed by DELETE.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AuthVectorService, UdmAuthError } from '../../../src/nf/udm/auth-vectors.js';
import { createUdm, type Udm } from '../../../src/nf/udm/udm.js';
import { Milenage } from '../../../src/lib/aka/milenage.js';
import { UsimSqnArray } from '../../../src/lib/aka/sqn.js';
import { checkAuthentication } from '../../../src/lib/aka/usim.js';
import { loadVectors, type SharedVectors } from '../../helpers.js';
import { dropSchemas, storeBackends, uniqueSchemaPrefix } from '../../store/pg-test-url.js';
import { admin, createTestUdm, type TestUdm } from './test-udm.js';
import { bytesOf, hexOf, newImsi, provision, sqnAfter, type Provisioned } from './ueau-helpers.js';
import { kdfHere } from '../../reference-kdf.js';

const vectors = loadVectors<SharedVectors>('3gpp.json');
const set1 = vectors.milenage[0]!;
const SNN = '5G:mnc001.mcc001.3gppnetwork.org:000007ED9D5';

const dataDir = mkdtempSync(join(tmpdir(), 'npn-udm-av-'));
const prefix = uniqueSchemaPrefix();
afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await dropSchemas(prefix);
});

const sqnNumber = (hex: string) => parseInt(hex, 16);
const sqnText = (n: number) => n.toString(16).padStart(12, '0');

/** The SQN inside an AUTN, recovered with AK = f5(RAND) as the USIM does. */
function sqnOf(p: Provisioned, rand: Uint8Array, autn: Uint8Array): number {
  const ak = new Milenage(p.k, p.opc).f5(rand);
  return parseInt(hexOf(autn.slice(0, 6).map((b, i) => b ^ ak[i]!)), 16);
}

function causeOf(err: unknown): string | undefined {
  return err instanceof UdmAuthError ? err.cause : undefined;
}

describe.each(storeBackends(dataDir, prefix))('AuthVectorService on %s', (_name, store) => {
  let t: TestUdm;
  let av: AuthVectorService;
  beforeAll(async () => {
    t = await createTestUdm({ store });
    av = t.udm.authVectors;
  });
  afterAll(async () => {
    await t.close();
  });

  /** Set 1's K, OPc and AMF, provisioned so that the first vector takes set 1's SQN. */
  async function provisionSet1(method: Provisioned['method']): Promise<Provisioned> {
    // nextSqn: SEQ + 1 (32 in SQN) and IND + 1 (1): one step back is SQN - 33 (IND of set 1 is 7).
    expect(sqnNumber(set1.SQN) % 32).toBe(7);
    return provision(t, newImsi(), {
      k: bytesOf(set1.K),
      opc: bytesOf(set1.OPc),
      amf: set1.AMF,
      sqn: sqnText(sqnNumber(set1.SQN) - 33),
      method,
    });
  }
  const pinned = () =>
    new AuthVectorService(t.udm.store, t.udm.subscriptions, t.udm.sidf, t.udm.app.log, {
      random: () => bytesOf(set1.RAND),
    });

  test('5G HE AV of Milenage set 1 is the published 5G AKA vector', async () => {
    const p = await provisionSet1('5G_AKA');
    const plmn = vectors['5g_aka'].plmn;
    const result = await pinned().generateAuthData(p.supi, {
      servingNetworkName: plmn.snn,
      ausfInstanceId: 'ausf-1',
    });
    expect(result).toEqual({
      authType: '5G_AKA',
      authenticationVector: {
        avType: '5G_HE_AKA',
        rand: set1.RAND,
        xresStar: plmn.XRESstar,
        autn: plmn.AUTN,
        kausf: plmn.KAUSF,
      },
      supi: p.supi,
    });
  });

  test("EAP-AKA' AV of set 1: XRES = f2, AUTN as published, CK' and IK' by the KDF computed here", async () => {
    const p = await provisionSet1('EAP_AKA_PRIME');
    const result = await pinned().generateAuthData(p.supi, {
      servingNetworkName: SNN,
      ausfInstanceId: 'ausf-1',
    });
    const sqnXorAk = bytesOf(set1.SQN).map((b, i) => b ^ bytesOf(set1.f5_AK)[i]!);
    const keys = kdfHere(bytesOf(set1.f3_CK + set1.f4_IK), 0x20, [SNN, sqnXorAk]);
    expect(result).toEqual({
      authType: 'EAP_AKA_PRIME',
      authenticationVector: {
        avType: 'EAP_AKA_PRIME',
        rand: set1.RAND,
        xres: set1.f2_RES,
        autn: vectors['5g_aka'].plmn.AUTN,
        ckPrime: keys.subarray(0, 16).toString('hex'),
        ikPrime: keys.subarray(16, 32).toString('hex'),
      },
      supi: p.supi,
    });
  });

  test('UMTS vector of set 1 (for hostapd): RAND, AUTN, IK, CK, RES as published', async () => {
    const p = await provisionSet1('EAP_AKA_PRIME');
    const v = await pinned().umtsVector(p.supi.slice(5));
    expect({
      rand: hexOf(v.rand),
      autn: hexOf(v.autn),
      ik: hexOf(v.ik),
      ck: hexOf(v.ck),
      res: hexOf(v.res),
    }).toEqual({
      rand: set1.RAND,
      autn: vectors['5g_aka'].plmn.AUTN,
      ik: set1.f4_IK,
      ck: set1.f3_CK,
      res: set1.f2_RES,
    });
  });

  test('the AMF separation bit is set whatever the subscription holds; the USIM accepts AUTN', async () => {
    const p = await provision(t, newImsi(), { amf: '0000' });
    const r = await av.generateAuthData(p.supi, { servingNetworkName: SNN, ausfInstanceId: 'a' });
    const autn = bytesOf(r.authenticationVector.autn);
    expect(hexOf(autn.slice(6, 8))).toBe('8000');
    const verdict = checkAuthentication({
      k: p.k,
      opc: p.opc,
      rand: bytesOf(r.authenticationVector.rand),
      autn,
      sqnArray: UsimSqnArray.fromSqnMs(sqnNumber(p.sqn)),
      snn: SNN,
    });
    expect(verdict.result).toBe('ok');
    const v = await av.umtsVector(p.supi.slice(5));
    expect(hexOf(v.autn.slice(6, 8))).toBe('8000');
  });

  test('SQN_HE steps per C.3.2 (SEQ + 1, next IND) from the initial SQN, across both paths', async () => {
    const p = await provision(t, newImsi(), { sqn: '00000000003e' });
    const initial = sqnNumber(p.sqn);
    const seen: number[] = [];
    for (let i = 0; i < 40; i++) {
      if (i % 3 === 2) {
        const v = await av.umtsVector(p.supi.slice(5));
        seen.push(sqnOf(p, v.rand, v.autn));
      } else {
        const r = await av.generateAuthData(p.supi, {
          servingNetworkName: SNN,
          ausfInstanceId: 'a',
        });
        const { rand, autn } = r.authenticationVector;
        seen.push(sqnOf(p, bytesOf(rand), bytesOf(autn)));
      }
    }
    expect(seen).toEqual(seen.map((_, i) => sqnAfter(initial, i + 1)));
    expect((await av.sqnState(p.supi))?.sqn).toBe(sqnText(sqnAfter(initial, 40)));
  });

  test('concurrent vectors for one SUPI from two UDM instances on one store never share a SQN', async () => {
    const p = await provision(t, newImsi());
    const twin: Udm = await createUdm(t.config);
    try {
      const services = [av, twin.authVectors];
      const n = 60;
      const sqns = await Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const service = services[i % 2]!;
          if (i % 4 === 3) {
            const v = await service.umtsVector(p.supi.slice(5));
            return sqnOf(p, v.rand, v.autn);
          }
          const r = await service.generateAuthData(p.supi, {
            servingNetworkName: SNN,
            ausfInstanceId: 'a',
          });
          const { rand, autn } = r.authenticationVector;
          return sqnOf(p, bytesOf(rand), bytesOf(autn));
        }),
      );
      const expected = Array.from({ length: n }, (_, i) => sqnAfter(sqnNumber(p.sqn), i + 1));
      expect([...sqns].sort((a, b) => a - b)).toEqual(expected);
      expect((await av.sqnState(p.supi))?.sqn).toBe(sqnText(expected[n - 1]!));
    } finally {
      await twin.close();
    }
  });

  test('a USIM ahead answers AUTS; resynchronisation moves SQN_HE and the next challenge passes', async () => {
    const p = await provision(t, newImsi());
    const usim = UsimSqnArray.fromSqnMs(sqnNumber(p.sqn) + 5000 * 32 + 3);
    const first = await av.generateAuthData(p.supi, {
      servingNetworkName: SNN,
      ausfInstanceId: 'a',
    });
    const rand = bytesOf(first.authenticationVector.rand);
    const refused = checkAuthentication({
      k: p.k,
      opc: p.opc,
      rand,
      autn: bytesOf(first.authenticationVector.autn),
      sqnArray: usim,
      snn: SNN,
    });
    expect(refused.result).toBe('sync_failure');
    if (refused.result !== 'sync_failure') return;

    // A wrong MAC-S is refused and changes nothing.
    const before = await av.sqnState(p.supi);
    const forged = refused.auts.slice();
    forged[13] = forged[13]! ^ 1;
    const bad = await av
      .generateAuthData(p.supi, {
        servingNetworkName: SNN,
        ausfInstanceId: 'a',
        resynchronizationInfo: { rand: hexOf(rand), auts: hexOf(forged) },
      })
      .catch((e: unknown) => e);
    expect(causeOf(bad)).toBe('AUTHENTICATION_REJECTED');
    expect(await av.sqnState(p.supi)).toEqual(before);

    const second = await av.generateAuthData(p.supi, {
      servingNetworkName: SNN,
      ausfInstanceId: 'a',
      resynchronizationInfo: { rand: hexOf(rand), auts: hexOf(refused.auts) },
    });
    const accepted = checkAuthentication({
      k: p.k,
      opc: p.opc,
      rand: bytesOf(second.authenticationVector.rand),
      autn: bytesOf(second.authenticationVector.autn),
      sqnArray: usim,
      snn: SNN,
    });
    expect(accepted.result).toBe('ok');
    // SQN_HE became SQN_MS and the vector took the step after it.
    const sqnMs = sqnNumber(p.sqn) + 5000 * 32 + 3;
    expect(sqnNumber(hexOf((accepted as { sqn: Uint8Array }).sqn))).toBe(sqnAfter(sqnMs, 1));

    // hostapd's path: resynchronise() then umtsVector() is accepted by the same USIM.
    const ahead = UsimSqnArray.fromSqnMs(sqnAfter(sqnMs, 1) + 900 * 32);
    const v = await av.umtsVector(p.supi.slice(5));
    const again = checkAuthentication({
      k: p.k,
      opc: p.opc,
      rand: v.rand,
      autn: v.autn,
      sqnArray: ahead,
    });
    expect(again.result).toBe('sync_failure');
    if (again.result !== 'sync_failure') return;
    await av.resynchronise(p.supi.slice(5), v.rand, again.auts);
    const v2 = await av.umtsVector(p.supi.slice(5));
    const ok = checkAuthentication({
      k: p.k,
      opc: p.opc,
      rand: v2.rand,
      autn: v2.autn,
      sqnArray: ahead,
    });
    expect(ok.result).toBe('ok');
    if (ok.result === 'ok') expect(hexOf(ok.res)).toBe(hexOf(v2.res));
  });

  test('an AUTS that does not need SQN_HE to move leaves it (its next SQN is fresh already)', async () => {
    const p = await provision(t, newImsi());
    for (let i = 0; i < 5; i++) await av.umtsVector(p.supi.slice(5));
    const v = await av.umtsVector(p.supi.slice(5));
    const sqnHe = sqnNumber((await av.sqnState(p.supi))!.sqn);
    // A USIM that has already accepted this very SQN (a replayed challenge): not fresh.
    const usim = UsimSqnArray.fromSqnMs(sqnHe);
    const replay = checkAuthentication({
      k: p.k,
      opc: p.opc,
      rand: v.rand,
      autn: v.autn,
      sqnArray: usim,
    });
    expect(replay.result).toBe('sync_failure');
    if (replay.result !== 'sync_failure') return;
    await av.resynchronise(p.supi.slice(5), v.rand, replay.auts);
    expect((await av.sqnState(p.supi))?.sqn).toBe(sqnText(sqnHe));
    const next = await av.umtsVector(p.supi.slice(5));
    const verdict = checkAuthentication({
      k: p.k,
      opc: p.opc,
      rand: next.rand,
      autn: next.autn,
      sqnArray: usim,
    });
    expect(verdict.result).toBe('ok');
  });

  test('SQN state: kept by an identical re-PUT and a method change, restarted by a new K or SQN', async () => {
    const p = await provision(t, newImsi());
    const initial = sqnNumber(p.sqn);
    for (let i = 0; i < 3; i++) await av.umtsVector(p.supi.slice(5));
    expect((await av.sqnState(p.supi))?.sqn).toBe(sqnText(sqnAfter(initial, 3)));

    await provision(t, p.supi, p);
    expect((await av.sqnState(p.supi))?.sqn).toBe(sqnText(sqnAfter(initial, 3)));
    await provision(t, p.supi, { ...p, method: 'EAP_AKA_PRIME', amf: '9001' });
    const v4 = await av.umtsVector(p.supi.slice(5));
    expect(sqnOf(p, v4.rand, v4.autn)).toBe(sqnAfter(initial, 4));

    // Rotation: a new K starts from the (new) subscription's initial SQN.
    const rotated = await provision(t, p.supi, { sqn: p.sqn });
    const v1 = await av.umtsVector(p.supi.slice(5));
    expect(sqnOf(rotated, v1.rand, v1.autn)).toBe(sqnAfter(initial, 1));
    // A re-provisioned SQN with the same K restarts from it too.
    const resqn = await provision(t, p.supi, { ...rotated, sqn: '000000100000' });
    const w = await av.umtsVector(p.supi.slice(5));
    expect(sqnOf(resqn, w.rand, w.autn)).toBe(sqnAfter(0x100000, 1));
  });

  test('DELETE removes the SQN state; the same SUPI provisioned again starts afresh', async () => {
    const p = await provision(t, newImsi());
    for (let i = 0; i < 4; i++) await av.umtsVector(p.supi.slice(5));
    const del = await t.udm.app.inject({
      method: 'DELETE',
      url: `/nudm-cp/v1/${p.supi}`,
      headers: admin,
    });
    expect(del.statusCode).toBe(204);
    expect(await av.sqnState(p.supi)).toBeUndefined();
    const gone = await av.umtsVector(p.supi.slice(5)).catch((e: unknown) => e);
    expect(causeOf(gone)).toBe('USER_NOT_FOUND');
    await expect(
      av.resynchronise(p.supi.slice(5), new Uint8Array(16), new Uint8Array(14)),
    ).rejects.toMatchObject({ cause: 'USER_NOT_FOUND' });

    // Same K and SQN again (a new subscription): the first vector is again the first step.
    await provision(t, p.supi, p);
    const v = await av.umtsVector(p.supi.slice(5));
    expect(sqnOf(p, v.rand, v.autn)).toBe(sqnAfter(sqnNumber(p.sqn), 1));
  });

  test('credentials authenticate until their notAfter, on every path, and not from that instant on', async () => {
    const notAfter = '2031-05-01T12:00:00.000Z';
    const end = Date.parse(notAfter);
    const p = await provision(t, newImsi(), { notAfter });
    let now = end - 1;
    const clocked = new AuthVectorService(
      t.udm.store,
      t.udm.subscriptions,
      t.udm.sidf,
      t.udm.app.log,
      {
        clock: () => now,
      },
    );
    const imsi = p.supi.slice(5);
    const request = { servingNetworkName: SNN, ausfInstanceId: 'ausf-1' };
    await expect(clocked.generateAuthData(p.supi, request)).resolves.toMatchObject({
      authType: '5G_AKA',
    });
    const v = await clocked.umtsVector(imsi);
    expect(sqnOf(p, v.rand, v.autn)).toBe(sqnAfter(sqnNumber(p.sqn), 2));
    now = end;
    const refusals = await Promise.all(
      [
        clocked.generateAuthData(p.supi, request),
        clocked.umtsVector(imsi),
        clocked.resynchronise(imsi, v.rand, new Uint8Array(14)),
      ].map((c) =>
        c.then(
          () => undefined,
          (e: unknown) => e,
        ),
      ),
    );
    for (const e of refusals) {
      expect(causeOf(e)).toBe('AUTHENTICATION_REJECTED');
      expect((e as Error).message).toBe(`the credentials of ${p.supi} expired at ${notAfter}`);
    }
    // Nothing was taken from SQN_HE by the refusals.
    expect((await av.sqnState(p.supi))?.sqn).toBe(sqnText(sqnAfter(sqnNumber(p.sqn), 2)));
  });

  test('bad input to the gateway calls: a typed error with a cause, no secret in the message', async () => {
    const p = await provision(t, newImsi());
    const calls = [
      av.umtsVector('12ab'),
      av.umtsVector('001019999999999'),
      av.resynchronise(p.supi.slice(5), new Uint8Array(16), new Uint8Array(14)),
      av.resynchronise(p.supi.slice(5), new Uint8Array(3), new Uint8Array(14)),
    ];
    const errors = await Promise.all(
      calls.map((c) =>
        c.then(
          () => undefined,
          (e: unknown) => e,
        ),
      ),
    );
    expect(errors.map(causeOf)).toEqual([
      'MANDATORY_IE_INCORRECT',
      'USER_NOT_FOUND',
      'AUTHENTICATION_REJECTED',
      'MANDATORY_IE_INCORRECT',
    ]);
    for (const e of errors) {
      const text = `${(e as Error).message} ${JSON.stringify(e)}`;
      expect(text).not.toContain(hexOf(p.k));
      expect(text).not.toContain(hexOf(p.opc));
    }
  });
});
