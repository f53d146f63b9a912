// The PS's reading of an EAR, with a stub in place of the DCS: the EAR's signature is checked
// against the DCS's key set (fetched once, fetched again once when it no longer verifies), its
// nonce and UEID against the Evidence, and its AR4SI vector read as the cause a device developer
// can act on. The vectors are written here from draft-ietf-rats-ar4si's values.
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import { describe, expect, test } from 'vitest';
import { generateJwkPair } from '../../../src/lib/key-pairs.js';
import {
  signEar,
  type Ear,
  type EarStatus,
  type TrustworthinessVector,
} from '../../../src/lib/rats/ear.js';
import { Appraiser, type DeviceDirectory, type Verifier } from '../../../src/nf/ps/appraisal.js';
import { OnboardingFailure } from '../../../src/nf/ps/causes.js';
import { readEvidence } from '../../../src/nf/ps/evidence.js';
import { makeDevice, makeEvidence, testConfig } from './devices.js';

const KID = 'dcs-ear-1';

/** A DCS stand-in: answers every appraisal with an EAR made by `earFor`, and counts key fetches. */
class StubDcs implements Verifier {
  keyFetches = 0;
  signing = generateJwkPair('P-256');
  published: JWK[] = [{ ...this.signing.publicJwk, kid: KID }];
  vector: TrustworthinessVector = { 'instance-identity': 2 };
  status: EarStatus = 'affirming';
  /** the nonce the EAR names, when not the one asked about (a confused or replaying DCS) */
  answerNonce: Uint8Array | undefined;

  constructor(
    private readonly ueid: Uint8Array,
    private readonly cnf: JWK,
  ) {}

  async appraise(_evidence: unknown, nonce: Uint8Array): Promise<string> {
    const ear: Ear = {
      eatProfile: 'tag:github.com,2023:veraison/ear',
      iat: Math.floor(Date.now() / 1000),
      verifierId: { build: 'stub', developer: 'test' },
      nonce: this.answerNonce ?? nonce,
      submods: {
        ue: {
          status: this.status,
          trustworthinessVector: this.vector,
          appraisalPolicyId: 'policy:test',
          ueid: this.ueid,
          cnf: this.cnf,
        },
      },
    };
    return signEar(ear, { privateJwk: this.signing.privateJwk, kid: KID });
  }

  async keys(): Promise<{ keys: JWK[] }> {
    this.keyFetches++;
    return { keys: this.published };
  }
}

const noDirectory: DeviceDirectory = { deviceOf: async () => undefined };

async function setup() {
  const device = makeDevice();
  const nonce = new Uint8Array(randomBytes(32));
  const { evidence, cnf } = await makeEvidence(device, nonce, 'cwt');
  const received = readEvidence('application/eat+cwt', new Uint8Array(evidence.body));
  const dcs = new StubDcs(device.ueid, cnf.publicJwk);
  const appraiser = new Appraiser(dcs, noDirectory, testConfig().policy);
  return { dcs, appraiser, received, nonce, cnf };
}

async function causeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof OnboardingFailure) return err.code;
    throw err;
  }
  return 'accepted';
}

describe('the EAR key set', () => {
  test('fetched once, then used from the cache', async () => {
    const { dcs, appraiser, received, nonce, cnf } = await setup();
    const accepted = await appraiser.appraise(received, nonce);
    expect(accepted.cnf).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: cnf.publicJwk.x,
      y: cnf.publicJwk.y,
    });
    await appraiser.appraise(received, nonce);
    expect(dcs.keyFetches).toBe(1);
  });

  test('a key rotated under the same kid: fetched again once, then accepted', async () => {
    const { dcs, appraiser, received, nonce } = await setup();
    await appraiser.appraise(received, nonce);
    dcs.signing = generateJwkPair('P-256');
    dcs.published = [{ ...dcs.signing.publicJwk, kid: KID }];
    await appraiser.appraise(received, nonce);
    expect(dcs.keyFetches).toBe(2);
  });

  test('an EAR no published key verifies: VERIFIER_RESULT_INVALID after one refetch', async () => {
    const { dcs, appraiser, received, nonce } = await setup();
    await appraiser.appraise(received, nonce);
    dcs.signing = generateJwkPair('P-256');
    expect(await causeOf(appraiser.appraise(received, nonce))).toBe('VERIFIER_RESULT_INVALID');
    expect(dcs.keyFetches).toBe(2);
  });

  test('an EAR about another nonce: VERIFIER_RESULT_INVALID', async () => {
    const { dcs, appraiser, received, nonce } = await setup();
    dcs.answerNonce = new Uint8Array(randomBytes(32));
    expect(await causeOf(appraiser.appraise(received, nonce))).toBe('VERIFIER_RESULT_INVALID');
  });
});

describe('the AR4SI vector as a cause', () => {
  test.each<[string, TrustworthinessVector, EarStatus, string]>([
    [
      'instance-identity 97 (unrecognized)',
      { 'instance-identity': 97 },
      'contraindicated',
      'UEID_UNKNOWN',
    ],
    [
      'instance-identity 99 (cryptographic validation failed)',
      { 'instance-identity': 99 },
      'contraindicated',
      'SIGNATURE_INVALID',
    ],
    [
      'executables 96 (contraindicated software)',
      { 'instance-identity': 2, executables: 96 },
      'contraindicated',
      'POLICY_REJECTED',
    ],
    [
      'a warning the default rule does not accept',
      { 'instance-identity': 2, configuration: 32 },
      'warning',
      'POLICY_REJECTED',
    ],
    ['affirming', { 'instance-identity': 2, executables: 2 }, 'affirming', 'accepted'],
  ])('%s -> %s', async (_name, vector, status, cause) => {
    const { dcs, appraiser, received, nonce } = await setup();
    dcs.vector = vector;
    dcs.status = status;
    expect(await causeOf(appraiser.appraise(received, nonce))).toBe(cause);
  });

  test('instance-identity 96 of a revoked device: DEVICE_REVOKED, else POLICY_REJECTED', async () => {
    const { dcs, received, nonce } = await setup();
    dcs.vector = { 'instance-identity': 96 };
    dcs.status = 'contraindicated';
    const revoked = new Appraiser(
      dcs,
      { deviceOf: async () => ({ deviceClass: 'meter-v1', revoked: true }) },
      testConfig().policy,
    );
    expect(await causeOf(revoked.appraise(received, nonce))).toBe('DEVICE_REVOKED');
    const mismatched = new Appraiser(
      dcs,
      { deviceOf: async () => ({ deviceClass: 'meter-v1', revoked: false }) },
      testConfig().policy,
    );
    expect(await causeOf(mismatched.appraise(received, nonce))).toBe('POLICY_REJECTED');
  });
});
