import { createDecipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { seal, SealError, unseal } from '../../src/lib/seal.js';

const kek = new Uint8Array(randomBytes(32));

test('round trip, and the format is AES-256-GCM as documented (checked with node:crypto)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.string(), (secret, aad) => {
      const sealed = seal(kek, secret, aad);
      expect(Buffer.from(unseal(kek, sealed, aad))).toEqual(Buffer.from(secret));
      const raw = Buffer.from(sealed.slice(3), 'base64url');
      const d = createDecipheriv('aes-256-gcm', kek, raw.subarray(0, 12));
      d.setAAD(Buffer.from(aad, 'utf8'));
      d.setAuthTag(raw.subarray(raw.length - 16));
      expect(Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()])).toEqual(
        Buffer.from(secret),
      );
    }),
    { numRuns: 200 },
  );
});

test('another KEK, another AAD, or a flipped bit does not open, and says so without data', () => {
  const sealed = seal(kek, Uint8Array.of(1, 2, 3), 'dcs.devices:0102');
  expect(() => unseal(new Uint8Array(randomBytes(32)), sealed, 'dcs.devices:0102')).toThrow(
    SealError,
  );
  expect(() => unseal(kek, sealed, 'dcs.devices:0103')).toThrow(/does not open/);
  // Change the second-to-last character (inside the tag), whatever it is.
  const flipped = sealed.slice(0, -2) + (sealed.at(-2) === 'A' ? 'B' : 'A') + sealed.slice(-1);
  expect(flipped).not.toBe(sealed);
  expect(() => unseal(kek, flipped, 'dcs.devices:0102')).toThrow(SealError);
  expect(() => unseal(kek, 'v2.xxxx', 'a')).toThrow(/known version/);
  expect(() => seal(new Uint8Array(16), Uint8Array.of(1), 'a')).toThrow(/32 bytes/);
});

test('sealing the same secret twice gives different values (fresh IV)', () => {
  expect(seal(kek, Uint8Array.of(9), 'a')).not.toBe(seal(kek, Uint8Array.of(9), 'a'));
});
