import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { fromHex, xor } from '../../../src/lib/bytes.js';
import { AkaError } from '../../../src/lib/aka/errors.js';
import { generateHeAv } from '../../../src/lib/aka/five-g-aka.js';
import { Milenage } from '../../../src/lib/aka/milenage.js';
import {
  DEFAULT_SQN_PROFILE,
  nextSqn,
  sqnAfterResync,
  sqnToBytes,
  sqnToNumber,
  UsimSqnArray,
} from '../../../src/lib/aka/sqn.js';
import { checkAuthentication, computeAuts, resynchronise } from '../../../src/lib/aka/usim.js';
import { hex, loadVectors, type SharedVectors } from '../../helpers.js';

const vectors = loadVectors<SharedVectors>('3gpp.json');
const set1 = vectors.milenage[0]!;
const SNN = '5G:mnc001.mcc001.3gppnetwork.org:000007ED9D5';
const AMF = fromHex('8000');

const key16 = fc.uint8Array({ minLength: 16, maxLength: 16 });

describe('USIM verdict on the published vector', () => {
  test('AUTN of set 1 is accepted below its SQN, and RES* is the published XRES*', () => {
    const sqn = sqnToNumber(fromHex(set1.SQN));
    const result = checkAuthentication({
      k: fromHex(set1.K),
      opc: fromHex(set1.OPc),
      rand: fromHex(set1.RAND),
      autn: fromHex(vectors['5g_aka'].plmn.AUTN),
      sqnArray: UsimSqnArray.fromSqnMs(sqn - 64),
      snn: vectors['5g_aka'].plmn.snn,
    });
    expect(result.result).toBe('ok');
    if (result.result !== 'ok') return;
    expect(hex(result.res)).toBe(set1.f2_RES);
    expect(hex(result.resStar!)).toBe(vectors['5g_aka'].plmn.XRESstar);
    expect(hex(result.sqn)).toBe(set1.SQN);
  });

  test('AUTS is (SQN_MS XOR AK*) || f1*(SQN_MS, RAND, AMF 0000), from the vector values', () => {
    // With SQN_MS = SQN of set 1 and AMF = b9b9 the published f1* would apply; AUTS uses the
    // dummy AMF 0000 (TS 33.102 6.3.3), so only the concealment part is checked by vector here.
    const m = new Milenage(fromHex(set1.K), fromHex(set1.OPc));
    const auts = computeAuts(m, fromHex(set1.RAND), fromHex(set1.SQN));
    expect(hex(auts.subarray(0, 6))).toBe(hex(xor(fromHex(set1.SQN), fromHex(set1.f5star))));
    expect(hex(auts.subarray(6))).toBe(
      hex(m.f1star(fromHex(set1.RAND), fromHex(set1.SQN), fromHex('0000'))),
    );
  });
});

describe('AKA round trips (property tests)', () => {
  test('a fresh vector is accepted and RES* equals XRES*; replaying it is a sync failure', () => {
    fc.assert(
      fc.property(key16, key16, key16, fc.integer({ min: 0, max: 2 ** 40 }), (k, opc, rand, he) => {
        const sqnArray = UsimSqnArray.fromSqnMs(he);
        const sqn = nextSqn(he);
        const av = generateHeAv({ k, opc, rand, sqn: sqnToBytes(sqn), amf: AMF, snn: SNN });
        const first = checkAuthentication({ k, opc, rand, autn: av.autn, sqnArray, snn: SNN });
        expect(first.result).toBe('ok');
        if (first.result === 'ok') expect(hex(first.resStar!)).toBe(hex(av.xresStar));
        const replay = checkAuthentication({ k, opc, rand, autn: av.autn, sqnArray, snn: SNN });
        expect(replay.result).toBe('sync_failure');
      }),
      { numRuns: 200 },
    );
  });

  test('a different K, OPc or a flipped AUTN bit is a MAC failure, and the SQN array is untouched', () => {
    fc.assert(
      fc.property(
        key16,
        key16,
        key16,
        key16,
        fc.integer({ min: 0, max: 127 }),
        (k, opc, rand, otherK, bit) => {
          fc.pre(hex(k) !== hex(otherK));
          const sqnArray = new UsimSqnArray();
          const before = JSON.stringify(sqnArray);
          const av = generateHeAv({
            k,
            opc,
            rand,
            sqn: sqnToBytes(nextSqn(0)),
            amf: AMF,
            snn: SNN,
          });
          const wrongK = checkAuthentication({ k: otherK, opc, rand, autn: av.autn, sqnArray });
          expect(wrongK.result).toBe('mac_failure');
          const flipped = av.autn.slice();
          flipped[bit >> 3]! ^= 0x80 >> (bit & 7);
          expect(checkAuthentication({ k, opc, rand, autn: flipped, sqnArray }).result).toBe(
            'mac_failure',
          );
          expect(JSON.stringify(sqnArray)).toBe(before);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('resynchronisation: USIM ahead -> AUTS -> HE recovers SQN_MS -> next vector accepted', () => {
    fc.assert(
      fc.property(
        key16,
        key16,
        key16,
        key16,
        fc.integer({ min: 0, max: 2 ** 30 }),
        fc.integer({ min: 1, max: 2 ** 20 }),
        (k, opc, rand, rand2, heSqn, lead) => {
          // The USIM has accepted SEQs up to `lead` above what the HE will use next.
          const usim = UsimSqnArray.fromSqnMs(heSqn + lead * 32);
          const av = generateHeAv({
            k,
            opc,
            rand,
            sqn: sqnToBytes(nextSqn(heSqn)),
            amf: AMF,
            snn: SNN,
          });
          const r = checkAuthentication({ k, opc, rand, autn: av.autn, sqnArray: usim, snn: SNN });
          expect(r.result).toBe('sync_failure');
          if (r.result !== 'sync_failure') return;
          const sqnMs = resynchronise({ k, opc, rand, auts: r.auts });
          expect(sqnToNumber(sqnMs)).toBe(usim.sqnMs());
          const fresh = sqnAfterResync(sqnToNumber(sqnMs));
          const av2 = generateHeAv({
            k,
            opc,
            rand: rand2,
            sqn: sqnToBytes(fresh),
            amf: AMF,
            snn: SNN,
          });
          const r2 = checkAuthentication({
            k,
            opc,
            rand: rand2,
            autn: av2.autn,
            sqnArray: usim,
            snn: SNN,
          });
          expect(r2.result).toBe('ok');
        },
      ),
      { numRuns: 200 },
    );
  });

  test('an AUTS made with another K, or for another RAND, does not verify', () => {
    fc.assert(
      fc.property(key16, key16, key16, key16, (k, opc, rand, other) => {
        fc.pre(hex(rand) !== hex(other));
        const auts = computeAuts(new Milenage(k, opc), rand, sqnToBytes(12345));
        expect(() => resynchronise({ k, opc, rand: other, auts })).toThrowError(AkaError);
        expect(() => resynchronise({ k: other, opc, rand, auts })).toThrowError(
          /MAC-S in AUTS does not verify/,
        );
      }),
      { numRuns: 100 },
    );
  });
});

describe('sequence numbers (TS 33.102 Annex C)', () => {
  const IND = DEFAULT_SQN_PROFILE.indBits;
  const sqnOf = (seq: number, ind: number) => seq * 2 ** IND + ind;

  test('the HE increments SEQ and steps IND through the array', () => {
    expect(nextSqn(sqnOf(7, 3))).toBe(sqnOf(8, 4));
    expect(nextSqn(sqnOf(7, 31))).toBe(sqnOf(8, 0));
  });

  test('vectors used out of order are accepted when they fall in different slots', () => {
    const usim = new UsimSqnArray();
    const a = nextSqn(sqnOf(10, 0));
    const b = nextSqn(a);
    expect(usim.verify(b)).toBe('accepted');
    usim.accept(b);
    expect(usim.verify(a)).toBe('accepted');
    usim.accept(a);
    expect(usim.verify(a)).toBe('not_fresh');
  });

  test('property: accepted iff SEQ > SEQ_MS(IND) and within Δ of the highest SEQ', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2 ** 29 }), { minLength: 32, maxLength: 32 }),
        fc.integer({ min: 0, max: 2 ** 30 }),
        fc.integer({ min: 0, max: 31 }),
        (slots, seq, ind) => {
          const usim = new UsimSqnArray(DEFAULT_SQN_PROFILE, slots);
          const highest = Math.max(...slots);
          const expected =
            seq - highest > 2 ** 28
              ? 'too_far_ahead'
              : seq > slots[ind]!
                ? 'accepted'
                : 'not_fresh';
          expect(usim.verify(sqnOf(seq, ind))).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('the freshness limit L refuses a SEQ older than the highest by L or more', () => {
    const usim = new UsimSqnArray({ ...DEFAULT_SQN_PROFILE, freshnessLimit: 16 });
    usim.accept(sqnOf(100, 0));
    expect(usim.verify(sqnOf(84, 1))).toBe('not_fresh');
    expect(usim.verify(sqnOf(85, 1))).toBe('accepted');
  });

  test('SQN_MS for AUTS is the highest accepted SEQ with its IND', () => {
    const usim = new UsimSqnArray();
    usim.accept(sqnOf(5, 2));
    usim.accept(sqnOf(9, 7));
    usim.accept(sqnOf(6, 3));
    expect(usim.sqnMs()).toBe(sqnOf(9, 7));
  });

  test('an array known only by SQN_MS reports that very SQN_MS, its IND included', () => {
    expect(UsimSqnArray.fromSqnMs(sqnOf(40, 7)).sqnMs()).toBe(sqnOf(40, 7));
    const usim = UsimSqnArray.fromSqnMs(sqnOf(40, 7));
    usim.accept(sqnOf(41, 3));
    expect(usim.sqnMs()).toBe(sqnOf(41, 3));
  });

  test('without IND (0 bits) SQN is a plain counter', () => {
    const profile = { indBits: 0, delta: 2 ** 28 };
    const usim = UsimSqnArray.fromSqnMs(41, profile);
    expect(usim.verify(41)).toBe('not_fresh');
    expect(usim.verify(42)).toBe('accepted');
    expect(nextSqn(41, profile)).toBe(42);
  });

  test('state survives a round trip through JSON', () => {
    const usim = new UsimSqnArray();
    usim.accept(sqnOf(3, 4));
    const saved = usim.toJSON();
    const restored = new UsimSqnArray(saved.profile, saved.seqMs, saved.highestInd);
    expect(restored.verify(sqnOf(3, 4))).toBe('not_fresh');
    expect(restored.sqnMs()).toBe(sqnOf(3, 4));
  });

  test('out-of-range SQN values are refused', () => {
    expect(() => sqnToBytes(2 ** 48)).toThrow(/SQN must be/);
    expect(() => new UsimSqnArray(DEFAULT_SQN_PROFILE, [1, 2])).toThrow(/32 entries/);
  });
});
