// Random and mutated input to the verification API: every answer is a 200 with an EAR or a 400
// ProblemDetails with a cause; never a 5xx, never a crash. (The decoders themselves get 100,000+
// inputs each in test/lib/rats.) RATS_API_FUZZ_INPUTS changes the count (default 100,000).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { toHex } from '../../../src/lib/bytes.js';
import { EAT_PROFILE, type EatClaims } from '../../../src/lib/rats/eat-claims.js';
import { encodeEatCwt } from '../../../src/lib/rats/eat-cwt.js';
import { encodeEatJwt } from '../../../src/lib/rats/eat-jwt.js';
import { createDcs, type Dcs } from '../../../src/nf/dcs/dcs.js';
import { mulberry32 } from '../../helpers.js';
import { generateJwkPair } from '../../../src/lib/key-pairs.js';

const INPUTS = Number(process.env.RATS_API_FUZZ_INPUTS ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'npn-fuzz-'));
let dcs: Dcs;
const seeds: { type: string; bytes: Uint8Array; nonce: Uint8Array }[] = [];

beforeAll(async () => {
  dcs = await createDcs({
    store: { kind: 'sqlite', dataDir: dir, synchronous: 'NORMAL' },
    kek: new Uint8Array(randomBytes(32)),
    adminToken: 'fuzz-test-admin-token',
    earSigningKey: {
      privateJwk: generateJwkPair('P-256').privateJwk,
      kid: 'fuzz',
    },
    logger: false,
  });
  const pair = generateJwkPair('P-256');
  const ueid = Uint8Array.from([0x01, ...randomBytes(16)]);
  await dcs.endorsements.putDevice(toHex(ueid), {
    akm: pair.publicJwk,
    deviceClass: 'fuzz',
  });
  const nonce = new Uint8Array(randomBytes(32));
  const claims: EatClaims = {
    nonce,
    ueid,
    cnf: generateJwkPair('Ed25519').publicJwk,
    iat: 1_700_000_000,
    swversion: { version: '1.0.0' },
    eatProfile: EAT_PROFILE,
  };
  const key = pair.privateJwk;
  seeds.push({
    type: 'application/eat+cwt',
    bytes: encodeEatCwt(claims, { key, tag61: true }),
    nonce,
  });
  seeds.push({
    type: 'application/eat+jwt',
    bytes: new TextEncoder().encode(await encodeEatJwt(claims, { key })),
    nonce,
  });
});
afterAll(async () => {
  await dcs.close();
  rmSync(dir, { recursive: true, force: true });
});

function mutate(bytes: Uint8Array, r: () => number): Uint8Array {
  const out = Uint8Array.from(bytes);
  const kind = Math.floor(r() * 4);
  if (kind === 0) {
    for (let i = 0, n = 1 + Math.floor(r() * 4); i < n; i++)
      out[Math.floor(r() * out.length)]! ^= 1 << Math.floor(r() * 8);
    return out;
  }
  if (kind === 1) return out.subarray(0, Math.floor(r() * out.length));
  if (kind === 2) {
    const at = Math.floor(r() * out.length);
    return Uint8Array.from([
      ...out.subarray(0, at),
      ...randomBytes(1 + Math.floor(r() * 8)),
      ...out.subarray(at),
    ]);
  }
  return new Uint8Array(randomBytes(Math.floor(r() * 300)));
}

test(`${INPUTS} random and mutated requests: only 200 with an EAR or 400 with a cause`, async () => {
  const r = mulberry32(20261128);
  const types = ['application/eat+cwt', 'application/eat+jwt', 'application/psa-attestation-token'];
  const counts: Record<number, number> = {};
  for (let i = 0; i < INPUTS; i++) {
    const seed = seeds[i % seeds.length]!;
    let payload: unknown;
    const shape = r();
    if (shape < 0.85) {
      const type = r() < 0.9 ? seed.type : types[Math.floor(r() * types.length)]!;
      payload = {
        evidence: { type, value: Buffer.from(mutate(seed.bytes, r)).toString('base64url') },
        nonce: Buffer.from(r() < 0.8 ? seed.nonce : randomBytes(8 + Math.floor(r() * 57))).toString(
          'base64url',
        ),
      };
    } else if (shape < 0.95) {
      // Structurally wrong bodies.
      const choices = [
        {},
        { evidence: 'x' },
        { evidence: { type: 1, value: [] }, nonce: 5 },
        [],
        null,
        'text',
        { nonce: '', evidence: { type: '', value: '' } },
      ];
      payload = choices[Math.floor(r() * choices.length)];
    } else {
      payload = Buffer.from(randomBytes(Math.floor(r() * 200))).toString('latin1');
    }
    const res = await dcs.app.inject({
      method: 'POST',
      url: '/verification/v1/appraisals',
      headers: { 'content-type': 'application/json' },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
    counts[res.statusCode] = (counts[res.statusCode] ?? 0) + 1;
    if (res.statusCode === 200) {
      expect(typeof res.json().ear).toBe('string');
    } else {
      expect(res.statusCode).toBe(400);
      expect(typeof res.json().cause).toBe('string');
    }
  }
  // The mutations must reach both outcomes, or the test proves little.
  expect(counts[200]).toBeGreaterThan(INPUTS / 100);
  expect(counts[400]).toBeGreaterThan(INPUTS / 2);
}, 300_000);
