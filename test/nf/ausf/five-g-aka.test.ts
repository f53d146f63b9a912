// 5G AKA through the AUSF over HTTP against a real UDM, on both store backends: the 5G SE AV
// and HXRES*, the RES* confirmation with the SUPI and KSEAF (recomputed here from the USIM's CK
// and IK), a wrong RES*, resynchronisation from AUTS, single use of a context, expiry, the UDM's
// causes passed on, and a UDM that does not answer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { concealSupi } from '../../../src/lib/aka/suci.js';
import { parseSupi } from '../../../src/lib/aka/supi.js';
import { UsimSqnArray } from '../../../src/lib/aka/sqn.js';
import type { SbiClientError } from '../../../src/sbi/client.js';
import { sbiRefusal } from '../../helpers.js';
import { dropSchemas, storeBackends, uniqueSchemaPrefix } from '../../store/pg-test-url.js';
import {
  AUSF_TOKEN,
  SNN,
  TestUe,
  createTestAusf,
  hresStarHere,
  kseaf5gAkaHere,
  newImsi,
  provision,
  type TestAusf,
} from './test-ausf.js';

const dataDir = mkdtempSync(join(tmpdir(), 'npn-ausf-5g-'));
const prefix = uniqueSchemaPrefix();
afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await dropSchemas(prefix);
});

describe.each(storeBackends(dataDir, prefix))('5G AKA through the AUSF on %s', (_n, store) => {
  let t: TestAusf;
  beforeAll(async () => {
    t = await createTestAusf({ store });
  });
  afterAll(async () => {
    await t.close();
  });

  async function provisioned(): Promise<TestUe> {
    const ue = TestUe.fresh(newImsi());
    await provision(t, ue, '5G_AKA');
    return ue;
  }

  test('success: 5G SE AV with HXRES*, then the SUPI and KSEAF for the right RES*', async () => {
    const ue = await provisioned();
    const ctx = await t.client.authenticate({ supiOrSuci: ue.supi, servingNetworkName: SNN });
    expect(ctx.authType).toBe('5G_AKA');
    if (ctx.authType !== '5G_AKA') return;
    expect(ctx.servingNetworkName).toBe(SNN);
    expect(ctx._links['5g-aka'].href).toBe(
      `/nausf-auth/v1/ue-authentications/${ctx.authCtxId}/5g-aka-confirmation`,
    );
    expect(JSON.stringify(ctx)).not.toContain(ue.supi);
    const { rand, autn, hxresStar } = ctx['5gAuthData'];
    const usim = ue.check(rand, autn, SNN);
    if (usim.result !== 'ok') throw new Error(`USIM: ${usim.result}`);
    expect(hxresStar).toBe(hresStarHere(Buffer.from(rand, 'hex'), usim.resStar!));

    const confirmed = await t.client.confirm5gAka(
      ctx.authCtxId,
      Buffer.from(usim.resStar!).toString('hex'),
    );
    expect(confirmed).toEqual({
      authResult: 'AUTHENTICATION_SUCCESS',
      supi: ue.supi,
      kseaf: kseaf5gAkaHere(usim.ck, usim.ik, Buffer.from(autn, 'hex')),
    });
    const event = await t.ueau.latestAuthEvent(ue.supi);
    expect(event).toMatchObject({ success: true, authType: '5G_AKA', servingNetworkName: SNN });
  });

  test('RES* in upper-case hex is the same RES*', async () => {
    const ue = await provisioned();
    const ctx = await t.client.authenticate({ supiOrSuci: ue.supi, servingNetworkName: SNN });
    if (ctx.authType !== '5G_AKA') throw new Error('5G AKA expected');
    const usim = ue.check(ctx['5gAuthData'].rand, ctx['5gAuthData'].autn, SNN);
    if (usim.result !== 'ok') throw new Error('USIM');
    const r = await t.client.confirm5gAka(
      ctx.authCtxId,
      Buffer.from(usim.resStar!).toString('hex').toUpperCase(),
    );
    expect(r.authResult).toBe('AUTHENTICATION_SUCCESS');
  });

  test('a wrong RES* fails, tells the UDM, and the context cannot be tried again', async () => {
    const ue = await provisioned();
    const ctx = await t.client.authenticate({ supiOrSuci: ue.supi, servingNetworkName: SNN });
    if (ctx.authType !== '5G_AKA') throw new Error('5G AKA expected');
    const usim = ue.check(ctx['5gAuthData'].rand, ctx['5gAuthData'].autn, SNN);
    if (usim.result !== 'ok') throw new Error('USIM');
    const wrong = Buffer.from(usim.resStar!);
    wrong[0]! ^= 1;
    expect(await t.client.confirm5gAka(ctx.authCtxId, wrong.toString('hex'))).toEqual({
      authResult: 'AUTHENTICATION_FAILURE',
    });
    expect(await t.ueau.latestAuthEvent(ue.supi)).toMatchObject({ success: false });
    const again = await sbiRefusal(
      t.client.confirm5gAka(ctx.authCtxId, Buffer.from(usim.resStar!).toString('hex')),
    );
    expect([again.status, again.problemCause]).toEqual([404, 'CONTEXT_NOT_FOUND']);
    expect(again.problem?.detail).toMatch(/already failed/);
  });

  test('a confirmed context is not confirmed twice (replay)', async () => {
    const ue = await provisioned();
    const ctx = await t.client.authenticate({ supiOrSuci: ue.supi, servingNetworkName: SNN });
    if (ctx.authType !== '5G_AKA') throw new Error('5G AKA expected');
    const usim = ue.check(ctx['5gAuthData'].rand, ctx['5gAuthData'].autn, SNN);
    if (usim.result !== 'ok') throw new Error('USIM');
    const resStar = Buffer.from(usim.resStar!).toString('hex');
    await t.client.confirm5gAka(ctx.authCtxId, resStar);
    const replay = await sbiRefusal(t.client.confirm5gAka(ctx.authCtxId, resStar));
    expect([replay.status, replay.problemCause]).toEqual([404, 'CONTEXT_NOT_FOUND']);
    expect(replay.problem?.detail).toMatch(/already succeeded/);
  });

  test('concurrent confirmations of one context: exactly one gets an answer', async () => {
    const ue = await provisioned();
    const ctx = await t.client.authenticate({ supiOrSuci: ue.supi, servingNetworkName: SNN });
    if (ctx.authType !== '5G_AKA') throw new Error('5G AKA expected');
    const usim = ue.check(ctx['5gAuthData'].rand, ctx['5gAuthData'].autn, SNN);
    if (usim.result !== 'ok') throw new Error('USIM');
    const resStar = Buffer.from(usim.resStar!).toString('hex');
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => t.client.confirm5gAka(ctx.authCtxId, resStar)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') {
        expect((r.reason as SbiClientError).problemCause).toBe('CONTEXT_NOT_FOUND');
      }
    }
  });

  test('a USIM ahead of the network: AUTS, a new POST with resynchronizationInfo, success', async () => {
    const base = TestUe.fresh(newImsi());
    const ue = new TestUe(base.supi, base.k, base.opc, UsimSqnArray.fromSqnMs(1_000_000 * 32 + 7));
    await provision(t, ue, '5G_AKA');
    const first = await t.client.authenticate({ supiOrSuci: ue.supi, servingNetworkName: SNN });
    if (first.authType !== '5G_AKA') throw new Error('5G AKA expected');
    const refused = ue.check(first['5gAuthData'].rand, first['5gAuthData'].autn, SNN);
    if (refused.result !== 'sync_failure')
      throw new Error(`expected a sync failure: ${refused.result}`);
    const second = await t.client.authenticate({
      supiOrSuci: ue.supi,
      servingNetworkName: SNN,
      resynchronizationInfo: {
        rand: first['5gAuthData'].rand,
        auts: Buffer.from(refused.auts).toString('hex'),
      },
    });
    if (second.authType !== '5G_AKA') throw new Error('5G AKA expected');
    expect(second.authCtxId).not.toBe(first.authCtxId);
    const usim = ue.check(second['5gAuthData'].rand, second['5gAuthData'].autn, SNN);
    if (usim.result !== 'ok') throw new Error(`USIM after resync: ${usim.result}`);
    const r = await t.client.confirm5gAka(
      second.authCtxId,
      Buffer.from(usim.resStar!).toString('hex'),
    );
    expect(r.authResult).toBe('AUTHENTICATION_SUCCESS');
  });

  test("an AUTS not made with the subscriber's K: AUTHENTICATION_REJECTED from the UDM", async () => {
    const ue = await provisioned();
    const ctx = await t.client.authenticate({ supiOrSuci: ue.supi, servingNetworkName: SNN });
    if (ctx.authType !== '5G_AKA') throw new Error('5G AKA expected');
    const impostor = new TestUe(ue.supi, TestUe.fresh(ue.supi).k, ue.opc);
    // The impostor's USIM cannot even verify AUTN; forge an AUTS of the right length.
    expect(impostor.check(ctx['5gAuthData'].rand, ctx['5gAuthData'].autn).result).toBe(
      'mac_failure',
    );
    const e = await sbiRefusal(
      t.client.authenticate({
        supiOrSuci: ue.supi,
        servingNetworkName: SNN,
        resynchronizationInfo: { rand: ctx['5gAuthData'].rand, auts: 'ab'.repeat(14) },
      }),
    );
    expect([e.status, e.problemCause]).toEqual([403, 'AUTHENTICATION_REJECTED']);
  });

  test('a SUCI (null scheme) is de-concealed by the UDM; the SUPI comes back only on success', async () => {
    const ue = await provisioned();
    const suci = concealSupi(parseSupi(ue.supi), { scheme: 'null' });
    const ctx = await t.client.authenticate({ supiOrSuci: suci, servingNetworkName: SNN });
    if (ctx.authType !== '5G_AKA') throw new Error('5G AKA expected');
    const usim = ue.check(ctx['5gAuthData'].rand, ctx['5gAuthData'].autn, SNN);
    if (usim.result !== 'ok') throw new Error('USIM');
    const r = await t.client.confirm5gAka(
      ctx.authCtxId,
      Buffer.from(usim.resStar!).toString('hex'),
    );
    expect(r.supi).toBe(ue.supi);
  });

  test('a SUCI (Profile A) with the home network key the UDM publishes', async () => {
    const ue = await provisioned();
    const { keys } = await t.udmClient.homeNetworkKeys();
    const a = keys.find((k) => k.scheme === 'A')!;
    const suci = concealSupi(parseSupi(ue.supi), {
      scheme: 'A',
      hnPublicKey: Buffer.from(a.hnPublicKey, 'hex'),
      hnKeyId: a.hnKeyId,
    });
    const ctx = await t.client.authenticate({ supiOrSuci: suci, servingNetworkName: SNN });
    if (ctx.authType !== '5G_AKA') throw new Error('5G AKA expected');
    const usim = ue.check(ctx['5gAuthData'].rand, ctx['5gAuthData'].autn, SNN);
    if (usim.result !== 'ok') throw new Error('USIM');
    const r = await t.client.confirm5gAka(
      ctx.authCtxId,
      Buffer.from(usim.resStar!).toString('hex'),
    );
    expect(r).toMatchObject({ authResult: 'AUTHENTICATION_SUCCESS', supi: ue.supi });
  });

  test.each([
    ['an unknown SUPI', () => newImsi(), SNN, 404, 'USER_NOT_FOUND'],
    [
      'a serving network the UDM does not serve',
      null,
      '5G:mnc001.mcc001.3gppnetwork.org:000000000AB',
      403,
      'SERVING_NETWORK_NOT_AUTHORIZED',
    ],
  ])("%s: the UDM's cause is passed on", async (_what, who, snn, status, cause) => {
    const supiOrSuci = who === null ? (await provisioned()).supi : who();
    const e = await sbiRefusal(t.client.authenticate({ supiOrSuci, servingNetworkName: snn }));
    expect([e.status, e.problemCause]).toEqual([status, cause]);
  });

  test("a SUCI naming a key id the UDM does not hold: the UDM's cause is passed on", async () => {
    const ue = await provisioned();
    const { keys } = await t.udmClient.homeNetworkKeys();
    const a = keys.find((k) => k.scheme === 'A')!;
    const suci = concealSupi(parseSupi(ue.supi), {
      scheme: 'A',
      hnPublicKey: Buffer.from(a.hnPublicKey, 'hex'),
      hnKeyId: (a.hnKeyId + 100) % 256,
    });
    const e = await sbiRefusal(
      t.client.authenticate({ supiOrSuci: suci, servingNetworkName: SNN }),
    );
    expect([e.status, e.problemCause]).toEqual([403, 'INVALID_HN_PUBLIC_KEY_IDENTIFIER']);
  });

  test('a revoked subscription no longer authenticates: USER_NOT_FOUND', async () => {
    const ue = await provisioned();
    await t.udmClient.deleteAuthenticationSubscription(ue.supi);
    const e = await sbiRefusal(
      t.client.authenticate({ supiOrSuci: ue.supi, servingNetworkName: SNN }),
    );
    expect([e.status, e.problemCause]).toEqual([404, 'USER_NOT_FOUND']);
  });

  test('contexts expire', async () => {
    let now = Date.now();
    const other = await t.another({ clock: () => now, contextLifetimeMs: 30_000 });
    const ue = await provisioned();
    const ctx = await other.client.authenticate({ supiOrSuci: ue.supi, servingNetworkName: SNN });
    if (ctx.authType !== '5G_AKA') throw new Error('5G AKA expected');
    const usim = ue.check(ctx['5gAuthData'].rand, ctx['5gAuthData'].autn, SNN);
    if (usim.result !== 'ok') throw new Error('USIM');
    now += 30_001;
    const e = await sbiRefusal(
      other.client.confirm5gAka(ctx.authCtxId, Buffer.from(usim.resStar!).toString('hex')),
    );
    expect([e.status, e.problemCause]).toEqual([404, 'CONTEXT_NOT_FOUND']);
    expect(e.problem?.detail).toMatch(/expired/);
  });

  test('an AUSF that serves named networks refuses others', async () => {
    const other = await t.another({ servingNetworkNames: ['5G:mnc001.mcc001.3gppnetwork.org'] });
    const ue = await provisioned();
    const e = await sbiRefusal(
      other.client.authenticate({ supiOrSuci: ue.supi, servingNetworkName: SNN }),
    );
    expect([e.status, e.problemCause]).toEqual([403, 'SERVING_NETWORK_NOT_AUTHORIZED']);
  });

  test("an EAP-AKA' context is no 5G AKA context", async () => {
    const ue = TestUe.fresh(newImsi());
    await provision(t, ue, 'EAP_AKA_PRIME');
    const ctx = await t.client.authenticate({ supiOrSuci: ue.supi, servingNetworkName: SNN });
    expect(ctx.authType).toBe('EAP_AKA_PRIME');
    const e = await sbiRefusal(t.client.confirm5gAka(ctx.authCtxId, '00'.repeat(16)));
    expect([e.status, e.problemCause]).toEqual([404, 'CONTEXT_NOT_FOUND']);
  });

  test('bad requests are 400/401/404 ProblemDetails, never a 500', async () => {
    const post = (
      body: unknown,
      headers: Record<string, string> = { authorization: `Bearer ${AUSF_TOKEN}` },
    ) =>
      t.ausf.app.inject({
        method: 'POST',
        url: '/nausf-auth/v1/ue-authentications',
        headers,
        payload: body as Record<string, unknown>,
      });
    const cases: [unknown, number, string][] = [
      [{ supiOrSuci: 'imsi-001010000000001' }, 400, 'MANDATORY_IE_MISSING'],
      [
        {
          supiOrSuci: 'imsi-001010000000001',
          servingNetworkName: '5G:mnc001.mcc001.3gppnetwork.org:000007ed9d5',
        },
        400,
        'MANDATORY_IE_INCORRECT',
      ],
      [
        {
          supiOrSuci: 'imsi-001010000000001',
          servingNetworkName: SNN,
          resynchronizationInfo: { rand: '00', auts: '00' },
        },
        400,
        'MANDATORY_IE_INCORRECT',
      ],
      [
        { supiOrSuci: 'imsi-001010000000001', servingNetworkName: SNN, extra: 1 },
        400,
        'MANDATORY_IE_INCORRECT',
      ],
    ];
    for (const [body, status, cause] of cases) {
      const r = await post(body);
      expect([r.statusCode, r.json().cause], JSON.stringify(body)).toEqual([status, cause]);
    }
    const unauthorised = await post(
      { supiOrSuci: 'imsi-001010000000001', servingNetworkName: SNN },
      {},
    );
    expect([unauthorised.statusCode, unauthorised.json().cause]).toEqual([401, 'UNAUTHORIZED']);
    const put = await t.ausf.app.inject({
      method: 'PUT',
      url: '/nausf-auth/v1/ue-authentications/AAAAAAAAAAAAAAAAAAAAAA/5g-aka-confirmation',
      headers: { authorization: `Bearer ${AUSF_TOKEN}` },
      payload: { resStar: '00'.repeat(16) },
    });
    expect([put.statusCode, put.json().cause]).toEqual([404, 'CONTEXT_NOT_FOUND']);
    const badResStar = await t.ausf.app.inject({
      method: 'PUT',
      url: '/nausf-auth/v1/ue-authentications/AAAAAAAAAAAAAAAAAAAAAA/5g-aka-confirmation',
      headers: { authorization: `Bearer ${AUSF_TOKEN}` },
      payload: { resStar: 'zz' },
    });
    expect([badResStar.statusCode, badResStar.json().cause]).toEqual([
      400,
      'MANDATORY_IE_INCORRECT',
    ]);
  });

  test('201 carries Location and HAL JSON', async () => {
    const ue = await provisioned();
    const r = await t.ausf.app.inject({
      method: 'POST',
      url: '/nausf-auth/v1/ue-authentications',
      headers: { authorization: `Bearer ${AUSF_TOKEN}` },
      payload: { supiOrSuci: ue.supi, servingNetworkName: SNN },
    });
    expect(r.statusCode).toBe(201);
    expect(r.headers['content-type']).toMatch(/^application\/3gpphal\+json/i);
    expect(r.headers.location).toMatch(/^\/nausf-auth\/v1\/ue-authentications\/[A-Za-z0-9_-]{22}$/);
    const body = r.json();
    expect(Object.keys(body['5gAuthData']).sort()).toEqual(['autn', 'hxresStar', 'rand']);
  });
});

describe('a UDM that does not answer', () => {
  test('UPSTREAM_SERVER_ERROR (504), with a detail naming the UDM', async () => {
    const t = await createTestAusf();
    try {
      const down = await t.another({ udm: { baseUrl: 'http://127.0.0.1:9', bearerToken: 'x' } });
      const e = await sbiRefusal(
        down.client.authenticate({ supiOrSuci: newImsi(), servingNetworkName: SNN }),
      );
      expect([e.status, e.problemCause]).toEqual([504, 'UPSTREAM_SERVER_ERROR']);
      expect(e.problem?.detail).toMatch(/UDM does not answer/);
    } finally {
      await t.close();
    }
  });

  test("a UDM that refuses the AUSF's token is an upstream error, not the AMF's 401", async () => {
    const t = await createTestAusf();
    try {
      const wrong = await t.another({
        udm: { baseUrl: t.udmUrl, bearerToken: 'not-the-udm-token-at-all' },
      });
      const e = await sbiRefusal(
        wrong.client.authenticate({ supiOrSuci: newImsi(), servingNetworkName: SNN }),
      );
      expect([e.status, e.problemCause]).toEqual([504, 'UPSTREAM_SERVER_ERROR']);
    } finally {
      await t.close();
    }
  });
});
