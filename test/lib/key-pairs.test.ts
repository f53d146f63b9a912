// Fresh P-256 key pairs as JWKs: OpenSSL itself, reading the private JWK, derives the same public
// key, signatures made with one verify with the other, and d is always 32 octets, also when the
// scalar has leading zero octets (one key in 256).
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { expect, test } from 'vitest';
import { generateJwkPair } from '../../src/lib/key-pairs.js';

const octets = (b64url: unknown) => Buffer.from(String(b64url), 'base64url');

test('P-256 pairs are consistent, well-formed and padded', () => {
  let leadingZero = 0;
  for (let i = 0; i < 4000; i++) {
    const { privateJwk, publicJwk } = generateJwkPair('P-256');
    expect(Object.keys(publicJwk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    for (const member of [publicJwk.x, publicJwk.y, privateJwk.d]) {
      expect(octets(member)).toHaveLength(32);
    }
    expect({ ...privateJwk, d: undefined }).toEqual({ ...publicJwk, d: undefined });
    if (octets(privateJwk.d)[0] === 0) leadingZero++;
    if (i % 200 === 0 || octets(privateJwk.d)[0] === 0) {
      const privateKey = createPrivateKey({ key: privateJwk, format: 'jwk' });
      expect(createPublicKey(privateKey).export({ format: 'jwk' })).toEqual(publicJwk);
      const data = Buffer.from(`message ${i}`);
      const signature = sign('sha256', data, privateKey);
      expect(
        verify('sha256', data, createPublicKey({ key: publicJwk, format: 'jwk' }), signature),
      ).toBe(true);
    }
  }
  // Each of the 4,000 has a 1 in 256 chance: none in all of them would mean padding went untested.
  expect(leadingZero).toBeGreaterThan(0);
});

test('the other kinds are generated too', () => {
  expect(generateJwkPair('P-384').publicJwk).toMatchObject({ kty: 'EC', crv: 'P-384' });
  expect(generateJwkPair('Ed25519').publicJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
});
