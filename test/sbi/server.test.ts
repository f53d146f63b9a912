import { describe, expect, test } from 'vitest';
import { requireBearer } from '../../src/sbi/bearer-auth.js';
import { problem } from '../../src/sbi/problem-details.js';
import { createSbiServer } from '../../src/sbi/server.js';

const TOKEN = 'a-long-enough-admin-token-0123456789';

function testServer() {
  const app = createSbiServer({ name: 'test', bodyLimit: 1024 });
  app.post(
    '/things',
    {
      schema: {
        body: {
          type: 'object',
          required: ['name', 'count'],
          additionalProperties: false,
          properties: { name: { type: 'string', maxLength: 8 }, count: { type: 'integer' } },
        },
      },
    },
    async (request, reply) => reply.code(201).send(request.body),
  );
  app.get('/conflict', async () => {
    throw problem(409, 'DEVICE_REVOKED', 'the device is revoked');
  });
  app.get('/crash', async () => {
    throw new Error('secret 465b5ce8b199b49faa5f0a2ee238a6bc leaked into an error');
  });
  app.register(async (admin) => {
    admin.addHook('onRequest', requireBearer(TOKEN));
    admin.get('/admin/ping', async () => ({ pong: true }));
  });
  return app;
}

describe('createSbiServer: every failure is ProblemDetails', () => {
  test('a valid request passes', async () => {
    const r = await testServer().inject({
      method: 'POST',
      url: '/things',
      payload: { name: 'a', count: 1 },
    });
    expect(r.statusCode).toBe(201);
  });

  test('a path parameter up to 1024 characters routes (a long NAI); a longer one is a 414 ProblemDetails', async () => {
    const app = createSbiServer({ name: 'test' });
    app.get<{ Params: { id: string } }>('/things/:id', async (request) => ({
      length: request.params.id.length,
    }));
    const long = await app.inject({ method: 'GET', url: `/things/${'a'.repeat(1024)}` });
    expect(long.json()).toEqual({ length: 1024 });
    const tooLong = await app.inject({ method: 'GET', url: `/things/${'a'.repeat(1025)}` });
    expect(tooLong.statusCode).toBe(414);
    expect(tooLong.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(tooLong.json()).toMatchObject({ status: 414, cause: 'MANDATORY_IE_INCORRECT' });
  });

  test('schema violations list every invalid parameter', async () => {
    const r = await testServer().inject({
      method: 'POST',
      url: '/things',
      payload: { name: 'far too long', extra: 1 },
    });
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = r.json();
    expect(body).toMatchObject({
      status: 400,
      title: 'Bad Request',
      cause: 'MANDATORY_IE_MISSING',
    });
    const params = body.invalidParams.map((p: { param: string }) => p.param);
    expect(params).toEqual(expect.arrayContaining(['body/count', 'body/name']));
  });

  test('malformed JSON', async () => {
    const r = await testServer().inject({
      method: 'POST',
      url: '/things',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ cause: 'INVALID_MSG_FORMAT' });
  });

  test('an oversized body', async () => {
    const r = await testServer().inject({
      method: 'POST',
      url: '/things',
      payload: { name: 'x'.repeat(5000), count: 1 },
    });
    expect(r.statusCode).toBe(413);
    expect(r.json()).toMatchObject({ cause: 'PAYLOAD_TOO_LARGE' });
  });

  test('an unsupported media type', async () => {
    const r = await testServer().inject({
      method: 'POST',
      url: '/things',
      headers: { 'content-type': 'application/x-unknown' },
      payload: 'x',
    });
    expect(r.statusCode).toBe(415);
    expect(r.json()).toMatchObject({ cause: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  test('an unknown resource', async () => {
    const r = await testServer().inject({ method: 'GET', url: '/nothing?x=1' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({
      cause: 'RESOURCE_URI_STRUCTURE_NOT_FOUND',
      detail: 'no resource GET /nothing',
    });
  });

  test('a ProblemError from a handler keeps its status and cause', async () => {
    const r = await testServer().inject({ method: 'GET', url: '/conflict' });
    expect(r.statusCode).toBe(409);
    expect(r.json()).toEqual({
      title: 'Conflict',
      status: 409,
      detail: 'the device is revoked',
      cause: 'DEVICE_REVOKED',
    });
  });

  test('an unexpected error is a 500 ProblemDetails that reveals nothing of the error', async () => {
    const r = await testServer().inject({ method: 'GET', url: '/crash' });
    expect(r.statusCode).toBe(500);
    expect(r.json()).toMatchObject({ cause: 'SYSTEM_FAILURE' });
    expect(r.body).not.toContain('465b5ce8');
    expect(r.body).not.toMatch(/at .*\.ts/);
  });
});

describe('requireBearer', () => {
  test.each([
    ['no header', undefined, 'this API needs Authorization'],
    ['another scheme', `Basic ${TOKEN}`, 'this API needs Authorization'],
    ['a wrong token', 'Bearer not-the-token', 'not valid'],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`, 'not valid'],
  ])('%s: 401 with WWW-Authenticate', async (_n, authorization, detail) => {
    const r = await testServer().inject({
      method: 'GET',
      url: '/admin/ping',
      headers: authorization ? { authorization } : {},
    });
    expect(r.statusCode).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer realm="admin"');
    expect(r.json()).toMatchObject({ cause: 'UNAUTHORIZED' });
    expect(r.json().detail).toContain(detail);
  });

  test('the right token passes, and open routes need none', async () => {
    const app = testServer();
    const ok = await app.inject({
      method: 'GET',
      url: '/admin/ping',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['www-authenticate']).toBeUndefined();
    expect((await app.inject({ method: 'GET', url: '/conflict' })).statusCode).toBe(409);
  });

  test('a short token is refused at configuration', () => {
    expect(() => requireBearer('short')).toThrow(/at least 16 characters/);
  });
});
