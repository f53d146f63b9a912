// parseEatCwt must never throw, whatever the bytes: random byte strings and mutations of valid
// tokens (bit flips, truncations, insertions, overwrites with CBOR-significant bytes, splices of
// two tokens). Seeded, so a failure can be replayed; the seed and the input are in the message.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { JWK } from 'jose';
import { describe, expect, test } from 'vitest';
import { concat, toHex } from '../../../src/lib/bytes.js';
import { createCose } from '../../../src/lib/rats/cose.js';
import { EAT_PROFILE, type EatClaims } from '../../../src/lib/rats/eat-claims.js';
import {
  encodeEatCwt,
  parseEatCwt,
  verifyEatCwt,
  type ParsedEatCwt,
} from '../../../src/lib/rats/eat-cwt.js';
import { RatsError, type RatsErrorCode } from '../../../src/lib/rats/errors.js';
import { jwkKeyPair, mulberry32 } from '../../helpers.js';

const CODES: readonly RatsErrorCode[] = [
  'EVIDENCE_MALFORMED',
  'SIGNATURE_INVALID',
  'UNSUPPORTED_ALGORITHM',
  'KEY_INVALID',
  'EAR_INVALID',
];

const es = jwkKeyPair('ec');
const ed = jwkKeyPair('ed25519');
const oct: JWK = { kty: 'oct', k: randomBytes(32).toString('base64url') };
const ueid = Uint8Array.from([0x01, ...randomBytes(16)]);
const claims: EatClaims = {
  nonce: Uint8Array.from(randomBytes(32)),
  ueid,
  cnf: ed.pub,
  iat: 1_764_000_000,
  oemid: 32473,
  hwmodel: Uint8Array.of(1, 2, 3),
  swname: 'fw',
  swversion: { version: '2.0', scheme: 1 },
  oemboot: false,
  dbgstat: 0,
  measurements: [{ contentType: 0, content: Uint8Array.of(9, 9) }],
  intuse: 3,
  eatProfile: EAT_PROFILE,
};

const seeds: { token: Uint8Array; key: JWK }[] = [
  { token: encodeEatCwt(claims, { key: es.priv, kid: ueid, tag61: true }), key: es.pub },
  { token: encodeEatCwt(claims, { key: es.priv }), key: es.pub },
  { token: encodeEatCwt(claims, { key: ed.priv, kid: ueid, tag61: true }), key: ed.pub },
  { token: encodeEatCwt({ ...claims, cnf: es.pub }, { key: oct, kid: ueid }), key: oct },
  { token: encodeEatCwt(claims, { key: oct, tag61: true }), key: oct },
];
// untagged forms
const untaggedPayload = seeds[0]!.token;
const p0 = parseEatCwt(untaggedPayload);
if (!p0.ok) throw p0.error;
seeds.push({ token: createCose(p0.value.payload, es.priv, { coseTag: false }), key: es.pub });
seeds.push({
  token: createCose(p0.value.payload, oct, { coseTag: false, cwtTag: true }),
  key: oct,
});

function signedContent(p: ParsedEatCwt): string {
  return [p.protected, p.payload, p.signature].map(toHex).join('.');
}
const signedContents = seeds.map(({ token }) => {
  const p = parseEatCwt(token);
  if (!p.ok) throw p.error;
  return signedContent(p.value);
});

// bytes that steer a CBOR decoder: heads of every major type, indefinite, break, big lengths, tags
const SPECIAL = [
  0x00, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1f, 0x20, 0x38, 0x3b, 0x40, 0x58, 0x5a, 0x5b, 0x5f,
  0x60, 0x78, 0x7b, 0x7f, 0x80, 0x84, 0x98, 0x9b, 0x9f, 0xa0, 0xa1, 0xb8, 0xbb, 0xbf, 0xc0, 0xc1,
  0xd1, 0xd2, 0xd8, 0xd9, 0xdb, 0xf4, 0xf5, 0xf6, 0xf7, 0xf9, 0xfa, 0xfb, 0xff,
];

type Mutation = (t: Uint8Array, r: () => number, other: Uint8Array) => Uint8Array;
const pick = (r: () => number, n: number): number => Math.floor(r() * n);

const mutations: Mutation[] = [
  function bitFlips(t, r) {
    const out = Uint8Array.from(t);
    const flips = 1 + pick(r, 8);
    for (let i = 0; i < flips; i++) out[pick(r, out.length)]! ^= 1 << pick(r, 8);
    return out;
  },
  function truncate(t, r) {
    return t.subarray(0, pick(r, t.length));
  },
  function dropFront(t, r) {
    return t.subarray(1 + pick(r, t.length - 1));
  },
  function insert(t, r) {
    const at = pick(r, t.length + 1);
    const ins = Uint8Array.from({ length: 1 + pick(r, 16) }, () => pick(r, 256));
    return concat(t.subarray(0, at), ins, t.subarray(at));
  },
  function overwriteSpecial(t, r) {
    const out = Uint8Array.from(t);
    const n = 1 + pick(r, 4);
    for (let i = 0; i < n; i++) out[pick(r, out.length)] = SPECIAL[pick(r, SPECIAL.length)]!;
    return out;
  },
  function deleteRange(t, r) {
    const at = pick(r, t.length);
    return concat(t.subarray(0, at), t.subarray(Math.min(t.length, at + 1 + pick(r, 32))));
  },
  function splice(t, r, other) {
    return concat(t.subarray(0, pick(r, t.length)), other.subarray(pick(r, other.length)));
  },
  function duplicateRange(t, r) {
    const a = pick(r, t.length);
    const b = Math.min(t.length, a + 1 + pick(r, 64));
    return concat(t.subarray(0, b), t.subarray(a, b), t.subarray(b));
  },
];

function check(input: Uint8Array, context: string): boolean {
  let result;
  try {
    result = parseEatCwt(input);
  } catch (e) {
    throw new Error(`parseEatCwt threw on ${context} ${toHex(input)}: ${String(e)}`);
  }
  if (!result.ok) {
    if (!(result.error instanceof RatsError) || !CODES.includes(result.error.code)) {
      throw new Error(`not a RatsError on ${context} ${toHex(input)}`);
    }
    // the catch-all in parseEatCwt is for bugs; the fuzz must never reach it
    if (result.error.message.includes('unexpected decoder failure')) {
      throw new Error(`${result.error.message} on ${context} ${toHex(input)}`);
    }
  }
  return result.ok;
}

describe('parseEatCwt fuzz', () => {
  // RATS_FUZZ_SEED / RATS_FUZZ_INPUTS run a longer or another campaign locally
  const SEED = Number(process.env.RATS_FUZZ_SEED ?? 0x5eed_c0de);
  const INPUTS = Math.max(100_000, Number(process.env.RATS_FUZZ_INPUTS ?? 0));

  test(`${INPUTS} seeded inputs: random bytes and mutations of valid tokens`, () => {
    const r = mulberry32(SEED);
    let parsedOk = 0;
    let n = 0;
    // random byte strings, some starting with the profile's tags to get past the first byte
    for (; n < 20_000; n++) {
      const len = pick(r, 300);
      const body = Uint8Array.from({ length: len }, () => pick(r, 256));
      const prefix = [[], [0xd8, 0x3d], [0xd2, 0x84], [0xd8, 0x3d, 0xd1, 0x84]][n % 4]!;
      if (check(concat(Uint8Array.from(prefix), body), `seed ${SEED} input ${n}`)) parsedOk++;
    }
    for (; n < INPUTS; n++) {
      const seed = seeds[n % seeds.length]!;
      const other = seeds[pick(r, seeds.length)]!.token;
      let input = seed.token;
      // one to three stacked mutations
      const rounds = 1 + pick(r, 3);
      for (let i = 0; i < rounds; i++)
        input = mutations[pick(r, mutations.length)]!(input, r, other);
      if (check(input, `seed ${SEED} input ${n}`)) {
        parsedOk++;
        // a mutant that still parses verifies only if what is signed is that of a valid token
        // (a splice can rebuild another seed signed with the same key)
        const parsed = parseEatCwt(input);
        if (parsed.ok && verifyEatCwt(parsed.value, seed.key)) {
          expect(signedContents).toContain(signedContent(parsed.value));
        }
      }
    }
    expect(n).toBe(INPUTS);
    // the mutations must sometimes leave a parseable token, or they test only the first byte
    expect(parsedOk).toBeGreaterThan(100);
  }, 600_000);

  test('fast-check: arbitrary byte strings and edits of a valid token', () => {
    const token = seeds[0]!.token;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 512 }),
          fc
            .tuple(fc.nat(token.length), fc.nat(token.length), fc.uint8Array({ maxLength: 32 }))
            .map(([a, b, ins]) =>
              concat(token.subarray(0, Math.min(a, b)), ins, token.subarray(Math.max(a, b))),
            ),
        ),
        (input) => {
          check(input, 'fast-check');
        },
      ),
      { numRuns: 5_000, seed: 42 },
    );
  });
});
