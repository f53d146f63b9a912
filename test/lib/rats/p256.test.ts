// The P-256 point check against node's own key import (OpenSSL), the independent judge here.
import { createPublicKey, randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { isP256Point } from '../../../src/lib/rats/p256.js';
import { generateJwkPair } from '../../../src/lib/key-pairs.js';

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const bytes32 = (n: bigint) =>
  Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));
const big = (u: Uint8Array) => BigInt(`0x${Buffer.from(u).toString('hex')}`);

function nodeAccepts(x: Uint8Array, y: Uint8Array): boolean {
  try {
    createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: Buffer.from(x).toString('base64url'),
        y: Buffer.from(y).toString('base64url'),
      },
      format: 'jwk',
    });
    return true;
  } catch {
    return false;
  }
}

function point() {
  const jwk = generateJwkPair('P-256').publicJwk;
  return {
    x: Uint8Array.from(Buffer.from(jwk.x!, 'base64url')),
    y: Uint8Array.from(Buffer.from(jwk.y!, 'base64url')),
  };
}

describe('isP256Point', () => {
  test('agrees with OpenSSL on generated keys, their negations and tampered points', () => {
    for (let i = 0; i < 50; i++) {
      const { x, y } = point();
      const negY = bytes32(P - big(y));
      const tampered = Uint8Array.from(y);
      tampered[31] = tampered[31]! ^ 1;
      const random = Uint8Array.from(randomBytes(32));
      for (const [px, py] of [
        [x, y],
        [x, negY],
        [x, tampered],
        [random, y],
      ] as const) {
        expect(isP256Point(px, py)).toBe(nodeAccepts(px, py));
      }
      expect(isP256Point(x, y)).toBe(true);
      expect(isP256Point(x, negY)).toBe(true);
      expect(isP256Point(x, tampered)).toBe(false);
    }
  });

  test('refuses coordinates that are not field elements (p or more)', () => {
    const { x, y } = point();
    expect(isP256Point(new Uint8Array(32).fill(0xff), y)).toBe(false);
    expect(isP256Point(x, bytes32(P))).toBe(false);
    expect(nodeAccepts(x, bytes32(P))).toBe(false);
  });

  test('refuses coordinates that are not 32 bytes', () => {
    const { x, y } = point();
    expect(isP256Point(x.subarray(1), y)).toBe(false);
    expect(isP256Point(x, Uint8Array.from([0, ...y]))).toBe(false);
  });
});
