// EAP-AKA' through the AUSF over HTTP against a real UDM, on both store backends, the AUSF as
// the EAP server of RFC 9048 and the test as the peer (src/lib/aka/usim.ts and the EAP library):
// success with KSEAF recomputed here from the USIM's CK and IK, a peer's bad AT_MAC or AT_RES
// (General Failure notification, then EAP-Failure), resynchronisation from AT_AUTS,
// Authentication-Reject, Client-Error, replays, and packets that answer nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UsimSqnArray } from '../../../src/lib/aka/sqn.js';
import {
  AKA_SUBTYPE,
  EAP_CODE,
  NOTIFICATION,
  akaAuthenticationReject,
  akaClientError,
  akaNotificationResponse,
  akaPrimeChallengeResponse,
  akaSynchronizationFailure,
  decodeEapAka,
  decodeEapPacket,
  eapIdentityResponse,
  eapNak,
  encodeEapAka,
  fromEapPayload,
  keyDerivationIdentity,
  peerKeys,
  toEapPayload,
  verifyAkaMac,
  type EapAkaMessage,
} from '../../../src/lib/eap/index.js';
import type { AusfClient, EapSession } from '../../../src/nf/ausf/client.js';
import type { UdmUeauClient } from '../../../src/nf/udm/ueau-client.js';
import { SbiClientError } from '../../../src/sbi/client.js';
import { sbiRefusal } from '../../helpers.js';
import { dropSchemas, storeBackends, uniqueSchemaPrefix } from '../../store/pg-test-url.js';
import {
  AUSF_TOKEN,
  SNN,
  TestUe,
  createTestAusf,
  kseafEapAkaPrimeHere,
  newImsi,
  provision,
  type TestAusf,
} from './test-ausf.js';

const dataDir = mkdtempSync(join(tmpdir(), 'npn-ausf-eap-'));
const prefix = uniqueSchemaPrefix();
afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await dropSchemas(prefix);
});

/** An EapPayload decoded as an EAP-AKA' request; fails the test otherwise. */
function request(payload: string): EapAkaMessage {
  const bytes = fromEapPayload(payload);
  if (!bytes) throw new Error('not base64');
  const d = decodeEapAka(bytes);
  if (!d.ok) throw new Error(d.detail);
  expect(d.value.code).toBe(EAP_CODE.REQUEST);
  return d.value;
}

/** The EAP code and identifier of an EapPayload. */
function header(payload: string): { code: number; identifier: number } {
  const d = decodeEapPacket(fromEapPayload(payload)!);
  if (!d.ok) throw new Error(d.detail);
  return { code: d.value.code, identifier: d.value.identifier };
}

/** What the peer does with a challenge: USIM check, keys, the server's MAC. */
function answerChallenge(ue: TestUe, challenge: EapAkaMessage) {
  const a = challenge.attributes;
  expect(a.kdf).toEqual([1]);
  expect(a.kdfInput).toBe(SNN);
  const rand = Buffer.from(a.rand!).toString('hex');
  const autn = Buffer.from(a.autn!).toString('hex');
  const usim = ue.check(rand, autn);
  if (usim.result !== 'ok') return { usim } as const;
  const keys = peerKeys({
    ck: usim.ck,
    ik: usim.ik,
    autn: a.autn!,
    networkName: SNN,
    supi: ue.supi,
  });
  expect(verifyAkaMac(challenge, keys.kAut)).toBe(true);
  return { usim, keys } as const;
}

describe.each(storeBackends(dataDir, prefix))("EAP-AKA' through the AUSF on %s", (_n, store) => {
  let t: TestAusf;
  let client: AusfClient;
  beforeAll(async () => {
    t = await createTestAusf({ store });
    client = t.client;
  });
  afterAll(async () => {
    await t.close();
  });

  async function start(ue?: TestUe) {
    const u = ue ?? TestUe.fresh(newImsi());
    await provision(t, u, 'EAP_AKA_PRIME');
    const ctx = await client.authenticate({ supiOrSuci: u.supi, servingNetworkName: SNN });
    if (ctx.authType !== 'EAP_AKA_PRIME') throw new Error("EAP-AKA' expected");
    return { ue: u, ctx, challenge: request(ctx['5gAuthData']) };
  }

  const send = (id: string, packet: Uint8Array): Promise<EapSession> =>
    client.eapSession(id, toEapPayload(packet));

  test("success: AKA'-Challenge with AT_KDF_INPUT = serving network name, EAP-Success, SUPI and KSEAF", async () => {
    const { ue, ctx, challenge } = await start();
    expect(ctx._links['eap-session'].href).toBe(
      `/nausf-auth/v1/ue-authentications/${ctx.authCtxId}/eap-session`,
    );
    expect(JSON.stringify(ctx)).not.toContain(ue.supi);
    expect(challenge.subtype).toBe(AKA_SUBTYPE.CHALLENGE);
    const { usim, keys } = answerChallenge(ue, challenge);
    if (!keys) throw new Error(`USIM: ${usim.result}`);
    const done = await send(
      ctx.authCtxId,
      akaPrimeChallengeResponse({
        identifier: challenge.identifier,
        res: usim.res,
        kAut: keys.kAut,
      }),
    );
    expect(header(done.eapPayload)).toEqual({
      code: EAP_CODE.SUCCESS,
      identifier: challenge.identifier,
    });
    expect(done).toEqual({
      eapPayload: done.eapPayload,
      authResult: 'AUTHENTICATION_SUCCESS',
      supi: ue.supi,
      kSeaf: kseafEapAkaPrimeHere(
        usim.ck,
        usim.ik,
        challenge.attributes.autn!,
        keyDerivationIdentity(ue.supi),
      ),
    });
    expect(await t.ueau.latestAuthEvent(ue.supi)).toMatchObject({
      success: true,
      authType: 'EAP_AKA_PRIME',
      servingNetworkName: SNN,
    });
    // The same response again: the context is spent.
    const replay = await sbiRefusal(
      send(
        ctx.authCtxId,
        akaPrimeChallengeResponse({
          identifier: challenge.identifier,
          res: usim.res,
          kAut: keys.kAut,
        }),
      ),
    );
    expect([replay.status, replay.problemCause]).toEqual([404, 'CONTEXT_NOT_FOUND']);
  });

  test('an NAI SUPI: MK is derived with the NAI', async () => {
    const ue = TestUe.fresh(
      `nai-device${Date.now()}${Math.floor(Math.random() * 1e6)}@snpn.example.org`,
    );
    const { ctx, challenge } = await start(ue);
    const { usim, keys } = answerChallenge(ue, challenge);
    if (!keys) throw new Error(`USIM: ${usim.result}`);
    const done = await send(
      ctx.authCtxId,
      akaPrimeChallengeResponse({
        identifier: challenge.identifier,
        res: usim.res,
        kAut: keys.kAut,
      }),
    );
    expect(done.authResult).toBe('AUTHENTICATION_SUCCESS');
    expect(done.kSeaf).toBe(
      kseafEapAkaPrimeHere(usim.ck, usim.ik, challenge.attributes.autn!, ue.supi.slice(4)),
    );
  });

  test('a bad AT_MAC from the peer: General Failure notification (no AT_MAC), then EAP-Failure', async () => {
    const { ue, ctx, challenge } = await start();
    const { usim, keys } = answerChallenge(ue, challenge);
    if (!keys) throw new Error('USIM');
    const wrongKey = Buffer.from(keys.kAut);
    wrongKey[0]! ^= 1;
    const notified = await send(
      ctx.authCtxId,
      akaPrimeChallengeResponse({
        identifier: challenge.identifier,
        res: usim.res,
        kAut: wrongKey,
      }),
    );
    expect(notified.authResult).toBeUndefined();
    expect(notified._links?.['eap-session'].href).toContain(ctx.authCtxId);
    const n = request(notified.eapPayload);
    expect(n.subtype).toBe(AKA_SUBTYPE.NOTIFICATION);
    expect(n.attributes.notification).toBe(NOTIFICATION.GENERAL_FAILURE);
    expect(n.attributes.mac).toBeUndefined();
    expect(n.identifier).toBe((challenge.identifier + 1) & 0xff);

    const failed = await send(
      ctx.authCtxId,
      akaNotificationResponse({
        identifier: n.identifier,
        notification: NOTIFICATION.GENERAL_FAILURE,
      }),
    );
    expect(failed.authResult).toBe('AUTHENTICATION_FAILURE');
    expect(failed.supi).toBeUndefined();
    expect(failed.kSeaf).toBeUndefined();
    expect(header(failed.eapPayload)).toEqual({ code: EAP_CODE.FAILURE, identifier: n.identifier });
    expect(await t.ueau.latestAuthEvent(ue.supi)).toMatchObject({ success: false });
  });

  test('a response without AT_MAC fails the same way', async () => {
    const { ue, ctx, challenge } = await start();
    const { usim } = answerChallenge(ue, challenge);
    const noMac = encodeEapAka({
      code: EAP_CODE.RESPONSE,
      identifier: challenge.identifier,
      subtype: AKA_SUBTYPE.CHALLENGE,
      attributes: [{ type: 'AT_RES', res: usim.result === 'ok' ? usim.res : new Uint8Array(8) }],
    });
    const notified = await send(ctx.authCtxId, noMac);
    expect(request(notified.eapPayload).attributes.notification).toBe(NOTIFICATION.GENERAL_FAILURE);
  });

  test('a wrong AT_RES under a good AT_MAC: notification, then EAP-Failure', async () => {
    const { ue, ctx, challenge } = await start();
    const { usim, keys } = answerChallenge(ue, challenge);
    if (!keys) throw new Error('USIM');
    const res = Buffer.from(usim.res);
    res[3]! ^= 0x80;
    const notified = await send(
      ctx.authCtxId,
      akaPrimeChallengeResponse({ identifier: challenge.identifier, res, kAut: keys.kAut }),
    );
    const n = request(notified.eapPayload);
    expect(n.attributes.notification).toBe(NOTIFICATION.GENERAL_FAILURE);
    // Whatever answers the notification, the end is EAP-Failure.
    const failed = await send(ctx.authCtxId, akaClientError(n.identifier));
    expect(failed.authResult).toBe('AUTHENTICATION_FAILURE');
  });

  test('a USIM ahead: Synchronization-Failure with AT_AUTS, a fresh challenge, success', async () => {
    const base = TestUe.fresh(newImsi());
    const ue = new TestUe(base.supi, base.k, base.opc, UsimSqnArray.fromSqnMs(2_000_000 * 32 + 3));
    const { ctx, challenge } = await start(ue);
    const refused = answerChallenge(ue, challenge);
    if (refused.usim.result !== 'sync_failure') throw new Error(refused.usim.result);
    const fresh = await send(
      ctx.authCtxId,
      akaSynchronizationFailure({
        identifier: challenge.identifier,
        auts: refused.usim.auts,
        kdfs: challenge.attributes.kdf,
      }),
    );
    expect(fresh.authResult).toBeUndefined();
    const second = request(fresh.eapPayload);
    expect(second.subtype).toBe(AKA_SUBTYPE.CHALLENGE);
    expect(second.identifier).toBe((challenge.identifier + 1) & 0xff);
    expect(
      Buffer.from(second.attributes.rand!).equals(Buffer.from(challenge.attributes.rand!)),
    ).toBe(false);
    const { usim, keys } = answerChallenge(ue, second);
    if (!keys) throw new Error(`USIM after resync: ${usim.result}`);
    const done = await send(
      ctx.authCtxId,
      akaPrimeChallengeResponse({ identifier: second.identifier, res: usim.res, kAut: keys.kAut }),
    );
    expect(done.authResult).toBe('AUTHENTICATION_SUCCESS');
    expect(done.kSeaf).toBe(
      kseafEapAkaPrimeHere(
        usim.ck,
        usim.ik,
        second.attributes.autn!,
        keyDerivationIdentity(ue.supi),
      ),
    );
  });

  test('an AUTS the UDM rejects (MAC-S): notification, then EAP-Failure', async () => {
    const { ctx, challenge } = await start();
    const notified = await send(
      ctx.authCtxId,
      akaSynchronizationFailure({
        identifier: challenge.identifier,
        auts: new Uint8Array(14).fill(7),
      }),
    );
    const n = request(notified.eapPayload);
    expect(n.attributes.notification).toBe(NOTIFICATION.GENERAL_FAILURE);
    const failed = await send(
      ctx.authCtxId,
      akaNotificationResponse({
        identifier: n.identifier,
        notification: NOTIFICATION.GENERAL_FAILURE,
      }),
    );
    expect(failed.authResult).toBe('AUTHENTICATION_FAILURE');
  });

  test('a UE with another K rejects the challenge: Authentication-Reject, EAP-Failure', async () => {
    const { ue, ctx, challenge } = await start();
    const impostor = new TestUe(ue.supi, TestUe.fresh(ue.supi).k, ue.opc);
    const a = challenge.attributes;
    expect(
      impostor.check(Buffer.from(a.rand!).toString('hex'), Buffer.from(a.autn!).toString('hex'))
        .result,
    ).toBe('mac_failure');
    const failed = await send(ctx.authCtxId, akaAuthenticationReject(challenge.identifier));
    expect(failed.authResult).toBe('AUTHENTICATION_FAILURE');
    expect(header(failed.eapPayload)).toEqual({
      code: EAP_CODE.FAILURE,
      identifier: challenge.identifier,
    });
    expect(await t.ueau.latestAuthEvent(ue.supi)).toMatchObject({ success: false });
  });

  test.each([
    ['Client-Error', (id: number) => akaClientError(id)],
    ['a Nak', (id: number) => eapNak(id, [23])],
    ['a Response/Identity', (id: number) => eapIdentityResponse(id, 'someone@example.org')],
  ])('%s ends in EAP-Failure', async (_what, build) => {
    const { ctx, challenge } = await start();
    const failed = await send(ctx.authCtxId, build(challenge.identifier));
    expect(failed.authResult).toBe('AUTHENTICATION_FAILURE');
  });

  test('a packet with attributes the server cannot parse: notification', async () => {
    const { ctx, challenge } = await start();
    const bad = encodeEapAka({
      code: EAP_CODE.RESPONSE,
      identifier: challenge.identifier,
      subtype: AKA_SUBTYPE.CHALLENGE,
      attributes: [{ type: 'raw', attributeType: 99, value: new Uint8Array(2) }],
    });
    const notified = await send(ctx.authCtxId, bad);
    expect(request(notified.eapPayload).subtype).toBe(AKA_SUBTYPE.NOTIFICATION);
  });

  test('packets that answer nothing are refused (400) and leave the exchange as it was', async () => {
    const { ue, ctx, challenge } = await start();
    const { usim, keys } = answerChallenge(ue, challenge);
    if (!keys) throw new Error('USIM');
    const good = akaPrimeChallengeResponse({
      identifier: challenge.identifier,
      res: usim.res,
      kAut: keys.kAut,
    });
    const wrongId = akaPrimeChallengeResponse({
      identifier: (challenge.identifier + 5) & 0xff,
      res: usim.res,
      kAut: keys.kAut,
    });
    const asRequest = Uint8Array.from(good);
    asRequest[0] = EAP_CODE.REQUEST;
    for (const [what, payload] of [
      ['another Identifier', toEapPayload(wrongId)],
      ['a Request', toEapPayload(asRequest)],
      ['a truncated packet', toEapPayload(good.subarray(0, 10))],
      ['not base64', '!!!!!!!!'],
      ['base64url', toEapPayload(good).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')],
    ] as const) {
      const e = await sbiRefusal(client.eapSession(ctx.authCtxId, payload));
      expect([e.status, e.problemCause], what).toEqual([400, 'MANDATORY_IE_INCORRECT']);
    }
    const done = await client.eapSession(ctx.authCtxId, toEapPayload(good));
    expect(done.authResult).toBe('AUTHENTICATION_SUCCESS');
  });

  test('a 5G AKA context is no EAP session; an unknown one is not found', async () => {
    const ue = TestUe.fresh(newImsi());
    await provision(t, ue, '5G_AKA');
    const ctx = await client.authenticate({ supiOrSuci: ue.supi, servingNetworkName: SNN });
    const e = await sbiRefusal(client.eapSession(ctx.authCtxId, toEapPayload(akaClientError(1))));
    expect([e.status, e.problemCause]).toEqual([404, 'CONTEXT_NOT_FOUND']);
    const unknown = await sbiRefusal(
      client.eapSession('AAAAAAAAAAAAAAAAAAAAAA', toEapPayload(akaClientError(1))),
    );
    expect([unknown.status, unknown.problemCause]).toEqual([404, 'CONTEXT_NOT_FOUND']);
  });

  test('a UDM silent during the resynchronisation: 504, and the same answer works once it is back', async () => {
    let down = false;
    const flaky = {
      generateAuthData: (...args: Parameters<UdmUeauClient['generateAuthData']>) =>
        down
          ? Promise.reject(new SbiClientError('no answer', 0, undefined))
          : t.ueau.generateAuthData(...args),
      authEvent: (...args: Parameters<UdmUeauClient['authEvent']>) => t.ueau.authEvent(...args),
    };
    const other = await t.another({ udmClient: flaky });
    const base = TestUe.fresh(newImsi());
    const ue = new TestUe(base.supi, base.k, base.opc, UsimSqnArray.fromSqnMs(3_000_000 * 32));
    await provision(t, ue, 'EAP_AKA_PRIME');
    const ctx = await other.client.authenticate({ supiOrSuci: ue.supi, servingNetworkName: SNN });
    if (ctx.authType !== 'EAP_AKA_PRIME') throw new Error("EAP-AKA' expected");
    const challenge = request(ctx['5gAuthData']);
    const refused = answerChallenge(ue, challenge);
    if (refused.usim.result !== 'sync_failure') throw new Error(refused.usim.result);
    const syncFailure = toEapPayload(
      akaSynchronizationFailure({ identifier: challenge.identifier, auts: refused.usim.auts }),
    );
    down = true;
    const e = await sbiRefusal(other.client.eapSession(ctx.authCtxId, syncFailure));
    expect([e.status, e.problemCause]).toEqual([504, 'UPSTREAM_SERVER_ERROR']);
    down = false;
    const fresh = await other.client.eapSession(ctx.authCtxId, syncFailure);
    const second = request(fresh.eapPayload);
    const { usim, keys } = answerChallenge(ue, second);
    if (!keys) throw new Error(`USIM after resync: ${usim.result}`);
    const done = await other.client.eapSession(
      ctx.authCtxId,
      toEapPayload(
        akaPrimeChallengeResponse({
          identifier: second.identifier,
          res: usim.res,
          kAut: keys.kAut,
        }),
      ),
    );
    expect(done.authResult).toBe('AUTHENTICATION_SUCCESS');
  });

  test('the token is required', async () => {
    const r = await t.ausf.app.inject({
      method: 'POST',
      url: '/nausf-auth/v1/ue-authentications/AAAAAAAAAAAAAAAAAAAAAA/eap-session',
      payload: { eapPayload: toEapPayload(akaClientError(1)) },
    });
    expect([r.statusCode, r.json().cause]).toEqual([401, 'UNAUTHORIZED']);
    const ok = await t.ausf.app.inject({
      method: 'POST',
      url: '/nausf-auth/v1/ue-authentications/AAAAAAAAAAAAAAAAAAAAAA/eap-session',
      headers: { authorization: `Bearer ${AUSF_TOKEN}` },
      payload: { eapPayload: toEapPayload(akaClientError(1)) },
    });
    expect(ok.statusCode).toBe(404);
  });
});
