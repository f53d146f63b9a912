import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import { describe, expect, test } from 'vitest';
import { concat, fromHex, toHex } from '../../../src/lib/bytes.js';
import { MAX_EVIDENCE_BYTES, Tagged, encodeCbor } from '../../../src/lib/rats/cbor.js';
import { jwkToCoseKey } from '../../../src/lib/rats/cose-key.js';
import { createCose } from '../../../src/lib/rats/cose.js';
import { CLAIM, EAT_PROFILE, type EatClaims } from '../../../src/lib/rats/eat-claims.js';
import {
  encodeEatCwt,
  parseEatCwt,
  verifyEatCwt,
  type ParsedEatCwt,
} from '../../../src/lib/rats/eat-cwt.js';
import { RatsError } from '../../../src/lib/rats/errors.js';
import { jwkKeyPair, rsaJwkPair } from '../../helpers.js';
import { generateJwkPair } from '../../../src/lib/key-pairs.js';

const bytes = (n: number): Uint8Array => Uint8Array.from(randomBytes(n));

const akmEs = jwkKeyPair('ec');
const akmEd = jwkKeyPair('ed25519');
const akmOct: JWK = { kty: 'oct', k: randomBytes(32).toString('base64url') };
const otherEs = jwkKeyPair('ec');
const otherEd = jwkKeyPair('ed25519');
const otherOct: JWK = { kty: 'oct', k: randomBytes(32).toString('base64url') };
const attested = jwkKeyPair('ec');
const attestedEd = jwkKeyPair('ed25519');

const ueid = concat(Uint8Array.of(0x01), bytes(32));
const claims: EatClaims = {
  nonce: bytes(16),
  ueid,
  cnf: attested.pub,
  iat: 1_764_000_000,
  oemid: Uint8Array.of(0x00, 0x1b, 0x63),
  hwmodel: bytes(8),
  swname: 'npn-ue-firmware',
  swversion: { version: '1.4.2', scheme: 16384 },
  oemboot: true,
  dbgstat: 3,
  measurements: [
    { contentType: 0, content: bytes(32) },
    { contentType: 60, content: bytes(48) },
  ],
  intuse: 3,
  eatProfile: EAT_PROFILE,
};
const minimal: EatClaims = {
  nonce: bytes(8),
  ueid: fromHex('02001122334455'),
  cnf: attestedEd.pub,
  iat: 0,
};

function parsed(token: Uint8Array): ParsedEatCwt {
  const r = parseEatCwt(token);
  if (!r.ok) throw r.error;
  return r.value;
}

function expectError(token: Uint8Array, code: string, message: RegExp): void {
  const r = parseEatCwt(token);
  expect(r.ok).toBe(false);
  if (!r.ok) {
    expect(r.error).toBeInstanceOf(RatsError);
    expect(r.error.code).toBe(code);
    expect(r.error.message).toMatch(message);
  }
}

function flip(data: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(data);
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

/** The claims map of `claims` with some entries replaced (undefined: removed). */
function claimsMap(changes: [number | string, unknown][] = []): Map<number | string, unknown> {
  const cnf = jwkToCoseKey(attested.pub);
  if (!cnf.ok) throw cnf.error;
  const m = new Map<number | string, unknown>([
    [CLAIM.nonce.key, claims.nonce],
    [CLAIM.ueid.key, claims.ueid],
    [CLAIM.cnf.key, new Map([[1, cnf.value]])],
    [CLAIM.iat.key, claims.iat],
  ]);
  for (const [k, v] of changes) {
    if (v === undefined) m.delete(k);
    else m.set(k, v);
  }
  return m;
}
const signed = (payload: Uint8Array): Uint8Array => createCose(payload, akmEs.priv);

describe.each([
  ['ES256', akmEs.priv, akmEs.pub, otherEs.pub, 'sign1', 0xd2],
  ['EdDSA', akmEd.priv, akmEd.pub, otherEd.pub, 'sign1', 0xd2],
  ['HS256', akmOct, akmOct, otherOct, 'mac0', 0xd1],
] as const)('%s', (alg, key, verifyKey, otherKey, form, coseTag) => {
  test.each([true, false])('round trip, tag 61: %s', (tag61) => {
    const token = encodeEatCwt(claims, { key, kid: ueid, tag61 });
    expect(toHex(token.subarray(0, tag61 ? 3 : 1))).toBe(
      (tag61 ? 'd83d' : '') + coseTag.toString(16),
    );
    const p = parsed(token);
    expect(p).toMatchObject({ form, alg, cwtTag: tag61, kid: ueid });
    expect(p.claims).toEqual(claims);
    expect(verifyEatCwt(p, verifyKey)).toBe(true);
    expect(verifyEatCwt(p, otherKey)).toBe(false);
  });

  test('minimal claims, no kid', () => {
    const p = parsed(encodeEatCwt(minimal, { key }));
    expect(p.kid).toBeUndefined();
    expect(p.claims).toEqual(minimal);
    expect(verifyEatCwt(p, verifyKey)).toBe(true);
  });

  test('a flipped bit in the payload, the signature or the protected header fails', () => {
    const p = parsed(encodeEatCwt(claims, { key, kid: ueid }));
    for (let bit = 0; bit < p.payload.length * 8; bit += 37) {
      expect(verifyEatCwt({ ...p, payload: flip(p.payload, bit) }, verifyKey)).toBe(false);
    }
    for (let bit = 0; bit < p.signature.length * 8; bit += 7) {
      expect(verifyEatCwt({ ...p, signature: flip(p.signature, bit) }, verifyKey)).toBe(false);
    }
    for (let bit = 0; bit < p.protected.length * 8; bit += 1) {
      expect(verifyEatCwt({ ...p, protected: flip(p.protected, bit) }, verifyKey)).toBe(false);
    }
  });

  test('a flipped bit anywhere in the token: an error, or a token that does not verify', () => {
    const token = encodeEatCwt(claims, { key, kid: ueid, tag61: true });
    for (let bit = 0; bit < token.length * 8; bit++) {
      const r = parseEatCwt(flip(token, bit));
      if (r.ok) expect(verifyEatCwt(r.value, verifyKey)).toBe(false);
    }
  });
});

describe('algorithm confusion', () => {
  test('an HS256 token verified with an EC or an Ed25519 key fails', () => {
    const p = parsed(encodeEatCwt(claims, { key: akmOct }));
    expect(verifyEatCwt(p, akmEs.pub)).toBe(false);
    expect(verifyEatCwt(p, akmEd.pub)).toBe(false);
  });

  test('a Sign1 whose header says EdDSA, verified with a P-256 key, fails', () => {
    const p = parsed(encodeEatCwt(claims, { key: akmEd.priv }));
    expect(p.alg).toBe('EdDSA');
    expect(verifyEatCwt(p, akmEs.pub)).toBe(false);
    expect(verifyEatCwt({ ...p, alg: 'ES256' }, akmEs.pub)).toBe(false);
  });

  test('an ES256 token verified with an oct key fails', () => {
    const p = parsed(encodeEatCwt(claims, { key: akmEs.priv }));
    expect(verifyEatCwt(p, akmOct)).toBe(false);
    expect(verifyEatCwt({ ...p, form: 'mac0', alg: 'HS256' }, akmOct)).toBe(false);
  });
});

describe('forms', () => {
  test('without any tag: Sign1 and Mac0 told apart by the alg', () => {
    const payload = encodeCbor(claimsMap());
    const sign1 = parsed(createCose(payload, akmEs.priv, { coseTag: false }));
    expect(sign1).toMatchObject({ form: 'sign1', alg: 'ES256', cwtTag: false });
    expect(verifyEatCwt(sign1, akmEs.pub)).toBe(true);
    const mac0 = parsed(createCose(payload, akmOct, { coseTag: false }));
    expect(mac0).toMatchObject({ form: 'mac0', alg: 'HS256' });
    expect(verifyEatCwt(mac0, akmOct)).toBe(true);
  });

  test('tag 61 without the COSE tag', () => {
    const token = createCose(encodeCbor(claimsMap()), akmEd.priv, { coseTag: false, cwtTag: true });
    expect(toHex(token.subarray(0, 3))).toBe('d83d84');
    expect(parsed(token)).toMatchObject({ form: 'sign1', alg: 'EdDSA', cwtTag: true });
  });

  test('kid in the unprotected header', () => {
    const token = createCose(encodeCbor(claimsMap()), akmEs.priv, {
      kid: ueid,
      kidIn: 'unprotected',
    });
    const p = parsed(token);
    expect(p.kid).toEqual(ueid);
    expect(verifyEatCwt(p, akmEs.pub)).toBe(true);
  });

  test('unknown claims are ignored', () => {
    const p = parsed(
      signed(
        encodeCbor(
          claimsMap([
            [999, [1, 'x']],
            ['private', new Map([[1, 2]])],
            [-70000, 1],
          ]),
        ),
      ),
    );
    expect(p.claims.ueid).toEqual(claims.ueid);
  });

  test('eat_nonce as an array of one nonce', () => {
    const p = parsed(signed(encodeCbor(claimsMap([[10, [claims.nonce]]]))));
    expect(p.claims.nonce).toEqual(claims.nonce);
  });

  test('oemid as a Private Enterprise Number', () => {
    const p = parsed(signed(encodeCbor(claimsMap([[258, 32473]]))));
    expect(p.claims.oemid).toBe(32473);
  });
});

describe('claim type errors name the claim', () => {
  const float = fromHex('fb3ff8000000000000'); // 1.5
  const cases: [string, number, unknown][] = [
    ['eat_nonce', 10, 'nonce'],
    ['eat_nonce', 10, [bytes(8), bytes(8)]],
    ['eat_nonce', 10, bytes(4)],
    ['ueid', 256, 42],
    ['ueid', 256, fromHex('09001122334455')],
    ['iat', 6, '2025-11-28'],
    ['iat', 6, -1],
    ['iat', 6, 2n ** 64n - 1n],
    ['iat', 6, 1.5],
    ['cnf', 8, bytes(32)],
    ['cnf', 8, new Map([[3, bytes(8)]])],
    ['cnf', 8, new Map([[1, 'key']])],
    ['oemid', 258, 'ACME'],
    ['oemid', 258, bytes(5)],
    ['hwmodel', 259, 'model'],
    ['hwmodel', 259, bytes(33)],
    ['swname', 270, 7],
    ['swname', 270, ''],
    ['swversion', 271, '1.0'],
    ['swversion', 271, [1]],
    ['swversion', 271, ['1.0', 'semver']],
    ['swversion', 271, ['1.0', 1, 2]],
    ['oemboot', 262, 1],
    ['dbgstat', 263, 'disabled'],
    ['dbgstat', 263, 9],
    ['measurements', 273, bytes(4)],
    ['measurements', 273, [[1]]],
    ['measurements', 273, [['text/plain', bytes(4)]]],
    ['measurements', 273, [[0, 'digest']]],
    ['intuse', 275, 'provisioning'],
    ['intuse', 275, 7],
    ['eat_profile', 265, fromHex('2b0601040182')],
    ['eat_profile', 265, 'urn:other'],
  ];
  test.each(cases)('%s (%i): %o', (name, key, value) => {
    expectError(
      signed(encodeCbor(claimsMap([[key, value]]))),
      'EVIDENCE_MALFORMED',
      new RegExp(`claim ${name}:`),
    );
  });

  test('a float iat is not an integer, even when whole', () => {
    const m = encodeCbor(claimsMap([[6, 0]]));
    // replace the iat value 0x00 (key 06, value 00) by the float 1.5 and by float 1.0
    const at = toHex(m).indexOf('0600') / 2 + 1;
    for (const f of [float, fromHex('f93c00')]) {
      const payload = concat(m.subarray(0, at), f, m.subarray(at + 1));
      expectError(signed(payload), 'EVIDENCE_MALFORMED', /claim iat:/);
    }
  });

  test.each([
    ['eat_nonce', 10],
    ['ueid', 256],
    ['cnf', 8],
    ['iat', 6],
  ])('missing %s', (name, key) => {
    expectError(
      signed(encodeCbor(claimsMap([[key, undefined]]))),
      'EVIDENCE_MALFORMED',
      new RegExp(`claim ${name}:`),
    );
  });

  test('a cnf key outside the profile keeps its key error code', () => {
    const x25519 = new Map<number, unknown>([
      [1, 1],
      [-1, 4],
      [-2, bytes(32)],
    ]);
    expectError(
      signed(encodeCbor(claimsMap([[8, new Map([[1, x25519]])]]))),
      'UNSUPPORTED_ALGORITHM',
      /claim cnf:/,
    );
    const symmetric = new Map<number, unknown>([
      [1, 4],
      [-1, bytes(32)],
    ]);
    expectError(
      signed(encodeCbor(claimsMap([[8, new Map([[1, symmetric]])]]))),
      'KEY_INVALID',
      /claim cnf: .*public/,
    );
  });

  test('a payload that is not a map', () => {
    expectError(signed(encodeCbor([1, 2])), 'EVIDENCE_MALFORMED', /claims: expected a map/);
  });
});

describe('limits', () => {
  const good = encodeEatCwt(claims, { key: akmEs.priv, tag61: true });

  test('oversize', () => {
    const big = signed(encodeCbor(claimsMap([[999, new Uint8Array(MAX_EVIDENCE_BYTES)]])));
    expectError(big, 'EVIDENCE_MALFORMED', /more than the 16384 allowed/);
  });

  test('too deep, in the envelope and in the claims', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 20; i++) deep = [deep];
    expectError(
      signed(encodeCbor(claimsMap([[999, deep]]))),
      'EVIDENCE_MALFORMED',
      /claims: .*nesting/,
    );
    expectError(fromHex('d83d'.repeat(20) + '00'), 'EVIDENCE_MALFORMED', /nesting/);
  });

  test('indefinite length', () => {
    const m = encodeCbor(claimsMap());
    // the same claims as an indefinite-length map
    const indefinite = concat(Uint8Array.of(0xbf), m.subarray(1), Uint8Array.of(0xff));
    expectError(signed(indefinite), 'EVIDENCE_MALFORMED', /claims: .*indefinite/);
    const envelope = concat(
      Uint8Array.of(0xd8, 0x3d, 0xd2, 0x9f),
      good.subarray(4),
      Uint8Array.of(0xff),
    );
    expectError(envelope, 'EVIDENCE_MALFORMED', /indefinite/);
  });

  test('duplicate keys', () => {
    const m = encodeCbor(claimsMap());
    const extra = encodeCbor(new Map([[6, 1]])).subarray(1);
    const dup = concat(Uint8Array.of(m[0]! + 1), m.subarray(1), extra);
    expectError(signed(dup), 'EVIDENCE_MALFORMED', /claims: .*repeat map key/);
  });

  test('unknown tags', () => {
    expectError(
      concat(fromHex('d9d9f7'), good),
      'EVIDENCE_MALFORMED',
      /tag not supported \(55799\)/,
    );
    const epoch = concat(fromHex('c1'), encodeCbor(1));
    const m = encodeCbor(claimsMap([[6, 0]]));
    const at = toHex(m).indexOf('0600') / 2 + 1;
    const payload = concat(m.subarray(0, at), epoch, m.subarray(at + 1));
    expectError(signed(payload), 'EVIDENCE_MALFORMED', /claims: .*tag not supported \(1\)/);
    // a profile tag in the wrong place
    expectError(
      encodeCbor(new Tagged(18, new Tagged(61, 0))),
      'EVIDENCE_MALFORMED',
      /unexpected tag 61/,
    );
  });

  test('trailing bytes', () => {
    expectError(concat(good, Uint8Array.of(0)), 'EVIDENCE_MALFORMED', /too many terminals/);
    expectError(
      signed(concat(encodeCbor(claimsMap()), Uint8Array.of(0))),
      'EVIDENCE_MALFORMED',
      /claims: .*too many/,
    );
  });

  test('empty, truncated and non-byte input', () => {
    expectError(new Uint8Array(0), 'EVIDENCE_MALFORMED', /no bytes/);
    for (let n = 1; n < good.length; n++) {
      expect(parseEatCwt(good.subarray(0, n)).ok).toBe(false);
    }
    expectError('d83d' as unknown as Uint8Array, 'EVIDENCE_MALFORMED', /not a byte array/);
    expectError(null as unknown as Uint8Array, 'EVIDENCE_MALFORMED', /not a byte array/);
  });
});

describe('encodeEatCwt refuses', () => {
  test('claims the profile rejects', () => {
    expect(() => encodeEatCwt({ ...claims, nonce: bytes(4) }, { key: akmEs.priv })).toThrow(
      /claim eat_nonce/,
    );
    expect(() => encodeEatCwt({ ...claims, cnf: akmOct }, { key: akmEs.priv })).toThrow(
      /claim cnf/,
    );
  });

  test('a cnf key outside the profile', () => {
    const p384 = generateJwkPair('P-384').publicJwk;
    expect(() => encodeEatCwt({ ...claims, cnf: p384 }, { key: akmEs.priv })).toThrow(RatsError);
  });

  test('signing keys outside the profile, short HMAC keys, public keys', () => {
    const short: JWK = { kty: 'oct', k: randomBytes(16).toString('base64url') };
    expect(() => encodeEatCwt(claims, { key: short })).toThrow(/at least 32 bytes/);
    expect(() => encodeEatCwt(claims, { key: akmEs.pub })).toThrow(/private key/);
    const rsa = rsaJwkPair(1024).priv;
    expect(() => encodeEatCwt(claims, { key: rsa })).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_ALGORITHM' }) as Error,
    );
  });
});
