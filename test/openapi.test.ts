// openapi/ holds what the functions serve; regenerate with `./bin/npn-onboard openapi`.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { allDocuments } from '../src/cli/openapi.js';
import { createDcs } from '../src/nf/dcs/dcs.js';
import { generateJwkPair } from '../src/lib/key-pairs.js';

const committed = (name: string) =>
  JSON.parse(readFileSync(new URL(`../openapi/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

test('every committed document equals the generated one (run `npn-onboard openapi` if not)', async () => {
  const docs = await allDocuments();
  expect(Object.keys(docs).length).toBeGreaterThan(0);
  for (const [name, doc] of Object.entries(docs)) expect(committed(name)).toEqual(doc);
});

test('the DCS serves its endorsement document without a token, and it documents errors and auth', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'npn-oa-'));
  const dcs = await createDcs({
    store: { kind: 'sqlite', dataDir: dir },
    kek: new Uint8Array(randomBytes(32)),
    adminToken: 'openapi-test-admin-token',
    earSigningKey: {
      privateJwk: generateJwkPair('P-256').privateJwk,
      kid: 'test',
    },
    logger: false,
  });
  try {
    const r = await dcs.app.inject({ method: 'GET', url: '/endorsements/v1/openapi.json' });
    expect(r.statusCode).toBe(200);
    const doc = r.json();
    expect(doc).toEqual(committed('endorsements-v1.json'));
    expect(doc.openapi).toBe('3.1.0');
    const put = doc.paths['/devices/{ueid}'].put;
    expect(put.security).toEqual([{ bearer: [] }]);
    expect(put.responses.default.content['application/problem+json'].schema.$ref).toBe(
      '#/components/schemas/ProblemDetails',
    );
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/devices',
        '/devices/{ueid}',
        '/devices/{ueid}/revocation',
        '/device-batches',
        '/classes/{deviceClass}',
      ]),
    );
  } finally {
    await dcs.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
