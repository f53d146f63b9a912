import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { fromHex } from '../../../src/lib/bytes.js';
import { AkaError } from '../../../src/lib/aka/errors.js';
import { Milenage, opcFromOp } from '../../../src/lib/aka/milenage.js';
import { hex, loadVectors, type MilenageVector, type SharedVectors } from '../../helpers.js';

const shared = loadVectors<SharedVectors>('3gpp.json').milenage;
const ts35208 = loadVectors<{ sets: MilenageVector[] }>('ts35208-milenage.json').sets;

describe.each([
  ['../shared/vectors/3gpp.json', shared],
  ['TS 35.208 test sets', ts35208],
])('Milenage against %s', (_source, sets) => {
  test.each(sets.map((s) => [s.set, s] as const))('test set %i', (_n, s) => {
    const k = fromHex(s.K);
    expect(hex(opcFromOp(k, fromHex(s.OP)))).toBe(s.OPc.toLowerCase());
    const m = new Milenage(k, fromHex(s.OPc));
    const rand = fromHex(s.RAND);
    const sqn = fromHex(s.SQN);
    const amf = fromHex(s.AMF);
    const all = m.compute(rand, sqn, amf);
    const expected = {
      macA: s.f1,
      macS: s.f1star,
      res: s.f2_RES,
      ck: s.f3_CK,
      ik: s.f4_IK,
      ak: s.f5_AK,
      akStar: s.f5star,
    };
    expect(Object.fromEntries(Object.entries(all).map(([k2, v]) => [k2, hex(v)]))).toEqual(
      Object.fromEntries(Object.entries(expected).map(([k2, v]) => [k2, v.toLowerCase()])),
    );
    // Each function on its own gives the same value as the combined computation.
    expect(hex(m.f1(rand, sqn, amf))).toBe(s.f1.toLowerCase());
    expect(hex(m.f1star(rand, sqn, amf))).toBe(s.f1star.toLowerCase());
    expect(hex(m.f2(rand))).toBe(s.f2_RES.toLowerCase());
    expect(hex(m.f3(rand))).toBe(s.f3_CK.toLowerCase());
    expect(hex(m.f4(rand))).toBe(s.f4_IK.toLowerCase());
    expect(hex(m.f5(rand))).toBe(s.f5_AK.toLowerCase());
    expect(hex(m.f5star(rand))).toBe(s.f5star.toLowerCase());
  });
});

describe('Milenage inputs', () => {
  test('the TS 35.208 file has the six implementors test sets at least', () => {
    expect(ts35208.length).toBeGreaterThanOrEqual(6);
  });

  test.each([
    ['K', () => new Milenage(new Uint8Array(15), new Uint8Array(16))],
    ['OPc', () => new Milenage(new Uint8Array(16), new Uint8Array(17))],
    ['RAND', () => new Milenage(new Uint8Array(16), new Uint8Array(16)).f2(new Uint8Array(8))],
    [
      'SQN',
      () =>
        new Milenage(new Uint8Array(16), new Uint8Array(16)).f1(
          new Uint8Array(16),
          new Uint8Array(5),
          new Uint8Array(2),
        ),
    ],
  ])('a wrong-length %s is an AkaError naming it', (what, call) => {
    expect(call).toThrowError(AkaError);
    expect(call).toThrowError(new RegExp(`^${what} must be`));
  });

  test('one Milenage object serves many RANDs (the cipher is reused, not consumed)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.array(fc.uint8Array({ minLength: 16, maxLength: 16 }), { minLength: 2, maxLength: 5 }),
        (k, opc, rands) => {
          const shared = new Milenage(k, opc);
          for (const rand of rands) {
            expect(hex(shared.f3(rand))).toBe(hex(new Milenage(k, opc).f3(rand)));
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
