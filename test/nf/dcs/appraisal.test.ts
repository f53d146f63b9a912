// The DCS verification API over HTTP, one test per outcome: tokens are made here from keys the
// test generates, in both Evidence forms and with both AKM kinds.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toHex } from '../../../src/lib/bytes.js';
import { verifyEar } from '../../../src/lib/rats/ear.js';
import { EAT_PROFILE, INTUSE, type EatClaims } from '../../../src/lib/rats/eat-claims.js';
import { encodeEatCwt } from '../../../src/lib/rats/eat-cwt.js';
import { encodeEatJwt } from '../../../src/lib/rats/eat-jwt.js';
import { parsePsaToken } from '../../../src/lib/rats/psa.js';
import type { Dcs } from '../../../src/nf/dcs/dcs.js';
import { createTestDcs, type TestDcs } from './test-dcs.js';
import { generateJwkPair } from '../../../src/lib/key-pairs.js';

const TOKEN = 'appraisal-test-admin-token';
const auth = { authorization: `Bearer ${TOKEN}` };
let dcs: Dcs;
let testDcs: TestDcs;

beforeAll(async () => {
  testDcs = await createTestDcs(TOKEN);
  dcs = testDcs.dcs;
  await put('/classes/meter-v1', {
    swversions: ['1.4.2', '1.4.3'],
    requireOemboot: true,
    dbgstat: [1, 2, 3, 4],
  });
});
afterAll(async () => {
  await testDcs.close();
});

function put(path: string, body: object) {
  return dcs.app.inject({
    method: 'PUT',
    url: `/endorsements/v1${path}`,
    headers: auth,
    payload: body,
  });
}

type AkmKind = 'ES256' | 'EdDSA' | 'HMAC';

/** A simulated device: its UEID, its AKM (private side) and the public side to endorse. */
function makeDevice(kind: AkmKind) {
  const ueid = Uint8Array.from([0x01, ...randomBytes(16)]);
  if (kind === 'HMAC') {
    const k = randomBytes(32).toString('base64url');
    return { ueid, signingKey: { kty: 'oct', k } as JWK, endorsedAkm: { kty: 'oct', k } as JWK };
  }
  const pair = generateJwkPair(kind === 'ES256' ? 'P-256' : 'Ed25519');
  return { ueid, signingKey: pair.privateJwk, endorsedAkm: pair.publicJwk };
}

function claimsFor(ueid: Uint8Array, nonce: Uint8Array, extra: Partial<EatClaims> = {}): EatClaims {
  const cnf = generateJwkPair('P-256').publicJwk;
  return {
    nonce,
    ueid,
    cnf,
    iat: Math.floor(Date.now() / 1000),
    oemid: Uint8Array.from([0xa1, 0xb2, 0xc3]),
    hwmodel: Uint8Array.from([0x01, 0x02]),
    swname: 'meter-fw',
    swversion: { version: '1.4.2' },
    oemboot: true,
    dbgstat: 3,
    intuse: INTUSE.provisioning,
    eatProfile: EAT_PROFILE,
    ...extra,
  };
}

async function evidence(form: 'cwt' | 'jwt', claims: EatClaims, key: JWK) {
  return form === 'cwt'
    ? {
        type: 'application/eat+cwt',
        value: Buffer.from(encodeEatCwt(claims, { key, tag61: true })).toString('base64url'),
      }
    : {
        type: 'application/eat+jwt',
        value: Buffer.from(await encodeEatJwt(claims, { key })).toString('base64url'),
      };
}

async function appraise(ev: { type: string; value: string }, nonce: Uint8Array) {
  return dcs.app.inject({
    method: 'POST',
    url: '/verification/v1/appraisals',
    payload: { evidence: ev, nonce: Buffer.from(nonce).toString('base64url') },
  });
}

/** Verifies the EAR with the JWKS the DCS publishes and returns its "ue" appraisal. */
async function earOf(response: { statusCode: number; json(): { ear: string } }) {
  expect(response.statusCode).toBe(200);
  const { ear } = response.json();
  const jwks = (await dcs.app.inject({ method: 'GET', url: '/verification/v1/keys' })).json();
  const verified = await verifyEar(ear, jwks);
  if (!verified.ok) throw verified.error;
  // Read independently too: the JWS payload as the EAR draft names its claims.
  const payload = JSON.parse(Buffer.from(ear.split('.')[1]!, 'base64url').toString('utf8'));
  return { ear: verified.value, ue: verified.value.submods.ue!, payload };
}

async function endorse(device: ReturnType<typeof makeDevice>, deviceClass = 'meter-v1') {
  const r = await put(`/devices/${toHex(device.ueid)}`, {
    akm: device.endorsedAkm,
    deviceClass,
    oemid: 'a1b2c3',
    hwmodel: '0102',
  });
  expect(r.statusCode).toBe(201);
}

describe('affirming: both forms, every AKM kind', () => {
  test.each<['cwt' | 'jwt', AkmKind]>([
    ['cwt', 'ES256'],
    ['cwt', 'EdDSA'],
    ['cwt', 'HMAC'],
    ['jwt', 'ES256'],
    ['jwt', 'EdDSA'],
    ['jwt', 'HMAC'],
  ])('%s with an %s AKM', async (form, kind) => {
    const device = makeDevice(kind);
    await endorse(device);
    const nonce = new Uint8Array(randomBytes(32));
    const claims = claimsFor(device.ueid, nonce);
    const { ue, ear, payload } = await earOf(
      await appraise(await evidence(form, claims, device.signingKey), nonce),
    );
    expect(ue.status).toBe('affirming');
    expect(ue.trustworthinessVector).toEqual({
      'instance-identity': 2,
      executables: 2,
      configuration: 2,
    });
    expect(toHex(ue.ueid)).toBe(toHex(device.ueid));
    expect(ue.cnf).toMatchObject({ kty: 'EC', x: claims.cnf.x, y: claims.cnf.y });
    expect(toHex(ear.nonce!)).toBe(toHex(nonce));
    expect(payload.submods.ue['ear.status']).toBe('affirming');
    expect(payload['ear.verifier-id']).toBeDefined();
    expect(payload.eat_profile).toBe('tag:github.com,2023:veraison/ear');
  });
});

describe('every failure that decodes still gets an EAR', () => {
  test('unknown UEID: contraindicated, instance-identity 97', async () => {
    const device = makeDevice('ES256');
    const nonce = new Uint8Array(randomBytes(32));
    const { ue } = await earOf(
      await appraise(
        await evidence('cwt', claimsFor(device.ueid, nonce), device.signingKey),
        nonce,
      ),
    );
    expect(ue.status).toBe('contraindicated');
    expect(ue.trustworthinessVector).toEqual({ 'instance-identity': 97 });
    expect(ue.cnf).toBeUndefined();
  });

  test('bad signature: value 99, and the cnf key is not vouched for', async () => {
    const device = makeDevice('ES256');
    await endorse(device);
    const impostor = makeDevice('ES256');
    const nonce = new Uint8Array(randomBytes(32));
    const { ue } = await earOf(
      await appraise(
        await evidence('jwt', claimsFor(device.ueid, nonce), impostor.signingKey),
        nonce,
      ),
    );
    expect(ue.status).toBe('contraindicated');
    expect(ue.trustworthinessVector).toEqual({ 'instance-identity': 99 });
    expect(ue.cnf).toBeUndefined();
  });

  test('revoked device: contraindicated, instance-identity 96', async () => {
    const device = makeDevice('HMAC');
    await endorse(device);
    await dcs.app.inject({
      method: 'POST',
      url: `/endorsements/v1/devices/${toHex(device.ueid)}/revocation`,
      headers: auth,
    });
    const nonce = new Uint8Array(randomBytes(32));
    const { ue } = await earOf(
      await appraise(
        await evidence('cwt', claimsFor(device.ueid, nonce), device.signingKey),
        nonce,
      ),
    );
    expect(ue.status).toBe('contraindicated');
    expect(ue.trustworthinessVector['instance-identity']).toBe(96);
  });

  test('nonce mismatch (a replay of Evidence made for another challenge): contraindicated', async () => {
    const device = makeDevice('ES256');
    await endorse(device);
    const oldNonce = new Uint8Array(randomBytes(32));
    const ev = await evidence('cwt', claimsFor(device.ueid, oldNonce), device.signingKey);
    expect((await earOf(await appraise(ev, oldNonce))).ue.status).toBe('affirming');
    const { ue } = await earOf(await appraise(ev, new Uint8Array(randomBytes(32))));
    expect(ue.status).toBe('contraindicated');
  });

  test('debug enabled (dbgstat 0) where the class forbids it: configuration contraindicated', async () => {
    const device = makeDevice('ES256');
    await endorse(device);
    const nonce = new Uint8Array(randomBytes(32));
    const { ue } = await earOf(
      await appraise(
        await evidence('cwt', claimsFor(device.ueid, nonce, { dbgstat: 0 }), device.signingKey),
        nonce,
      ),
    );
    expect(ue.status).toBe('contraindicated');
    expect(ue.trustworthinessVector.configuration).toBe(96);
  });

  test('an oemid other than the endorsed one: contraindicated', async () => {
    const device = makeDevice('EdDSA');
    await endorse(device);
    const nonce = new Uint8Array(randomBytes(32));
    const claims = claimsFor(device.ueid, nonce, { oemid: Uint8Array.from([1, 2, 3]) });
    expect(
      (await earOf(await appraise(await evidence('jwt', claims, device.signingKey), nonce))).ue
        .status,
    ).toBe('contraindicated');
  });

  test('a software version withdrawn from the class turns the next appraisal contraindicated, no restart', async () => {
    const device = makeDevice('ES256');
    await endorse(device, 'router-v2');
    await put('/classes/router-v2', { swversions: ['1.4.2'] });
    const appraiseNow = async () => {
      const nonce = new Uint8Array(randomBytes(32));
      return (
        await earOf(
          await appraise(
            await evidence('cwt', claimsFor(device.ueid, nonce), device.signingKey),
            nonce,
          ),
        )
      ).ue;
    };
    expect((await appraiseNow()).status).toBe('affirming');
    await put('/classes/router-v2', { swversions: ['1.5.0'] });
    const after = await appraiseNow();
    expect(after.status).toBe('contraindicated');
    expect(after.trustworthinessVector.executables).toBe(96);
    // A class without reference values appraises on identity, signature and freshness alone.
    await dcs.app.inject({
      method: 'DELETE',
      url: '/endorsements/v1/classes/router-v2',
      headers: auth,
    });
    expect(await appraiseNow()).toMatchObject({
      status: 'affirming',
      trustworthinessVector: { 'instance-identity': 2 },
    });
  });

  test('the audit trail holds each appraisal with its reason', async () => {
    const device = makeDevice('ES256');
    const nonce = new Uint8Array(randomBytes(32));
    await appraise(await evidence('cwt', claimsFor(device.ueid, nonce), device.signingKey), nonce);
    const r = await dcs.app.inject({
      method: 'GET',
      url: `/endorsements/v1/devices/${toHex(device.ueid)}/appraisals`,
      headers: auth,
    });
    expect(r.json().items).toEqual([
      expect.objectContaining({
        status: 'contraindicated',
        detail: 'UEID not endorsed',
        appraisalPolicyId: 'policy:npn-onboard/dcs/v1',
      }),
    ]);
  });
});

describe('PSA tokens', () => {
  test('the interop token appraises as affirming once its Instance ID is endorsed with its IAK', async () => {
    const bytes = new Uint8Array(
      readFileSync(new URL('../../vectors/psa/psa.good.cose', import.meta.url)),
    );
    const iak = JSON.parse(
      readFileSync(new URL('../../vectors/psa/psa.ec.p256.jwk', import.meta.url), 'utf8'),
    ) as JWK;
    const parsed = parsePsaToken(bytes);
    if (!parsed.ok) throw parsed.error;
    const { instanceId, nonce } = parsed.value.claims;
    await put(`/devices/${toHex(instanceId)}`, {
      akm: { kty: iak.kty, crv: iak.crv, x: iak.x, y: iak.y },
      deviceClass: 'psa-board',
    });
    const r = await appraise(
      {
        type: 'application/psa-attestation-token',
        value: Buffer.from(bytes).toString('base64url'),
      },
      nonce,
    );
    const { ue } = await earOf(r);
    expect(ue.status).toBe('affirming');
    expect(toHex(ue.ueid)).toBe(toHex(instanceId));
  });
});

describe('only Evidence that does not decode is refused, with a cause', () => {
  const nonce = Buffer.from(randomBytes(32)).toString('base64url');
  test.each([
    [
      'garbage CBOR',
      { type: 'application/eat+cwt', value: Buffer.from('not cbor at all').toString('base64url') },
      'EVIDENCE_MALFORMED',
    ],
    [
      'a JWT that is not one',
      { type: 'application/eat+jwt', value: Buffer.from('a.b.c').toString('base64url') },
      'EVIDENCE_MALFORMED',
    ],
    [
      'an unknown Evidence type',
      { type: 'application/x-tpm-quote', value: 'AAAA' },
      'EVIDENCE_TYPE_UNSUPPORTED',
    ],
    [
      'non-canonical base64url',
      { type: 'application/eat+cwt', value: 'AB' },
      'MANDATORY_IE_INCORRECT',
    ],
  ])('%s', async (_n, ev, cause) => {
    const r = await dcs.app.inject({
      method: 'POST',
      url: '/verification/v1/appraisals',
      payload: { evidence: ev, nonce },
    });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ status: 400, cause });
  });
});
