// The SBI client against a real server made by the project's server factory: success, the peer's
// ProblemDetails carried through, and the failures that have no response.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { SbiClient, SbiClientError } from '../../src/sbi/client.js';
import { problem } from '../../src/sbi/problem-details.js';
import { createSbiServer } from '../../src/sbi/server.js';

let app: FastifyInstance;
let baseUrl: string;

beforeAll(async () => {
  app = createSbiServer({ name: 'client-test', logger: false });
  app.post('/echo', async (request, reply) =>
    reply.code(201).send({ got: request.body, auth: request.headers.authorization ?? null }),
  );
  app.post('/bytes', async (request) => ({
    type: request.headers['content-type'],
    length: (request.body as Buffer).length,
  }));
  app.addContentTypeParser('application/eat+cwt', { parseAs: 'buffer' }, (_r, body, done) =>
    done(null, body),
  );
  app.delete('/gone', async (_request, reply) => reply.code(204).send());
  app.get('/refused', async () => {
    throw problem(403, 'POLICY_REJECTED', 'not for this device');
  });
  app.get('/slow', async () => new Promise((resolve) => setTimeout(() => resolve({}), 500)));
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => app.close());

describe('SbiClient', () => {
  test('sends JSON with the bearer token and parses the answer', async () => {
    const client = new SbiClient({ baseUrl: `${baseUrl}/`, bearerToken: 'tok-123' });
    const r = await client.request<{ got: unknown; auth: string }>('POST', '/echo', {
      json: { a: 1 },
    });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ got: { a: 1 }, auth: 'Bearer tok-123' });
  });

  test('sends raw bytes with their content type', async () => {
    const client = new SbiClient({ baseUrl });
    const r = await client.request<{ type: string; length: number }>('POST', '/bytes', {
      body: new Uint8Array(300),
      contentType: 'application/eat+cwt',
    });
    expect(r.body).toEqual({ type: 'application/eat+cwt', length: 300 });
  });

  test('204 gives an undefined body', async () => {
    const r = await new SbiClient({ baseUrl }).request('DELETE', '/gone');
    expect(r.status).toBe(204);
    expect(r.body).toBeUndefined();
  });

  test("an error status carries the peer's ProblemDetails and cause", async () => {
    const err = await new SbiClient({ baseUrl }).request('GET', '/refused').catch((e) => e);
    expect(err).toBeInstanceOf(SbiClientError);
    expect(err.status).toBe(403);
    expect(err.problemCause).toBe('POLICY_REJECTED');
    expect(err.message).toContain('GET /refused answered 403 (POLICY_REJECTED)');
  });

  test('a status outside `expect` is an error even when 2xx', async () => {
    const err = await new SbiClient({ baseUrl })
      .request('POST', '/echo', { json: {}, expect: [200] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(SbiClientError);
    expect(err.status).toBe(201);
  });

  test('an unknown route gives the server factory cause', async () => {
    const err = await new SbiClient({ baseUrl }).request('GET', '/nowhere').catch((e) => e);
    expect(err.status).toBe(404);
    expect(err.problemCause).toBe('RESOURCE_URI_STRUCTURE_NOT_FOUND');
  });

  test('no answer in time: status 0 and a message saying so', async () => {
    const err = await new SbiClient({ baseUrl, timeoutMs: 50 })
      .request('GET', '/slow')
      .catch((e) => e);
    expect(err).toBeInstanceOf(SbiClientError);
    expect(err.status).toBe(0);
    expect(err.message).toContain('no answer within 50 ms');
  });

  test('nobody listening: status 0, and the message names the peer', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const url = `http://127.0.0.1:${port}`;
    const err = await new SbiClient({ baseUrl: url }).request('GET', '/').catch((e) => e);
    expect(err.status).toBe(0);
    expect(err.message).toContain(`cannot reach ${url}`);
  });

  test('refuses a base URL that is not http(s)', () => {
    expect(() => new SbiClient({ baseUrl: 'ftp://x' })).toThrow(/http\(s\)/);
    expect(() => new SbiClient({ baseUrl: 'not a url' })).toThrow(/absolute/);
  });
});
