// tools eat decode / verify, on tokens made here and on the PSA interop token.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EAT_PROFILE, type EatClaims } from '../../src/lib/rats/eat-claims.js';
import { encodeEatCwt } from '../../src/lib/rats/eat-cwt.js';
import { encodeEatJwt } from '../../src/lib/rats/eat-jwt.js';
import { runCli } from './run-cli.js';
import { generateJwkPair } from '../../src/lib/key-pairs.js';

const dir = mkdtempSync(join(tmpdir(), 'npn-eat-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => join(dir, name);
const vector = (name: string) => fileURLToPath(new URL(`../vectors/psa/${name}`, import.meta.url));

const pair = generateJwkPair('P-256');
const other = generateJwkPair('P-256');
const nonce = randomBytes(32);
const ueid = Uint8Array.from([0x01, ...randomBytes(16)]);
const claims: EatClaims = {
  nonce,
  ueid,
  cnf: generateJwkPair('P-256').publicJwk,
  iat: 1_764_000_000,
  swversion: { version: '1.4.2' },
  dbgstat: 3,
  eatProfile: EAT_PROFILE,
};

beforeAll(async () => {
  const key = pair.privateJwk;
  writeFileSync(file('evidence.cwt'), encodeEatCwt(claims, { key, tag61: true }));
  writeFileSync(file('evidence.jwt'), `${await encodeEatJwt(claims, { key })}\n`);
  writeFileSync(file('device.jwk'), JSON.stringify(pair.publicJwk));
  writeFileSync(file('other.jwk'), JSON.stringify(other.publicJwk));
  writeFileSync(file('junk.bin'), randomBytes(40));
  writeFileSync(file('not-a-key.json'), '{"hello": 1}');
});

describe.each([
  ['cwt', 'evidence.cwt'],
  ['jwt', 'evidence.jwt'],
])('an EAT as %s', (form, name) => {
  test('decode prints the claims by their RFC 9711 names, bytes as hex', async () => {
    const r = await runCli(['tools', 'eat', 'decode', file(name)]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ form, alg: 'ES256', verified: false });
    expect(out.claims).toMatchObject({
      eat_nonce: nonce.toString('hex'),
      ueid: Buffer.from(ueid).toString('hex'),
      swversion: { version: '1.4.2' },
      dbgstat: 3,
      iat: 1_764_000_000,
      eat_profile: EAT_PROFILE,
      cnf: { kty: 'EC', x: claims.cnf.x, y: claims.cnf.y },
    });
  });

  test('verify: the device key and the right nonce give exit 0', async () => {
    const r = await runCli([
      'tools',
      'eat',
      'verify',
      file(name),
      '--key',
      file('device.jwk'),
      '--nonce',
      nonce.toString('base64url'),
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: true, nonce_matches: true });
  });

  test('verify: another key gives exit 1, the verdict on stdout and the reason on stderr', async () => {
    const r = await runCli(['tools', 'eat', 'verify', file(name), '--key', file('other.jwk')]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: false });
    expect(r.stderr).toMatch(/does not verify with this --key/);
  });

  test('verify: another nonce gives exit 1', async () => {
    const r = await runCli([
      'tools',
      'eat',
      'verify',
      file(name),
      '--key',
      file('device.jwk'),
      '--nonce',
      randomBytes(32).toString('base64url'),
    ]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: true, nonce_matches: false });
  });
});

test('the PSA interop token decodes and verifies with its IAK', async () => {
  const r = await runCli([
    'tools',
    'eat',
    'verify',
    vector('psa.good.cose'),
    '--key',
    vector('psa.ec.p256.jwk'),
  ]);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out).toMatchObject({
    form: 'psa',
    verified: true,
    claims: { profile: 'http://arm.com/psa/2.0.0', clientId: 1 },
  });
});

test.each([
  [
    'a file that is no token',
    ['tools', 'eat', 'decode', file('junk.bin')],
    /is not an EAT \(CWT or JWT\) or a PSA token: EVIDENCE_MALFORMED/,
  ],
  ['a missing file', ['tools', 'eat', 'decode', file('nothing-here')], /cannot read .*ENOENT/],
  ['no --key', ['tools', 'eat', 'verify', file('evidence.cwt')], /--key is required/],
  [
    'a key file that is no JWK',
    ['tools', 'eat', 'verify', file('evidence.cwt'), '--key', file('not-a-key.json')],
    /--key expects a file holding one JWK/,
  ],
  [
    'a nonce that is not base64url',
    [
      'tools',
      'eat',
      'verify',
      file('evidence.cwt'),
      '--key',
      file('device.jwk'),
      '--nonce',
      'ab+/',
    ],
    /--nonce expects base64url/,
  ],
])('%s: one line, exit 2', async (_n, args, message) => {
  const r = await runCli(args);
  expect(r.code).toBe(2);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(message);
});
