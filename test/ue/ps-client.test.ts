// OnboardingClient against a stand-in PS over real HTTP: what goes on the wire (paths, media
// types, raw Evidence bytes, Idempotency-Key, the ack body), what it accepts back, and the PS's
// ProblemDetails cause carried to the caller. The real PS is exercised end to end elsewhere.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { OnboardingClient } from '../../src/nf/ps/client.js';
import { SbiClientError } from '../../src/sbi/client.js';

const NONCE = Buffer.from(
  '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff',
  'hex',
);
const seen: {
  method: string;
  url: string;
  type?: string | undefined;
  key?: string | undefined;
  body: unknown;
}[] = [];
let app: FastifyInstance;
let client: OnboardingClient;
let answer: 'good' | 'bad' = 'good';

beforeAll(async () => {
  app = Fastify();
  for (const type of ['application/eat+cwt', 'application/eat+jwt']) {
    app.addContentTypeParser(type, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  }
  app.addHook('onRequest', async (req) => {
    if (req.headers.authorization !== undefined) throw new Error('the onboarding API has no auth');
  });
  app.post('/onboarding/v1/challenges', async (req, reply) => {
    seen.push({ method: 'POST', url: req.url, body: req.body });
    if (answer === 'bad') return reply.code(201).send({ nonce: 42 });
    return reply
      .code(201)
      .send({ nonce: NONCE.toString('base64url'), expiresAt: '2026-11-28T12:02:00Z' });
  });
  app.post('/onboarding/v1/sessions', async (req, reply) => {
    seen.push({
      method: 'POST',
      url: req.url,
      type: req.headers['content-type'],
      key: req.headers['idempotency-key'] as string | undefined,
      body: req.body,
    });
    if ((req.body as Buffer).toString() === 'stale') {
      return reply.code(400).type('application/problem+json').send({
        title: 'Bad Request',
        status: 400,
        cause: 'NONCE_EXPIRED',
        detail: 'the nonce expired at 2026-11-28T12:02:00Z: ask for a new challenge',
      });
    }
    return reply
      .code(202)
      .header('location', '/onboarding/v1/sessions/s%201')
      .send({ id: 's 1', status: 'attesting' });
  });
  app.get<{ Params: { id: string } }>('/onboarding/v1/sessions/:id', async (req) => {
    seen.push({ method: 'GET', url: req.url, body: undefined });
    if (req.params.id === 'failed') {
      return { id: 'failed', status: 'failed', failure: { cause: 'UEID_UNKNOWN', detail: 'no' } };
    }
    if (req.params.id === 'weird') return { id: 'weird', status: 'sleeping' };
    return { id: req.params.id, status: 'ready', credentials: 'a.b.c.d.e' };
  });
  app.post<{ Params: { id: string } }>('/onboarding/v1/sessions/:id/ack', async (req, reply) => {
    seen.push({ method: 'POST', url: req.url, type: req.headers['content-type'], body: req.body });
    return reply.code(204).send();
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  client = new OnboardingClient({ baseUrl: url });
});
afterAll(async () => {
  await app.close();
});

test('challenge: the nonce bytes and expiry', async () => {
  const c = await client.createChallenge();
  expect(Buffer.from(c.nonce).equals(NONCE)).toBe(true);
  expect(c.expiresAt).toBe('2026-11-28T12:02:00Z');
});

test('submit: raw CBOR bytes and JWS text with their media types and the idempotency key', async () => {
  seen.length = 0;
  const cbor = Uint8Array.from([0xd2, 0x84, 0x00, 0xff, 0x80]);
  expect(await client.submitEvidence('application/eat+cwt', cbor, 'key-1')).toEqual({
    id: 's 1',
    status: 'attesting',
  });
  await client.submitEvidence('application/eat+jwt', 'aGVhZA.cGF5bG9hZA.c2ln');
  expect(seen[0]).toMatchObject({ type: 'application/eat+cwt', key: 'key-1' });
  expect(Buffer.compare(seen[0]!.body as Buffer, Buffer.from(cbor))).toBe(0);
  expect(seen[1]).toMatchObject({ type: 'application/eat+jwt', key: undefined });
  expect((seen[1]!.body as Buffer).toString()).toBe('aGVhZA.cGF5bG9hZA.c2ln');
});

test("a refusal carries the PS's cause", async () => {
  const err = await client.submitEvidence('application/eat+jwt', 'stale').catch((e) => e);
  expect(err).toBeInstanceOf(SbiClientError);
  expect(err.status).toBe(400);
  expect(err.problemCause).toBe('NONCE_EXPIRED');
});

test('session views: ready with credentials, failed with its cause; the id is path-encoded', async () => {
  seen.length = 0;
  expect(await client.getSession('s 1')).toEqual({
    id: 's 1',
    status: 'ready',
    credentials: 'a.b.c.d.e',
  });
  expect(seen[0]!.url).toBe('/onboarding/v1/sessions/s%201');
  expect(await client.getSession('failed')).toEqual({
    id: 'failed',
    status: 'failed',
    failure: { cause: 'UEID_UNKNOWN', detail: 'no' },
  });
  const weird = await client.getSession('weird').catch((e) => e);
  expect(weird).toBeInstanceOf(SbiClientError);
  expect(weird.message).toContain('unexpected body');
});

test('ack: JSON {ackToken}, 204', async () => {
  seen.length = 0;
  await client.ack('s1', 'tok_en');
  expect(seen[0]).toMatchObject({
    url: '/onboarding/v1/sessions/s1/ack',
    type: 'application/json',
    body: { ackToken: 'tok_en' },
  });
});

test('a malformed challenge is an error, not a bad nonce', async () => {
  answer = 'bad';
  try {
    const err = await client.createChallenge().catch((e) => e);
    expect(err).toBeInstanceOf(SbiClientError);
    expect(err.message).toContain('nonce');
  } finally {
    answer = 'good';
  }
});
