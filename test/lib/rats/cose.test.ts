import { createHmac, randomBytes, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decode as cborgDecode, Tagged as CborgTagged } from 'cborg';
import type { JWK } from 'jose';
import { describe, expect, test } from 'vitest';
import { concat, fromBase64url, fromHex, toHex, utf8 } from '../../../src/lib/bytes.js';
import { encodeCbor, Tagged } from '../../../src/lib/rats/cbor.js';
import { COSE_KEY, coseKeyToJwk, jwkToCoseKey } from '../../../src/lib/rats/cose-key.js';
import {
  COSE_ALG,
  algForKey,
  createCose,
  decodeCose,
  verifyCose,
  type CoseMessage,
} from '../../../src/lib/rats/cose.js';
import { jwkKeyPair } from '../../helpers.js';
import { generateJwkPair } from '../../../src/lib/key-pairs.js';

const es = jwkKeyPair('ec');
const es2 = jwkKeyPair('ec');
const ed = jwkKeyPair('ed25519');
const ed2 = jwkKeyPair('ed25519');
const oct: JWK = { kty: 'oct', k: randomBytes(32).toString('base64url') };
const oct2: JWK = { kty: 'oct', k: randomBytes(32).toString('base64url') };
const payload = utf8('the payload');

function decoded(bytes: Uint8Array): CoseMessage {
  const r = decodeCose(bytes);
  if (!r.ok) throw r.error;
  return r.value;
}

function flip(bytes: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

/** A CBOR head (major type, length), written by hand so the check is independent of cbor.ts. */
function head(major: number, length: number): Uint8Array {
  if (length < 24) return Uint8Array.of((major << 5) | length);
  if (length < 256) return Uint8Array.of((major << 5) | 24, length);
  return Uint8Array.of((major << 5) | 25, length >> 8, length & 0xff);
}
const bstr = (b: Uint8Array): Uint8Array => concat(head(2, b.length), b);

function handMadeSigStructure(context: string, prot: Uint8Array, body: Uint8Array): Uint8Array {
  return concat(
    head(4, 4),
    head(3, context.length),
    utf8(context),
    bstr(prot),
    bstr(new Uint8Array(0)),
    bstr(body),
  );
}

describe.each([
  ['ES256', es.priv, es.pub, es2.pub, 'sign1', 18],
  ['EdDSA', ed.priv, ed.pub, ed2.pub, 'sign1', 18],
  ['HS256', oct, oct, oct2, 'mac0', 17],
] as const)('%s', (alg, signKey, verifyKey, otherKey, form, coseTag) => {
  test.each([
    [true, false],
    [false, false],
    [true, true],
    [false, true],
  ])('round trip (COSE tag %s, CWT tag %s)', (withCoseTag, withCwtTag) => {
    const kid = randomBytes(17);
    const bytes = createCose(payload, signKey, { kid, coseTag: withCoseTag, cwtTag: withCwtTag });
    const prefix =
      (withCwtTag ? 'd83d' : '') + (withCoseTag ? (0xc0 | coseTag).toString(16) : '') + '84';
    expect(toHex(bytes.subarray(0, prefix.length / 2))).toBe(prefix);
    const msg = decoded(bytes);
    expect(msg).toMatchObject({ form, alg, payload, coseTag: withCoseTag, cwtTag: withCwtTag });
    expect(msg.kid).toEqual(Uint8Array.from(kid));
    expect(verifyCose(msg, verifyKey)).toBe(true);
    expect(verifyCose(msg, otherKey)).toBe(false);
  });

  test('kid in the unprotected header', () => {
    const kid = Uint8Array.of(1, 2, 3);
    const msg = decoded(createCose(payload, signKey, { kid, kidIn: 'unprotected' }));
    expect(msg.kid).toEqual(kid);
    expect(msg.protectedHeader.has(4)).toBe(false);
    expect(verifyCose(msg, verifyKey)).toBe(true);
  });

  test('a flipped bit in the payload, the signature or the protected header fails', () => {
    const msg = decoded(createCose(payload, signKey, { kid: Uint8Array.of(7) }));
    for (let bit = 0; bit < msg.payload.length * 8; bit += 5) {
      expect(verifyCose({ ...msg, payload: flip(msg.payload, bit) }, verifyKey)).toBe(false);
    }
    for (let bit = 0; bit < msg.signature.length * 8; bit += 3) {
      expect(verifyCose({ ...msg, signature: flip(msg.signature, bit) }, verifyKey)).toBe(false);
    }
    // the last protected byte is the kid value: still a well-formed header, but not the signed one
    const prot = flip(msg.protected, msg.protected.length * 8 - 1);
    expect(verifyCose({ ...msg, protected: prot }, verifyKey)).toBe(false);
  });

  test('a message whose alg was changed after decoding fails', () => {
    const msg = decoded(createCose(payload, signKey));
    for (const other of ['ES256', 'EdDSA', 'HS256'] as const) {
      if (other !== alg) expect(verifyCose({ ...msg, alg: other }, verifyKey)).toBe(false);
    }
  });
});

describe('algorithm confusion', () => {
  test('an HS256 message verified with an EC key (or with its bytes as the HMAC key) fails', () => {
    const msg = decoded(createCose(payload, oct));
    expect(verifyCose(msg, es.pub)).toBe(false);
    expect(verifyCose(msg, ed.pub)).toBe(false);
    // classic confusion: the HMAC key is the public key the verifier holds
    const pubAsSecret: JWK = {
      kty: 'oct',
      k: Buffer.from(JSON.stringify(es.pub)).toString('base64url'),
    };
    const forged = decoded(createCose(payload, pubAsSecret));
    expect(verifyCose(forged, es.pub)).toBe(false);
  });

  test('a Sign1 whose header says EdDSA fails with a P-256 key', () => {
    expect(verifyCose(decoded(createCose(payload, ed.priv)), es.pub)).toBe(false);
    // an ES256 signature under a protected header rewritten to say EdDSA
    const msg = decoded(createCose(payload, es.priv));
    const edHeader = encodeCbor(new Map([[1, COSE_ALG.EdDSA]]));
    const relabelled = decoded(
      encodeCbor(new Tagged(18, [edHeader, new Map(), msg.payload, msg.signature])),
    );
    expect(relabelled.alg).toBe('EdDSA');
    expect(verifyCose(relabelled, es.pub)).toBe(false);
    expect(verifyCose(relabelled, ed.pub)).toBe(false);
  });

  test('a JWK whose alg disagrees fails', () => {
    const msg = decoded(createCose(payload, es.priv));
    expect(verifyCose(msg, { ...es.pub, alg: 'ES384' })).toBe(false);
    expect(verifyCose(msg, { ...es.pub, alg: 'ES256' })).toBe(true);
  });

  test('a P-384 key is refused for signing and fails verification', () => {
    const p384 = generateJwkPair('P-384');
    const pub = p384.publicJwk;
    expect(() => createCose(payload, p384.privateJwk)).toThrow(/UNSUPPORTED|P-256/);
    expect(verifyCose(decoded(createCose(payload, es.priv)), pub)).toBe(false);
  });

  test('verification never throws, whatever the key', () => {
    const msg = decoded(createCose(payload, es.priv));
    const junk = [
      {},
      { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' },
      { kty: 'EC', crv: 'P-256', x: es.pub.x, y: es2.pub.y },
      { kty: 'oct' },
      null,
      'x',
    ];
    for (const k of junk) expect(verifyCose(msg, k as JWK)).toBe(false);
    expect(verifyCose({ ...msg, signature: 'x' as unknown as Uint8Array }, es.pub)).toBe(false);
  });
});

describe('independent checks', () => {
  test.each([
    ['ES256', es, 'sha256'],
    ['EdDSA', ed, null],
  ] as const)('%s: node:crypto verifies a hand-built Sig_structure', (_alg, pair, hash) => {
    const bytes = createCose(payload, pair.priv, { kid: Uint8Array.of(9) });
    // decoded by cborg directly, not by cose.ts
    const tagged = cborgDecode(bytes, {
      useMaps: true,
      tags: CborgTagged.preserve(18),
    }) as CborgTagged;
    expect(tagged.tag).toBe(18);
    const [prot, unprot, body, sig] = tagged.value as [
      Uint8Array,
      Map<number, unknown>,
      Uint8Array,
      Uint8Array,
    ];
    expect(unprot.size).toBe(0);
    expect(toHex(body)).toBe(toHex(payload));
    const tbs = handMadeSigStructure('Signature1', prot, body);
    const ok = verify(
      hash,
      tbs,
      { key: pair.pub as never, format: 'jwk', dsaEncoding: 'ieee-p1363' },
      sig,
    );
    expect(ok).toBe(true);
  });

  test('HS256: HMAC over a hand-built MAC_structure', () => {
    const bytes = createCose(payload, oct);
    const tagged = cborgDecode(bytes, {
      useMaps: true,
      tags: CborgTagged.preserve(17),
    }) as CborgTagged;
    expect(tagged.tag).toBe(17);
    const [prot, , body, tag] = tagged.value as [Uint8Array, unknown, Uint8Array, Uint8Array];
    expect(toHex(prot)).toBe('a10105');
    const expected = createHmac('sha256', fromBase64url(oct.k)!)
      .update(handMadeSigStructure('MAC0', prot, body))
      .digest();
    expect(toHex(tag)).toBe(expected.toString('hex'));
  });
});

describe('third-party token: PSA (veraison psa.good.cose)', () => {
  const token = Uint8Array.from(
    readFileSync(new URL('../../vectors/psa/psa.good.cose', import.meta.url)),
  );
  const key = JSON.parse(
    readFileSync(new URL('../../vectors/psa/psa.ec.p256.jwk', import.meta.url), 'utf8'),
  ) as JWK;

  test('decodes with the strict decoder and verifies with the published key', () => {
    const msg = decoded(token);
    expect(msg).toMatchObject({ form: 'sign1', alg: 'ES256', coseTag: true, cwtTag: false });
    expect(verifyCose(msg, key)).toBe(true);
  });

  test('fails with another key or a flipped payload bit', () => {
    const msg = decoded(token);
    expect(verifyCose(msg, es.pub)).toBe(false);
    expect(verifyCose({ ...msg, payload: flip(msg.payload, 100) }, key)).toBe(false);
  });

  test('a caller can restrict the tags to COSE_Sign1 only', () => {
    expect(decodeCose(token, { tags: [18] }).ok).toBe(true);
    const r = decodeCose(token, { tags: [17] });
    expect(!r.ok && r.error.message).toMatch(/tag not supported \(18\)/);
  });
});

describe('decodeCose refuses', () => {
  const prot = encodeCbor(new Map([[1, -7]]));
  const sig = new Uint8Array(64);
  const cases: [string, unknown, string, RegExp][] = [
    ['a map', new Map(), 'EVIDENCE_MALFORMED', /expected an array/],
    ['three elements', [prot, new Map(), payload], 'EVIDENCE_MALFORMED', /expected an array/],
    [
      'a text protected header',
      ['x', new Map(), payload, sig],
      'EVIDENCE_MALFORMED',
      /protected header must be/,
    ],
    [
      'a protected header that is not a map',
      [encodeCbor([1]), new Map(), payload, sig],
      'EVIDENCE_MALFORMED',
      /expected a map/,
    ],
    [
      'an unprotected array',
      [prot, [], payload, sig],
      'EVIDENCE_MALFORMED',
      /unprotected header must be a map/,
    ],
    ['a detached payload', [prot, new Map(), null, sig], 'EVIDENCE_MALFORMED', /detached/],
    ['a text payload', [prot, new Map(), 'p', sig], 'EVIDENCE_MALFORMED', /payload must be/],
    ['no alg', [new Uint8Array(0), new Map(), payload, sig], 'EVIDENCE_MALFORMED', /no alg/],
    [
      'alg unprotected',
      [new Uint8Array(0), new Map([[1, -7]]), payload, sig],
      'EVIDENCE_MALFORMED',
      /must be in the protected/,
    ],
    [
      'a label in both headers',
      [prot, new Map([[1, -7]]), payload, sig],
      'EVIDENCE_MALFORMED',
      /both/,
    ],
    [
      'crit',
      [
        encodeCbor(
          new Map<number, unknown>([
            [1, -7],
            [2, [99]],
          ]),
        ),
        new Map(),
        payload,
        sig,
      ],
      'EVIDENCE_MALFORMED',
      /crit/,
    ],
    [
      'ES384',
      [encodeCbor(new Map([[1, -35]])), new Map(), payload, sig],
      'UNSUPPORTED_ALGORITHM',
      /alg -35/,
    ],
    [
      'a text alg',
      [encodeCbor(new Map([[1, 'ES256']])), new Map(), payload, sig],
      'UNSUPPORTED_ALGORITHM',
      /alg "ES256"/,
    ],
    [
      'a short signature',
      [prot, new Map(), payload, new Uint8Array(63)],
      'EVIDENCE_MALFORMED',
      /63 bytes, expected 64/,
    ],
    ['a text kid', [prot, new Map([[4, 'k']]), payload, sig], 'EVIDENCE_MALFORMED', /kid/],
    [
      'tag 18 with a MAC alg',
      new Tagged(18, [encodeCbor(new Map([[1, 5]])), new Map(), payload, new Uint8Array(32)]),
      'UNSUPPORTED_ALGORITHM',
      /not a signature algorithm/,
    ],
    [
      'tag 17 with a signature alg',
      new Tagged(17, [prot, new Map(), payload, sig]),
      'UNSUPPORTED_ALGORITHM',
      /not a MAC algorithm/,
    ],
    [
      'tag 61 inside tag 18',
      new Tagged(18, new Tagged(61, [prot, new Map(), payload, sig])),
      'EVIDENCE_MALFORMED',
      /unexpected tag 61/,
    ],
  ];
  test.each(cases)('%s', (_name, value, code, message) => {
    const r = decodeCose(encodeCbor(value));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(code);
      expect(r.error.message).toMatch(message);
    }
  });

  test('an untagged message with an unknown alg cannot be told apart', () => {
    const r = decodeCose(
      encodeCbor([encodeCbor(new Map([[1, 6]])), new Map(), payload, new Uint8Array(32)]),
    );
    expect(!r.ok && r.error.code).toBe('UNSUPPORTED_ALGORITHM');
    expect(!r.ok && r.error.message).toMatch(
      /untagged only the alg tells COSE_Sign1 from COSE_Mac0/,
    );
  });

  test('an empty protected header bstr is the empty map', () => {
    const r = decodeCose(fromHex('d284' + '40' + 'a10126' + '4100' + '5840' + '00'.repeat(64)));
    expect(!r.ok && r.error.message).toMatch(/alg \(1\) must be in the protected header/);
  });
});

describe('COSE_Key <-> JWK', () => {
  test.each([
    ['EC P-256', es.pub],
    ['OKP Ed25519', ed.pub],
  ])('%s public key round trip', (_name, pub) => {
    const cose = jwkToCoseKey(pub, { publicOnly: true });
    expect(cose.ok).toBe(true);
    if (!cose.ok) return;
    const back = coseKeyToJwk(cose.value, { publicOnly: true });
    expect(back).toEqual({ ok: true, value: pub });
  });

  test('a private JWK gives only its public part', () => {
    const cose = jwkToCoseKey(es.priv);
    expect(cose.ok && cose.value.has(COSE_KEY.d)).toBe(false);
  });

  test('Symmetric keys convert, except where a public key is required', () => {
    const cose = jwkToCoseKey(oct);
    expect(cose.ok && cose.value.get(COSE_KEY.kty)).toBe(4);
    if (!cose.ok) return;
    expect(coseKeyToJwk(cose.value)).toEqual({ ok: true, value: { kty: 'oct', k: oct.k } });
    expect(coseKeyToJwk(cose.value, { publicOnly: true })).toMatchObject({
      ok: false,
      error: { code: 'KEY_INVALID' },
    });
    expect(jwkToCoseKey(oct, { publicOnly: true })).toMatchObject({
      ok: false,
      error: { code: 'KEY_INVALID' },
    });
  });

  const x = new Uint8Array(32).fill(1);
  const ecX = fromBase64url(es.pub.x)!;
  const ecY = fromBase64url(es.pub.y)!;
  const refused: [string, unknown, string][] = [
    ['not a map', [1], 'KEY_INVALID'],
    ['no kty', new Map([[-1, 1]]), 'KEY_INVALID'],
    ['kty RSA', new Map([[1, 3]]), 'UNSUPPORTED_ALGORITHM'],
    [
      'EC2 P-384',
      new Map<number, unknown>([
        [1, 2],
        [-1, 2],
        [-2, ecX],
        [-3, ecY],
      ]),
      'UNSUPPORTED_ALGORITHM',
    ],
    [
      'OKP X25519',
      new Map<number, unknown>([
        [1, 1],
        [-1, 4],
        [-2, x],
      ]),
      'UNSUPPORTED_ALGORITHM',
    ],
    [
      'OKP with alg ES256',
      new Map<number, unknown>([
        [1, 1],
        [-1, 6],
        [-2, x],
        [3, -7],
      ]),
      'UNSUPPORTED_ALGORITHM',
    ],
    [
      'EC2 compressed (y boolean)',
      new Map<number, unknown>([
        [1, 2],
        [-1, 1],
        [-2, ecX],
        [-3, true],
      ]),
      'KEY_INVALID',
    ],
    [
      'EC2 short x',
      new Map<number, unknown>([
        [1, 2],
        [-1, 1],
        [-2, ecX.subarray(1)],
        [-3, ecY],
      ]),
      'KEY_INVALID',
    ],
    [
      'EC2 point off the curve',
      new Map<number, unknown>([
        [1, 2],
        [-1, 1],
        [-2, ecX],
        [-3, x],
      ]),
      'KEY_INVALID',
    ],
    [
      'EC2 private',
      new Map<number, unknown>([
        [1, 2],
        [-1, 1],
        [-2, ecX],
        [-3, ecY],
        [-4, x],
      ]),
      'KEY_INVALID',
    ],
    [
      'Symmetric short k',
      new Map<number, unknown>([
        [1, 4],
        [-1, new Uint8Array(16)],
      ]),
      'KEY_INVALID',
    ],
  ];
  test.each(refused)('refuses %s', (_name, key, code) => {
    expect(coseKeyToJwk(key)).toMatchObject({ ok: false, error: { code } });
  });

  test('JWKs outside the profile are refused', () => {
    expect(jwkToCoseKey({ kty: 'RSA', n: 'AQAB', e: 'AQAB' })).toMatchObject({
      ok: false,
      error: { code: 'UNSUPPORTED_ALGORITHM' },
    });
    expect(jwkToCoseKey({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' })).toMatchObject({
      ok: false,
      error: { code: 'KEY_INVALID' },
    });
    expect(jwkToCoseKey({ kty: 'oct', k: 'short' })).toMatchObject({
      ok: false,
      error: { code: 'KEY_INVALID' },
    });
    expect(algForKey({ kty: 'OKP', crv: 'Ed448', x: 'AA' })).toMatchObject({
      ok: false,
      error: { code: 'UNSUPPORTED_ALGORITHM' },
    });
  });

  test('fromBase64url is strict', () => {
    expect(fromBase64url('AQ')).toEqual(Uint8Array.of(1));
    expect(fromBase64url('AR')).toBeUndefined(); // spare bits set
    expect(fromBase64url('AQ==')).toBeUndefined();
    expect(fromBase64url('A+')).toBeUndefined();
    expect(fromBase64url('A')).toBeUndefined();
  });
});
