// The device's onboarding steps without a PS: the credentials JWE opened with the cnf key (and
// refused for other algorithms, other keys, tampering, invalid bundles), and onboard() driven by a
// scripted PS client: polling, failure causes, storing before the ack, the timings.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactEncrypt, importJWK, type JWK } from 'jose';
import { afterAll, describe, expect, test } from 'vitest';
import { generateJwkPair } from '../../src/lib/key-pairs.js';
import { parseEatCwt } from '../../src/lib/rats/eat-cwt.js';
import { parseEatJwt } from '../../src/lib/rats/eat-jwt.js';
import type { OnboardingClient, OnboardingSession } from '../../src/nf/ps/client.js';
import { SbiClientError } from '../../src/sbi/client.js';
import { FileCredentialStore } from '../../src/ue/credential-store.js';
import { OnboardingError, onboard, openCredentials } from '../../src/ue/onboarding.js';
import { createSoftwareDevice } from '../../src/ue/software-key-store.js';

const root = mkdtempSync(join(tmpdir(), 'npn-ue-onboarding-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${n++}`);

/** A bundle as the PS would make it (values written out here, not by the code under test). */
function bundle(overrides: Record<string, unknown> = {}) {
  return {
    supi: 'imsi-001010000000001',
    k: '465b5ce8b199b49faa5f0a2ee238a6bc',
    opc: 'cd63cb71954a9f4e48a5994e37a02baf',
    amf: '8000',
    sqn: '000000000020',
    authMethod: '5G_AKA',
    snpn: { mcc: '001', mnc: '01', nid: '00000000001' },
    suci: {
      scheme: 'A',
      hnPublicKey: '5a8d38864820197c3394b92613b20b91633cbd897119273bf8e4a6f4eec0a650',
      hnKeyId: 1,
      routingIndicator: '0',
    },
    ackToken: Buffer.from(randomBytes(32)).toString('base64url'),
    notAfter: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    ...overrides,
  };
}

async function encryptTo(
  publicJwk: JWK,
  plaintext: unknown,
  header: { alg: string; enc: string } = { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' },
): Promise<string> {
  const key = await importJWK(publicJwk, header.alg);
  const bytes = new TextEncoder().encode(
    typeof plaintext === 'string' ? plaintext : JSON.stringify(plaintext),
  );
  return new CompactEncrypt(bytes).setProtectedHeader(header).encrypt(key);
}

async function failureOf(p: Promise<unknown>): Promise<OnboardingError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OnboardingError);
  return err as OnboardingError;
}

describe('openCredentials', () => {
  const cnf = generateJwkPair('P-256');

  test('opens a bundle encrypted to the cnf key and checks it', async () => {
    const sent = bundle();
    const jwe = await encryptTo(cnf.publicJwk, sent);
    expect(await openCredentials(jwe, cnf.privateJwk)).toEqual(sent);
  });

  test.each([
    ['ECDH-ES (direct)', { alg: 'ECDH-ES', enc: 'A256GCM' }],
    ['ECDH-ES+A128KW', { alg: 'ECDH-ES+A128KW', enc: 'A256GCM' }],
    ['enc A128GCM', { alg: 'ECDH-ES+A256KW', enc: 'A128GCM' }],
    ['enc A256CBC-HS512', { alg: 'ECDH-ES+A256KW', enc: 'A256CBC-HS512' }],
  ])('refuses other algorithms: %s', async (_name, header) => {
    const jwe = await encryptTo(cnf.publicJwk, bundle(), header);
    const err = await failureOf(openCredentials(jwe, cnf.privateJwk));
    expect(err.problemCause).toBe('CREDENTIALS_UNREADABLE');
    expect(err.message).toContain('ECDH-ES+A256KW');
  });

  test('refuses a JWE for another key', async () => {
    const other = generateJwkPair('P-256');
    const jwe = await encryptTo(other.publicJwk, bundle());
    const err = await failureOf(openCredentials(jwe, cnf.privateJwk));
    expect(err.problemCause).toBe('CREDENTIALS_UNREADABLE');
  });

  test('refuses a tampered JWE (each part)', async () => {
    const sent = bundle();
    const jwe = await encryptTo(cnf.publicJwk, sent);
    const parts = jwe.split('.');
    for (const i of [0, 1, 2, 3, 4]) {
      const flipped = [...parts];
      const bytes = Buffer.from(flipped[i]!, 'base64url');
      if (bytes.length === 0) continue;
      bytes[bytes.length - 1]! ^= 0x01;
      flipped[i] = bytes.toString('base64url');
      const err = await failureOf(openCredentials(flipped.join('.'), cnf.privateJwk));
      expect(err.problemCause).toBe('CREDENTIALS_UNREADABLE');
      expect(err.message).not.toContain(sent.k);
    }
    const err = await failureOf(openCredentials('not.a.jwe', cnf.privateJwk));
    expect(err.problemCause).toBe('CREDENTIALS_UNREADABLE');
  });

  test.each<[string, unknown, string]>([
    ['not JSON', '{"supi":', 'not JSON'],
    ['an unknown field', bundle({ extra: 1 }), 'unknown field "extra"'],
    ['a short K', bundle({ k: '00' }), 'k is not 32 hex digits'],
    ['no ackToken', { ...bundle(), ackToken: undefined }, 'ackToken'],
    ['an expired one', bundle({ notAfter: '2020-01-01T00:00:00Z' }), 'expired at 2020-01-01'],
  ])('refuses an invalid bundle: %s', async (_name, plaintext, detail) => {
    const jwe = await encryptTo(cnf.publicJwk, plaintext);
    const err = await failureOf(openCredentials(jwe, cnf.privateJwk));
    expect(err.problemCause).toBe('CREDENTIALS_INVALID');
    expect(err.message).toContain(detail);
    expect(err.message).not.toContain('465b5ce8b199b49faa5f0a2ee238a6bc');
  });
});

/** A PS stand-in: answers challenges, reads the cnf from the Evidence, scripts the statuses. */
function scriptedPs(script: {
  statuses: ('attesting' | 'provisioning' | 'ready' | 'failed')[];
  failure?: { cause: string; detail: string };
  plaintext?: (cnf: JWK) => unknown;
  submitError?: SbiClientError;
}) {
  const calls: string[] = [];
  const sent = bundle();
  let cnf: JWK | undefined;
  let nonce: Uint8Array | undefined;
  let polls = 0;
  let acked: string | undefined;
  const client = {
    async createChallenge() {
      calls.push('challenge');
      nonce = new Uint8Array(randomBytes(32));
      return { nonce, expiresAt: new Date(Date.now() + 120_000).toISOString() };
    },
    async submitEvidence(contentType: string, body: Uint8Array | string, key?: string) {
      calls.push(`submit ${contentType} ${key !== undefined ? 'with-key' : 'no-key'}`);
      if (script.submitError) throw script.submitError;
      const parsed =
        contentType === 'application/eat+cwt'
          ? parseEatCwt(body as Uint8Array)
          : parseEatJwt(body as string);
      if (!parsed.ok) throw parsed.error;
      expect(Buffer.from(parsed.value.claims.nonce).equals(Buffer.from(nonce!))).toBe(true);
      cnf = parsed.value.claims.cnf;
      return { id: 'session-1', status: 'attesting' as const };
    },
    async getSession(id: string, waitSeconds = 0): Promise<OnboardingSession> {
      calls.push(waitSeconds > 0 ? `poll wait=${waitSeconds}` : 'poll');
      const status = script.statuses[Math.min(polls++, script.statuses.length - 1)]!;
      if (status === 'failed') return { id, status, failure: script.failure! };
      if (status !== 'ready') return { id, status };
      const plaintext = script.plaintext ? script.plaintext(cnf!) : sent;
      return { id, status, credentials: await encryptTo(cnf!, plaintext) };
    },
    async ack(id: string, ackToken: string) {
      calls.push(`ack ${id}`);
      acked = ackToken;
    },
  };
  return {
    client: client as unknown as OnboardingClient,
    calls,
    sent,
    acked: () => acked,
  };
}

describe('onboard', () => {
  test.each(['cwt', 'jwt'] as const)(
    '%s: long-polls until ready, stores the bundle (0600), then acks with its token',
    async (form) => {
      const dir = freshDir();
      const store = createSoftwareDevice(dir, {
        akm: 'ES256',
        deviceClass: 'cam-v2',
        swname: 'cam-fw',
        swversion: '2.0.0',
      });
      const credentialStore = new FileCredentialStore(dir);
      const ps = scriptedPs({ statuses: ['attesting', 'provisioning', 'provisioning', 'ready'] });
      const result = await onboard(ps.client, store, store.identity, { form, credentialStore });
      expect(result.sessionId).toBe('session-1');
      expect(result.bundle).toEqual(ps.sent);
      expect(ps.acked()).toBe(ps.sent.ackToken);
      expect(ps.calls).toEqual([
        'challenge',
        `submit application/eat+${form} with-key`,
        // long polls: the PS answers when the session moves on (here, at once)
        'poll wait=10',
        'poll wait=10',
        'poll wait=10',
        'poll wait=10',
        'ack session-1',
      ]);
      const path = join(dir, 'credentials.json');
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(path, 'utf8')).bundle).toEqual(ps.sent);
      expect(credentialStore.load()?.bundle).toEqual(ps.sent);
      const t = result.timings;
      for (const step of ['challenge', 'evidence', 'submitted', 'ready', 'decrypted', 'acked']) {
        expect(t[step as keyof typeof t]).toBeGreaterThanOrEqual(0);
      }
      expect(t.total).toBeGreaterThanOrEqual(t.ready);
    },
  );

  const device = () => {
    const dir = freshDir();
    return {
      dir,
      store: createSoftwareDevice(dir, {
        akm: 'HMAC',
        deviceClass: 'cam-v2',
        swname: 'cam-fw',
        swversion: '2.0.0',
      }),
    };
  };

  test("a failed session throws the PS's cause; nothing is stored or acked", async () => {
    const { dir, store } = device();
    const ps = scriptedPs({
      statuses: ['attesting', 'failed'],
      failure: { cause: 'POLICY_REJECTED', detail: 'software version 2.0.0 is not accepted' },
    });
    const credentialStore = new FileCredentialStore(dir);
    const err = await failureOf(
      onboard(ps.client, store, store.identity, { form: 'cwt', credentialStore }),
    );
    expect(err.problemCause).toBe('POLICY_REJECTED');
    expect(err.sessionId).toBe('session-1');
    expect(err.message).toContain('software version 2.0.0');
    expect(credentialStore.load()).toBeUndefined();
    expect(ps.acked()).toBeUndefined();
  });

  test('a refused submission carries the ProblemDetails cause and status', async () => {
    const { dir, store } = device();
    const ps = scriptedPs({
      statuses: ['ready'],
      submitError: new SbiClientError('POST /onboarding/v1/sessions answered 400', 400, {
        title: 'Bad Request',
        status: 400,
        cause: 'NONCE_EXPIRED',
      }),
    });
    const err = await failureOf(
      onboard(ps.client, store, store.identity, {
        form: 'jwt',
        credentialStore: new FileCredentialStore(dir),
      }),
    );
    expect(err.problemCause).toBe('NONCE_EXPIRED');
    expect(err.status).toBe(400);
  });

  test('times out while the session stays attesting', async () => {
    const { dir, store } = device();
    const ps = scriptedPs({ statuses: ['attesting'] });
    const started = Date.now();
    const err = await failureOf(
      onboard(ps.client, store, store.identity, {
        form: 'cwt',
        credentialStore: new FileCredentialStore(dir),
        timeoutMs: 300,
      }),
    );
    expect(err.problemCause).toBe('ONBOARDING_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('credentials that do not validate are neither stored nor acknowledged', async () => {
    const { dir, store } = device();
    const ps = scriptedPs({ statuses: ['ready'], plaintext: () => bundle({ amf: 'zz' }) });
    const credentialStore = new FileCredentialStore(dir);
    const err = await failureOf(
      onboard(ps.client, store, store.identity, { form: 'cwt', credentialStore }),
    );
    expect(err.problemCause).toBe('CREDENTIALS_INVALID');
    expect(credentialStore.load()).toBeUndefined();
    expect(ps.acked()).toBeUndefined();
  });
});
