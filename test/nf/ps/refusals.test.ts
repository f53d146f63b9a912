// Every refusal of the onboarding API with its cause: the nonce's, the Evidence's, the
// appraisal's and the policy's; the status and ack refusals; idempotency keys; and a stolen
// session id, which yields nothing usable.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactDecrypt, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateJwkPair } from '../../../src/lib/key-pairs.js';
import {
  ack,
  admin,
  challenge,
  endorse,
  makeDevice,
  makeEvidence,
  onboardToReady,
  settle,
  startNetwork,
  status,
  submit,
  testConfig,
  type TestNetwork,
} from './test-network.js';

const dir = mkdtempSync(join(tmpdir(), 'npn-ps-refusals-'));
let network: TestNetwork;

beforeAll(async () => {
  network = await startNetwork(
    { kind: 'sqlite', dataDir: dir },
    {
      config: testConfig((c) => {
        // meter-v1 devices go to the demo SNPN; the class "unlisted" matches no rule.
        c.policy[0]!.match = { deviceClass: ['meter-v1', 'strict-v1'] };
      }),
    },
  );
  await network.dcs.app.inject({
    method: 'PUT',
    url: '/endorsements/v1/classes/strict-v1',
    headers: admin,
    payload: { swversions: ['9.9.9'] },
  });
});
afterAll(async () => {
  await network.close();
  rmSync(dir, { recursive: true, force: true });
});

async function endorsed(deviceClass = 'meter-v1', kind: 'ES256' | 'HMAC' = 'ES256') {
  const device = makeDevice(kind);
  await endorse(network, device, deviceClass);
  return device;
}

function expectProblem(
  r: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  httpStatus: number,
  cause: string,
) {
  expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
  const p = r.json() as { status: number; cause: string; detail: string };
  expect({ statusCode: r.statusCode, status: p.status, cause: p.cause }).toEqual({
    statusCode: httpStatus,
    status: httpStatus,
    cause,
  });
  expect(p.detail.length).toBeGreaterThan(10);
  return p;
}

describe('the nonce', () => {
  test('NONCE_UNKNOWN: a nonce this PS never issued', async () => {
    const device = await endorsed();
    const { evidence } = await makeEvidence(device, new Uint8Array(randomBytes(32)), 'cwt');
    expectProblem(await submit(network.ps, evidence), 400, 'NONCE_UNKNOWN');
  });

  test('NONCE_EXPIRED: answered after the 120 s', async () => {
    const device = await endorsed();
    const nonce = await challenge(network.ps);
    network.advanceClock(121_000);
    try {
      const { evidence } = await makeEvidence(device, nonce, 'jwt');
      expectProblem(await submit(network.ps, evidence), 400, 'NONCE_EXPIRED');
    } finally {
      network.advanceClock(-121_000);
    }
  });

  test('NONCE_REUSED: a second Evidence on a used nonce, even a valid one', async () => {
    const device = await endorsed();
    const nonce = await challenge(network.ps);
    const first = await makeEvidence(device, nonce, 'cwt');
    expect((await submit(network.ps, first.evidence)).statusCode).toBe(202);
    const second = await makeEvidence(device, nonce, 'cwt');
    expectProblem(await submit(network.ps, second.evidence), 409, 'NONCE_REUSED');
    // The same bytes again, without an Idempotency-Key, are a replay too.
    expectProblem(await submit(network.ps, first.evidence), 409, 'NONCE_REUSED');
  });

  test('the challenge: 32 random bytes, an expiry 120 s ahead', async () => {
    const r = await network.ps.app.inject({ method: 'POST', url: '/onboarding/v1/challenges' });
    expect(r.statusCode).toBe(201);
    const { nonce, expiresAt } = r.json() as { nonce: string; expiresAt: string };
    expect(Buffer.from(nonce, 'base64url')).toHaveLength(32);
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(118_000);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(120_000);
  });
});

describe('the Evidence', () => {
  test('EVIDENCE_MALFORMED: bytes that are no EAT, in either form', async () => {
    for (const contentType of ['application/eat+cwt', 'application/eat+jwt']) {
      const r = await submit(network.ps, { contentType, body: randomBytes(200) });
      expectProblem(r, 400, 'EVIDENCE_MALFORMED');
    }
    const device = await endorsed();
    const { evidence } = await makeEvidence(device, await challenge(network.ps), 'jwt');
    expectProblem(
      await submit(network.ps, { ...evidence, contentType: 'application/eat+cwt' }),
      400,
      'EVIDENCE_MALFORMED',
    );
  });

  test('EVIDENCE_MALFORMED: a cnf key the credentials cannot be encrypted to (Ed25519)', async () => {
    const device = await endorsed();
    const { evidence } = await makeEvidence(device, await challenge(network.ps), 'cwt', {
      cnf: generateJwkPair('Ed25519'),
    });
    const p = expectProblem(await submit(network.ps, evidence), 400, 'EVIDENCE_MALFORMED');
    expect(p.detail).toContain('cnf');
  });

  test('EVIDENCE_MALFORMED: Evidence made for another use than provisioning', async () => {
    const device = await endorsed();
    const { evidence } = await makeEvidence(device, await challenge(network.ps), 'cwt', {
      claims: { intuse: 2 },
    });
    expect(
      expectProblem(await submit(network.ps, evidence), 400, 'EVIDENCE_MALFORMED').detail,
    ).toContain('intuse');
  });

  test('EVIDENCE_STALE: iat older than the nonce it answers', async () => {
    const device = await endorsed();
    const nonce = await challenge(network.ps);
    const { evidence } = await makeEvidence(device, nonce, 'cwt', {
      claims: { iat: Math.floor(Date.now() / 1000) - 3600 },
    });
    expectProblem(await submit(network.ps, evidence), 400, 'EVIDENCE_STALE');
    // The nonce was not used up: fresh Evidence on it is taken.
    const fresh = await makeEvidence(device, nonce, 'cwt');
    expect((await submit(network.ps, fresh.evidence)).statusCode).toBe(202);
  });

  test('another media type (415), no body, and a body over the size limit (413)', async () => {
    const json = await network.ps.app.inject({
      method: 'POST',
      url: '/onboarding/v1/sessions',
      payload: { evidence: 'x' },
    });
    expectProblem(json, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const empty = await network.ps.app.inject({ method: 'POST', url: '/onboarding/v1/sessions' });
    expect(empty.statusCode).toBe(415);
    const big = await submit(network.ps, {
      contentType: 'application/eat+jwt',
      body: Buffer.alloc(17 * 1024, 0x41),
    });
    expectProblem(big, 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('the appraisal and the policy', () => {
  test('UEID_UNKNOWN: a device the DCS does not know', async () => {
    const device = makeDevice();
    const { evidence } = await makeEvidence(device, await challenge(network.ps), 'cwt');
    const r = await submit(network.ps, evidence);
    const p = expectProblem(r, 403, 'UEID_UNKNOWN') as { instance?: string };
    // The refusal names the session, which reads failed with the same cause.
    const id = p.instance!.split('/').pop()!;
    expect(await status(network.ps, id)).toMatchObject({
      status: 'failed',
      failure: { cause: 'UEID_UNKNOWN' },
    });
  });

  test('SIGNATURE_INVALID: signed with a key other than the endorsed AKM (ES256 and HMAC)', async () => {
    for (const kind of ['ES256', 'HMAC'] as const) {
      const device = await endorsed('meter-v1', kind);
      const other = makeDevice(kind).signingKey;
      const { evidence } = await makeEvidence(device, await challenge(network.ps), 'jwt', {
        signingKey: other,
      });
      expectProblem(await submit(network.ps, evidence), 403, 'SIGNATURE_INVALID');
    }
  });

  test('DEVICE_REVOKED: revoked at the DCS', async () => {
    const device = await endorsed();
    await network.dcs.app.inject({
      method: 'POST',
      url: `/endorsements/v1/devices/${device.ueidHex}/revocation`,
      headers: admin,
    });
    const { evidence } = await makeEvidence(device, await challenge(network.ps), 'cwt');
    expectProblem(await submit(network.ps, evidence), 403, 'DEVICE_REVOKED');
  });

  test('POLICY_REJECTED: identity claims that differ from the endorsement', async () => {
    const device = await endorsed();
    const { evidence } = await makeEvidence(device, await challenge(network.ps), 'cwt', {
      claims: { hwmodel: Uint8Array.from([9, 9]) },
    });
    expect(
      expectProblem(await submit(network.ps, evidence), 403, 'POLICY_REJECTED').detail,
    ).toContain('hwmodel');
  });

  test('POLICY_REJECTED: contraindicated software (not affirming)', async () => {
    const device = await endorsed('strict-v1');
    const { evidence } = await makeEvidence(device, await challenge(network.ps), 'cwt');
    const p = expectProblem(await submit(network.ps, evidence), 403, 'POLICY_REJECTED');
    expect(p.detail).toContain('contraindicated');
    expect(p.detail).toContain('executables 96');
  });

  test('POLICY_REJECTED: a device class no rule takes', async () => {
    const device = await endorsed('unlisted');
    const { evidence } = await makeEvidence(device, await challenge(network.ps), 'jwt');
    expect(
      expectProblem(await submit(network.ps, evidence), 403, 'POLICY_REJECTED').detail,
    ).toContain('no rule');
  });

  test('nothing reaches the UDM for a refused device', async () => {
    const device = await endorsed('unlisted');
    const { evidence } = await makeEvidence(device, await challenge(network.ps), 'jwt');
    const before = network.udmProxy.forwarded.filter((f) => f.startsWith('PUT')).length;
    await submit(network.ps, evidence);
    await network.ps.worker.drain();
    expect(network.udmProxy.forwarded.filter((f) => f.startsWith('PUT')).length).toBe(before);
  });
});

describe('status and ack', () => {
  test('an unknown session: 404 SESSION_NOT_FOUND for status and ack', async () => {
    expectProblem(
      await network.ps.app.inject({ method: 'GET', url: '/onboarding/v1/sessions/nope' }),
      404,
      'SESSION_NOT_FOUND',
    );
    expectProblem(await ack(network.ps, 'nope', 'A'.repeat(43)), 404, 'SESSION_NOT_FOUND');
  });

  test('a wrong ackToken: 403 ACK_TOKEN_INVALID, the session stays ready', async () => {
    const device = await endorsed();
    const { id } = await onboardToReady(network.ps, device);
    expectProblem(
      await ack(network.ps, id, randomBytes(32).toString('base64url')),
      403,
      'ACK_TOKEN_INVALID',
    );
    expect((await status(network.ps, id)).status).toBe('ready');
    expectProblem(await ack(network.ps, id, 'not base64url!'), 400, 'MANDATORY_IE_INCORRECT');
  });

  test('ack before ready: 409 SESSION_NOT_READY; on a failed session: 409 SESSION_FAILED', async () => {
    const device = await endorsed();
    network.udmProxy.mode = 'down';
    try {
      const { evidence } = await makeEvidence(device, await challenge(network.ps), 'cwt');
      const r = await submit(network.ps, evidence);
      expect(r.json()).toMatchObject({ status: 'provisioning' });
      expectProblem(await ack(network.ps, r.json().id, 'A'.repeat(43)), 409, 'SESSION_NOT_READY');
    } finally {
      network.udmProxy.mode = 'pass';
    }
    const refused = makeDevice();
    const { evidence } = await makeEvidence(refused, await challenge(network.ps), 'cwt');
    const p = (await submit(network.ps, evidence)).json() as { instance: string };
    expectProblem(
      await ack(network.ps, p.instance.split('/').pop()!, 'A'.repeat(43)),
      409,
      'SESSION_FAILED',
    );
  });

  test('a stolen session id yields only a JWE that does not open without the attested key', async () => {
    const device = await endorsed();
    const { id } = await onboardToReady(network.ps, device, 'jwt');
    const stolen = await status(network.ps, id);
    expect(stolen.credentials).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+$/);
    const header = JSON.parse(
      Buffer.from(stolen.credentials!.split('.')[0]!, 'base64url').toString(),
    );
    expect(header).toMatchObject({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' });
    const thief = generateJwkPair('P-256').privateJwk;
    await expect(
      compactDecrypt(stolen.credentials!, await importJWK(thief, 'ECDH-ES+A256KW')),
    ).rejects.toThrow();
    // Without the bundle's ackToken it cannot even acknowledge.
    expect((await ack(network.ps, id, randomBytes(32).toString('base64url'))).statusCode).toBe(403);
  });
});

describe('Idempotency-Key', () => {
  test('the same key and body return the same session; another body is 409 with a cause', async () => {
    const device = await endorsed();
    const { evidence } = await makeEvidence(device, await challenge(network.ps), 'cwt');
    const key = { 'idempotency-key': `key-${randomBytes(4).toString('hex')}` };
    const first = await submit(network.ps, evidence, key);
    expect(first.statusCode).toBe(202);
    const again = await submit(network.ps, evidence, key);
    expect(again.statusCode).toBe(202);
    expect(again.json().id).toBe(first.json().id);
    expect(again.headers.location).toBe(`/onboarding/v1/sessions/${first.json().id}`);
    await settle(network.ps, first.json().id);

    const other = await makeEvidence(device, await challenge(network.ps), 'cwt');
    expectProblem(await submit(network.ps, other.evidence, key), 409, 'IDEMPOTENCY_KEY_MISMATCH');
  });

  test('concurrent requests with one key make one session', async () => {
    const device = await endorsed();
    const { evidence } = await makeEvidence(device, await challenge(network.ps), 'jwt');
    const key = { 'idempotency-key': 'same-key-at-once' };
    const answers = await Promise.all([1, 2, 3].map(() => submit(network.ps, evidence, key)));
    expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202]);
    expect(new Set(answers.map((a) => a.json().id)).size).toBe(1);
  });

  test('a replay of a refused session answers the same refusal', async () => {
    const device = makeDevice();
    const { evidence } = await makeEvidence(device, await challenge(network.ps), 'cwt');
    const key = { 'idempotency-key': 'refused-once' };
    const first = expectProblem(await submit(network.ps, evidence, key), 403, 'UEID_UNKNOWN');
    const again = expectProblem(await submit(network.ps, evidence, key), 403, 'UEID_UNKNOWN');
    expect(again).toEqual(first);
  });
});
