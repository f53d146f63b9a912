import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { fromHex, utf8 } from '../../../src/lib/bytes.js';
import { HmacSha256Key, hmacSha256, sha256 } from '../../../src/lib/aka/sha256.js';
import { hex } from '../../helpers.js';

describe('SHA-256', () => {
  // FIPS 180-2 Appendix B examples.
  test.each([
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ])('FIPS 180-2 %j', (message, digest) => {
    expect(hex(sha256(utf8(message)))).toBe(digest);
  });

  test('one million "a" (FIPS 180-2 B.3)', () => {
    expect(hex(sha256(new Uint8Array(1_000_000).fill(0x61)))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    );
  });

  test('agrees with node:crypto on every length around the block boundaries', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (message) => {
        expect(hex(sha256(message))).toBe(createHash('sha256').update(message).digest('hex'));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('HMAC-SHA-256', () => {
  // RFC 4231 test cases 1, 2 and 6 (key longer than the block).
  test.each([
    [
      '0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b',
      '4869205468657265',
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    ],
    [
      '4a656665',
      '7768617420646f2079612077616e7420666f72206e6f7468696e673f',
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    ],
    [
      'aa'.repeat(131),
      '54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374',
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    ],
  ])('RFC 4231 key %s', (key, data, mac) => {
    expect(hex(hmacSha256(fromHex(key), fromHex(data)))).toBe(mac);
  });

  test('a precomputed key gives the same MAC as node:crypto, again and again', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 100 }),
        fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 4 }),
        (key, messages) => {
          const k = new HmacSha256Key(key);
          for (const m of messages) {
            expect(hex(k.mac(m))).toBe(createHmac('sha256', key).update(m).digest('hex'));
          }
          const joined = Buffer.concat(messages);
          expect(hex(k.macParts([...messages, 7]))).toBe(
            createHmac('sha256', key).update(joined).update(Uint8Array.of(7)).digest('hex'),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });
});
