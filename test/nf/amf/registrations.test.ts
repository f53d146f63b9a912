// The AMF's registration logic against a scripted AUSF: the SEAF's checks, the state of a
// registration, and how AUSF failures reach the UE. KAMF is checked against the published 5G AKA
// vector of 3gpp.json (KSEAF -> KAMF, SUPI 001010123456789, ABBA 0000).
import Fastify from 'fastify';
import { describe, expect, test } from 'vitest';
import type { SnpnId } from '../../../src/lib/onboarding/credential-bundle.js';
import type { AusfApi, AusfAuthenticationRequest } from '../../../src/nf/amf/ausf-consumer.js';
import { MAX_RESYNCS, RegistrationService } from '../../../src/nf/amf/registrations.js';
import { SbiClientError } from '../../../src/sbi/client.js';
import { ProblemError } from '../../../src/sbi/problem-details.js';
import { hex, loadVectors, type SharedVectors } from '../../helpers.js';

const vectors = loadVectors<SharedVectors>('3gpp.json');
const set1 = vectors.milenage[0]!;
const fiveG = vectors['5g_aka'].plmn;
const SNPN: SnpnId = { mcc: '001', mnc: '01', nid: '000007ED9D5' };
const SNN = '5G:mnc001.mcc001.3gppnetwork.org:000007ED9D5';
const log = Fastify({ logger: false }).log;

/** An AUSF that answers the vector's challenge, and records what it was asked. */
function scriptedAusf(change: Partial<AusfApi> = {}) {
  const calls: { op: string; args: unknown[] }[] = [];
  let n = 0;
  const ausf: AusfApi = {
    async authenticate(request: AusfAuthenticationRequest) {
      calls.push({ op: 'authenticate', args: [request] });
      n++;
      return {
        authType: '5G_AKA',
        authCtxId: `ctx-${n}`,
        av: { rand: set1.RAND, autn: fiveG.AUTN, hxresStar: fiveG.HXRESstar },
      };
    },
    async confirm5gAka(authCtxId, resStar) {
      calls.push({ op: 'confirm', args: [authCtxId, resStar] });
      return resStar === fiveG.XRESstar
        ? { authResult: 'AUTHENTICATION_SUCCESS', supi: 'imsi-001010123456789', kseaf: fiveG.KSEAF }
        : { authResult: 'AUTHENTICATION_FAILURE' };
    },
    async eapSession(authCtxId, eapPayload) {
      calls.push({ op: 'eap', args: [authCtxId, eapPayload] });
      return { eapPayload: 'AwEABA==' };
    },
    ...change,
  };
  return { ausf, calls };
}

async function problemOf(promise: Promise<unknown>): Promise<{ status: number; cause?: string }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ProblemError) {
      return {
        status: err.problem.status,
        ...(err.problem.cause ? { cause: err.problem.cause } : {}),
      };
    }
    throw err;
  }
  throw new Error('expected a ProblemError');
}

describe('5G AKA', () => {
  test('the challenge, then RES*: success with the SUPI, and KAMF of the vector kept inside', async () => {
    const { ausf, calls } = scriptedAusf();
    const service = new RegistrationService(ausf, [SNPN], log);
    const challenge = await service.register('suci-0-001-01-0-0-0-0123456789', SNPN);
    expect(challenge).toEqual({
      id: challenge.id,
      authMethod: '5G_AKA',
      rand: set1.RAND,
      autn: fiveG.AUTN,
      abba: '0000',
    });
    expect(calls[0]!.args[0]).toEqual({
      supiOrSuci: 'suci-0-001-01-0-0-0-0123456789',
      servingNetworkName: SNN,
    });
    const accepted = await service.confirm5gAka(challenge.id, fiveG.XRESstar.toUpperCase());
    expect(accepted).toEqual({ result: 'AUTHENTICATION_SUCCESS', supi: 'imsi-001010123456789' });
    expect(JSON.stringify(accepted)).not.toContain(fiveG.KSEAF);
    const context = service.securityContext(challenge.id);
    expect(hex(context!.kamf)).toBe(fiveG.KAMF);
    // Done: a second RES* is refused, the context stays.
    expect(await problemOf(service.confirm5gAka(challenge.id, fiveG.XRESstar))).toEqual({
      status: 409,
      cause: 'REGISTRATION_COMPLETE',
    });
  });

  test('a wrong RES*: the AUSF is still asked, the UE rejected, the registration ended', async () => {
    const { ausf, calls } = scriptedAusf();
    const service = new RegistrationService(ausf, [SNPN], log);
    const { id } = await service.register('suci-x', SNPN);
    expect(await problemOf(service.confirm5gAka(id, '00'.repeat(16)))).toEqual({
      status: 403,
      cause: 'AUTHENTICATION_REJECTED',
    });
    expect(calls.map((c) => c.op)).toEqual(['authenticate', 'confirm']);
    expect(service.securityContext(id)).toBeUndefined();
    expect(await problemOf(service.confirm5gAka(id, fiveG.XRESstar))).toMatchObject({
      status: 404,
    });
  });

  test('an AUSF that accepts a RES* whose HRES* does not match HXRES* does not get the UE in', async () => {
    const { ausf } = scriptedAusf({
      async confirm5gAka() {
        return { authResult: 'AUTHENTICATION_SUCCESS', supi: 'imsi-1', kseaf: fiveG.KSEAF };
      },
    });
    const service = new RegistrationService(ausf, [SNPN], log);
    const { id } = await service.register('suci-x', SNPN);
    expect(await problemOf(service.confirm5gAka(id, '11'.repeat(16)))).toMatchObject({
      status: 403,
      cause: 'AUTHENTICATION_REJECTED',
    });
  });

  test('AUTS: resynchronisation info with the outstanding RAND, a fresh challenge; at most twice', async () => {
    const { ausf, calls } = scriptedAusf();
    const service = new RegistrationService(ausf, [SNPN], log);
    const { id } = await service.register('suci-x', SNPN);
    const auts = 'AB'.repeat(14);
    for (let i = 0; i < MAX_RESYNCS; i++) {
      expect(await service.resynchronise5gAka(id, auts)).toEqual({
        rand: set1.RAND,
        autn: fiveG.AUTN,
        abba: '0000',
      });
    }
    expect(calls[1]!.args[0]).toEqual({
      supiOrSuci: 'suci-x',
      servingNetworkName: SNN,
      resynchronizationInfo: { rand: set1.RAND, auts: auts.toLowerCase() },
    });
    expect(await problemOf(service.resynchronise5gAka(id, auts))).toEqual({
      status: 403,
      cause: 'AUTHENTICATION_REJECTED',
    });
  });
});

describe('refusals', () => {
  test('an SNPN not served: 403 SNPN_NOT_SERVED, the AUSF is not asked', async () => {
    const { ausf, calls } = scriptedAusf();
    const service = new RegistrationService(ausf, [SNPN], log);
    for (const other of [
      { ...SNPN, nid: '000007ED9D6' },
      { ...SNPN, mnc: '001' },
      { ...SNPN, mcc: '002' },
    ]) {
      expect(await problemOf(service.register('suci-x', other))).toEqual({
        status: 403,
        cause: 'SNPN_NOT_SERVED',
      });
    }
    expect(calls).toEqual([]);
    // The NID is hex: its case does not matter.
    await service.register('suci-x', { ...SNPN, nid: SNPN.nid.toLowerCase() });
  });

  test("the AUSF's (and the UDM's) causes pass through; no answer 504, a bare 500 502", async () => {
    const failing = (status: number, cause?: string) =>
      new RegistrationService(
        scriptedAusf({
          async authenticate() {
            throw new SbiClientError(
              'x',
              status,
              status === 0 ? undefined : { title: 't', status, ...(cause ? { cause } : {}) },
            );
          },
        }).ausf,
        [SNPN],
        log,
      );
    expect(await problemOf(failing(404, 'USER_NOT_FOUND').register('s', SNPN))).toEqual({
      status: 404,
      cause: 'USER_NOT_FOUND',
    });
    expect(
      await problemOf(failing(403, 'INVALID_HN_PUBLIC_KEY_IDENTIFIER').register('s', SNPN)),
    ).toEqual({ status: 403, cause: 'INVALID_HN_PUBLIC_KEY_IDENTIFIER' });
    expect(
      await problemOf(failing(501, 'UNSUPPORTED_PROTECTION_SCHEME').register('s', SNPN)),
    ).toEqual({ status: 501, cause: 'UNSUPPORTED_PROTECTION_SCHEME' });
    expect(await problemOf(failing(0).register('s', SNPN))).toEqual({
      status: 504,
      cause: 'TARGET_NF_NOT_REACHABLE',
    });
    expect(await problemOf(failing(500, 'SYSTEM_FAILURE').register('s', SNPN))).toEqual({
      status: 502,
      cause: 'UPSTREAM_SERVER_ERROR',
    });
  });

  test('unknown, expired, wrong method, concurrent: 404, 404, 409, 409', async () => {
    let now = 1_000_000;
    let release: () => void = () => undefined;
    const { ausf } = scriptedAusf({
      async confirm5gAka() {
        await new Promise<void>((resolve) => (release = resolve));
        return { authResult: 'AUTHENTICATION_FAILURE' };
      },
    });
    const service = new RegistrationService(ausf, [SNPN], log, { ttlMs: 1000, now: () => now });
    expect(await problemOf(service.confirm5gAka('nope', fiveG.XRESstar))).toEqual({
      status: 404,
      cause: 'CONTEXT_NOT_FOUND',
    });
    const { id } = await service.register('suci-x', SNPN);
    expect(await problemOf(service.eapSession(id, 'AgEABA=='))).toEqual({
      status: 409,
      cause: 'AUTH_METHOD_MISMATCH',
    });
    const first = service.confirm5gAka(id, fiveG.XRESstar);
    expect(await problemOf(service.confirm5gAka(id, fiveG.XRESstar))).toEqual({
      status: 409,
      cause: 'REQUEST_IN_PROGRESS',
    });
    release();
    await problemOf(first);
    const { id: late } = await service.register('suci-y', SNPN);
    expect(service.size).toBe(1);
    now += 1000;
    expect(service.size).toBe(0);
    expect(await problemOf(service.confirm5gAka(late, fiveG.XRESstar))).toMatchObject({
      status: 404,
    });
  });

  test('beyond maxRegistrations: 503 NF_CONGESTION', async () => {
    const service = new RegistrationService(scriptedAusf().ausf, [SNPN], log, {
      maxRegistrations: 2,
    });
    await service.register('a', SNPN);
    await service.register('b', SNPN);
    expect(await problemOf(service.register('c', SNPN))).toEqual({
      status: 503,
      cause: 'NF_CONGESTION',
    });
  });

  test('an AMF serving no SNPN, or a malformed one, does not start', () => {
    expect(() => new RegistrationService(scriptedAusf().ausf, [], log)).toThrow(RangeError);
    expect(
      () => new RegistrationService(scriptedAusf().ausf, [{ ...SNPN, nid: 'xyz' }], log),
    ).toThrow(/NID/);
  });
});

describe("EAP-AKA'", () => {
  const eapAusf = (
    answers: { eapPayload: string; authResult?: string; supi?: string; kSeaf?: string }[],
  ) =>
    scriptedAusf({
      async authenticate() {
        return { authType: 'EAP_AKA_PRIME', authCtxId: 'ctx-e', eapPayload: 'AQEABTIB' };
      },
      async eapSession() {
        return answers.shift()!;
      },
    }).ausf;

  test('relays until EAP-Success; KAMF from kSeaf', async () => {
    const service = new RegistrationService(
      eapAusf([
        { eapPayload: 'AQIABTIB' },
        {
          eapPayload: 'AwIABA==',
          authResult: 'AUTHENTICATION_SUCCESS',
          supi: 'imsi-001010123456789',
          kSeaf: fiveG.KSEAF,
        },
      ]),
      [SNPN],
      log,
    );
    const challenge = await service.register('suci-x', SNPN);
    expect(challenge).toEqual({
      id: challenge.id,
      authMethod: 'EAP_AKA_PRIME',
      eapPayload: 'AQEABTIB',
    });
    expect(await service.eapSession(challenge.id, 'AgEABTIB')).toEqual({ eapPayload: 'AQIABTIB' });
    expect(await service.eapSession(challenge.id, 'AgIABTIB')).toEqual({
      eapPayload: 'AwIABA==',
      result: 'AUTHENTICATION_SUCCESS',
      supi: 'imsi-001010123456789',
    });
    expect(hex(service.securityContext(challenge.id)!.kamf)).toBe(fiveG.KAMF);
  });

  test('EAP-Failure: 403 AUTHENTICATION_REJECTED carrying the packet', async () => {
    const service = new RegistrationService(
      eapAusf([{ eapPayload: 'BAEABA==', authResult: 'AUTHENTICATION_FAILURE' }]),
      [SNPN],
      log,
    );
    const { id } = await service.register('suci-x', SNPN);
    try {
      await service.eapSession(id, 'AgEABTIC');
      expect.unreachable();
    } catch (err) {
      expect((err as ProblemError).problem).toMatchObject({
        status: 403,
        cause: 'AUTHENTICATION_REJECTED',
        eapPayload: 'BAEABA==',
      });
    }
  });
});
