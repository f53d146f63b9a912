import { describe, expect, test } from 'vitest';
import { fromHex, toHex } from '../../../src/lib/bytes.js';
import {
  CborFloat,
  MAX_CBOR_DEPTH,
  MAX_EVIDENCE_BYTES,
  Tagged,
  decodeCbor,
  encodeCbor,
} from '../../../src/lib/rats/cbor.js';
import { RatsError } from '../../../src/lib/rats/errors.js';

function malformed(bytes: Uint8Array, ...args: Parameters<typeof decodeCbor>[1][]): string {
  const r = decodeCbor(bytes, args[0]);
  expect(r.ok).toBe(false);
  if (r.ok) return '';
  expect(r.error).toBeInstanceOf(RatsError);
  expect(r.error.code).toBe('EVIDENCE_MALFORMED');
  return r.error.message;
}

function nested(depth: number): Uint8Array {
  // depth arrays of one element around 0
  const out = new Uint8Array(depth + 1).fill(0x81);
  out[depth] = 0x00;
  return out;
}

describe('encodeCbor', () => {
  test('deterministic encoding: map keys sorted bytewise (RFC 8949 4.2.1), preferred integers', () => {
    const m = new Map<number, unknown>([
      [256, 1],
      [-1, 24],
      [1, 'a'],
      [10, new Uint8Array([0xff])],
    ]);
    expect(toHex(encodeCbor(m))).toBe('a4' + '016161' + '0a41ff' + '19010001' + '201818');
  });

  test('tags, arrays, booleans', () => {
    expect(toHex(encodeCbor(new Tagged(61, new Tagged(18, [true, false, null]))))).toBe(
      'd83dd283f5f4f6',
    );
  });

  test('round trip through decodeCbor', () => {
    const value = new Map<number | string, unknown>([
      [1, [1, -2, 'x', new Uint8Array([1, 2, 3])]],
      ['t', new Map([[2, true]])],
    ]);
    const r = decodeCbor(encodeCbor(value));
    expect(r).toEqual({ ok: true, value });
  });
});

describe('decodeCbor', () => {
  test('integers, big integers and floats are told apart', () => {
    expect(decodeCbor(fromHex('1b001fffffffffffff'))).toEqual({ ok: true, value: 2 ** 53 - 1 });
    expect(decodeCbor(fromHex('1bffffffffffffffff'))).toEqual({
      ok: true,
      value: 2n ** 64n - 1n,
    });
    const f = decodeCbor(fromHex('f93c00'));
    expect(f.ok && f.value).toEqual(new CborFloat(1));
  });

  test('allowed tags decode to Tagged; others are refused', () => {
    const r = decodeCbor(fromHex('d24100'), { tags: [18] });
    expect(r.ok && r.value).toEqual(new Tagged(18, new Uint8Array([0])));
    expect(malformed(fromHex('d24100'))).toMatch(/tag/);
    expect(malformed(fromHex('c11a00000000'), { tags: [18, 17, 61] })).toMatch(
      /tag not supported \(1\)/,
    );
  });

  test('size limit', () => {
    const big = new Uint8Array(MAX_EVIDENCE_BYTES + 1);
    big.set([0x5a, 0, 0, 0x40, 0], 0); // bstr of 16380 bytes, then one more: over the limit
    expect(malformed(big)).toMatch(/16385 bytes, more than the 16384 allowed/);
    expect(decodeCbor(new Uint8Array(MAX_EVIDENCE_BYTES)).ok).toBe(false); // trailing bytes
    expect(malformed(fromHex('00'), { maxBytes: 0 })).toMatch(/more than/);
  });

  test('depth limit', () => {
    expect(decodeCbor(nested(MAX_CBOR_DEPTH)).ok).toBe(true);
    expect(malformed(nested(MAX_CBOR_DEPTH + 1))).toMatch(/nesting deeper than 16/);
    // maps and tags count too
    expect(malformed(fromHex('a101'.repeat(17) + '00'))).toMatch(/nesting/);
    expect(malformed(fromHex('d83d'.repeat(17) + '00'), { tags: [61] })).toMatch(/nesting/);
  });

  test('deep nesting never reaches the stack, whatever the size limit', () => {
    expect(malformed(nested(MAX_EVIDENCE_BYTES - 1))).toMatch(/nesting/);
    expect(malformed(nested(2_000_000), { maxBytes: 4_000_000 })).toMatch(/nesting/);
    // a caller raising the depth limit far beyond the stack still gets a Result, not a throw
    expect(malformed(nested(2_000_000), { maxBytes: 4_000_000, maxDepth: 3_000_000 })).toMatch(
      /call stack/,
    );
  });

  test.each([
    ['array', '9f01ff'],
    ['map', 'bf0101ff'],
    ['byte string', '5f4100ff'],
    ['text string', '7f6161ff'],
    ['break alone', 'ff'],
  ])('indefinite length (%s) is refused', (_name, hex) => {
    expect(malformed(fromHex(hex))).toMatch(/indefinite|break/);
  });

  test('duplicate map keys are refused', () => {
    expect(malformed(fromHex('a201000100'))).toMatch(/repeat map key/);
    expect(malformed(fromHex('a2616101616102'))).toMatch(/repeat map key/);
  });

  test('map keys other than integers and text are refused', () => {
    expect(malformed(fromHex('a1410000'))).toMatch(/map key of type bytes/);
    expect(malformed(fromHex('a1f93c0000'))).toMatch(/map key of type float/);
    expect(malformed(fromHex('a18000'))).toMatch(/map key of type array/);
  });

  test('trailing bytes are refused', () => {
    expect(malformed(fromHex('0000'))).toMatch(/too many terminals/);
  });

  test.each([
    ['non-minimal integer', '1801'],
    ['non-minimal length', '580100'],
    ['undefined', 'f7'],
    ['NaN', 'f97e00'],
    ['Infinity', 'f97c00'],
    ['truncated byte string', '4200'],
    ['truncated array', '8201'],
    ['reserved additional info', '1c'],
    ['empty input', ''],
    ['invalid UTF-8', '62fffe'],
    ['a UTF-16 surrogate in UTF-8', '63eda080'],
    ['invalid UTF-8 after a long head', '7818' + '61'.repeat(23) + 'ff'],
  ])('%s is refused', (_name, hex) => {
    malformed(fromHex(hex));
  });

  test('valid UTF-8 text, U+FFFD included, decodes', () => {
    expect(decodeCbor(fromHex('62c3a9'))).toEqual({ ok: true, value: 'é' });
    expect(decodeCbor(fromHex('63efbfbd'))).toEqual({ ok: true, value: '\uFFFD' });
    expect(decodeCbor(fromHex('7818' + '61'.repeat(21) + 'efbfbd'))).toEqual({
      ok: true,
      value: 'a'.repeat(21) + '\uFFFD',
    });
  });

  test('never throws on something that is not bytes', () => {
    expect(malformed('a0' as unknown as Uint8Array)).toMatch(/not a byte array/);
  });

  test('decoded byte strings do not share the caller buffer', () => {
    const input = fromHex('4101');
    const r = decodeCbor(input);
    input[1] = 2;
    expect(r.ok && r.value).toEqual(new Uint8Array([1]));
  });
});
