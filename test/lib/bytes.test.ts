import { expect, test } from 'vitest';
import { fromBase64url, toBase64url } from '../../src/lib/bytes.js';

// Expected values are RFC 4648 clause 10's vectors, re-spelled in the URL-safe alphabet.
test('fromBase64url decodes the RFC 4648 vectors without padding', () => {
  const vectors: [string, string][] = [
    ['', ''],
    ['Zg', 'f'],
    ['Zm8', 'fo'],
    ['Zm9v', 'foo'],
    ['Zm9vYg', 'foob'],
    ['Zm9vYmE', 'fooba'],
    ['Zm9vYmFy', 'foobar'],
  ];
  for (const [text, plain] of vectors) {
    expect(Buffer.from(fromBase64url(text)!).toString('latin1')).toBe(plain);
  }
  // The URL-safe characters: 0xfb 0xff = "-_8" (standard alphabet "+/8").
  expect([...fromBase64url('-_8')!]).toEqual([0xfb, 0xff]);
});

test('fromBase64url refuses texts that are not canonical unpadded base64url', () => {
  for (const bad of [
    'Zh', // 2 chars: the low 4 bits of the last character must be 0 (Zg is canonical)
    'Zv', // 0x2f & 0x0f != 0
    'Zm9', // 3 chars: the low 2 bits must be 0 (Zm8 is canonical)
    'Zm-',
    'Zm9vY', // length % 4 = 1 can carry no whole byte
    'Zg==', // padding
    'Zm+v', // the standard alphabet's + and /
    'Zm/v',
    'Zm 9v', // whitespace Buffer would skip
    'Zm9v\n',
  ]) {
    expect(fromBase64url(bad), bad).toBeUndefined();
  }
  expect(fromBase64url(42)).toBeUndefined();
  expect(fromBase64url(undefined)).toBeUndefined();
});

test('every byte string round-trips, and every non-canonical last character is refused', () => {
  for (let length = 1; length <= 3; length++) {
    for (let last = 0; last < 256; last++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i === length - 1 ? last : 0xa5));
      const text = toBase64url(bytes);
      expect(fromBase64url(text)).toEqual(bytes);
    }
  }
  // For each possible last character, exactly the canonical ones decode: compare with a
  // re-encoding, which is canonical by construction.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (const stem of ['Z', 'Zm']) {
    for (const c of alphabet) {
      const text = stem + c;
      const canonical = Buffer.from(Buffer.from(text, 'base64url')).toString('base64url') === text;
      expect(fromBase64url(text) !== undefined, text).toBe(canonical);
    }
  }
});

test('the result is a copy of its own, not a view into a shared pool', () => {
  const bytes = fromBase64url('Zm9vYmFy')!;
  expect(bytes.byteOffset).toBe(0);
  expect(bytes.buffer.byteLength).toBe(6);
});
