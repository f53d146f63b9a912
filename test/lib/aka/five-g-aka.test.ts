import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { concat, fromHex, utf8, xor } from '../../../src/lib/bytes.js';
import {
  checkHresStar,
  generateHeAv,
  hxresStar,
  kamf,
  kausf,
  kseaf,
  resStar,
  splitAutn,
} from '../../../src/lib/aka/five-g-aka.js';
import { FC, kdf, kdfInput } from '../../../src/lib/aka/kdf.js';
import { Milenage } from '../../../src/lib/aka/milenage.js';
import {
  parseServingNetworkName,
  servingNetworkName,
} from '../../../src/lib/aka/serving-network-name.js';
import { hex, loadVectors, type SharedVectors } from '../../helpers.js';

const vectors = loadVectors<SharedVectors>('3gpp.json');
const set1 = vectors.milenage[0]!;
const plmn = vectors['5g_aka'].plmn;
// From the vector's own description: Milenage set 1, SUPI 001010123456789, ABBA 0000.
const SUPI = '001010123456789';
const ABBA = fromHex('0000');

describe('5G AKA derivations (TS 33.501 Annex A) against the published vector', () => {
  const k = fromHex(set1.K);
  const opc = fromHex(set1.OPc);
  const rand = fromHex(set1.RAND);
  const sqn = fromHex(set1.SQN);
  const amf = fromHex(set1.AMF);

  test('the generated HE AV', () => {
    const av = generateHeAv({ k, opc, rand, sqn, amf, snn: plmn.snn });
    expect(hex(av.autn)).toBe(plmn.AUTN);
    expect(hex(av.xresStar)).toBe(plmn.XRESstar);
    expect(hex(av.hxresStar)).toBe(plmn.HXRESstar);
    expect(hex(av.kausf)).toBe(plmn.KAUSF);
  });

  test('each derivation on its own, then KSEAF and KAMF', () => {
    const m = new Milenage(k, opc).compute(rand, sqn, amf);
    const sqnXorAk = xor(sqn, m.ak);
    expect(hex(resStar(m.ck, m.ik, plmn.snn, rand, m.res))).toBe(plmn.XRESstar);
    expect(hex(hxresStar(rand, fromHex(plmn.XRESstar)))).toBe(plmn.HXRESstar);
    expect(hex(kausf(m.ck, m.ik, plmn.snn, sqnXorAk))).toBe(plmn.KAUSF);
    expect(hex(kseaf(fromHex(plmn.KAUSF), plmn.snn))).toBe(plmn.KSEAF);
    expect(hex(kamf(fromHex(plmn.KSEAF), SUPI, ABBA))).toBe(plmn.KAMF);
    expect(checkHresStar(rand, fromHex(plmn.XRESstar), fromHex(plmn.HXRESstar))).toBe(true);
    expect(checkHresStar(rand, new Uint8Array(16), fromHex(plmn.HXRESstar))).toBe(false);
  });
});

describe('the generic KDF (TS 33.220 B.2)', () => {
  test('S = FC || P0 || L0 || P1 || L1, lengths two bytes big-endian', () => {
    const s = kdfInput(0x6a, [utf8('ab'), new Uint8Array(300)]);
    expect(hex(s.subarray(0, 5))).toBe('6a61620002');
    expect(s.length).toBe(1 + 2 + 2 + 300 + 2);
    expect(hex(s.subarray(s.length - 2))).toBe('012c');
  });

  test('is HMAC-SHA-256(key, S), computed independently with node:crypto', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 0, max: 255 }),
        fc.array(fc.uint8Array({ maxLength: 90 }), { maxLength: 4 }),
        (key, code, params) => {
          const parts: Uint8Array[] = [Uint8Array.of(code)];
          for (const p of params) parts.push(p, Uint8Array.of(p.length >> 8, p.length & 0xff));
          const expected = createHmac('sha256', key)
            .update(concat(...parts))
            .digest('hex');
          expect(hex(kdf(key, code, params))).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('rejects an FC that is not one byte', () => {
    expect(() => kdf(new Uint8Array(32), 256, [])).toThrow(/FC must be one byte/);
  });
});

describe('generateHeAv, the fast path, equals the step-by-step composition', () => {
  test('on random subscribers, challenges and networks', () => {
    const nid = fc.stringMatching(/^[0-9A-F]{11}$/);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 6, maxLength: 6 }),
        fc.uint8Array({ minLength: 2, maxLength: 2 }),
        fc.option(nid, { nil: undefined }),
        (k, opc, rand, sqn, amf, maybeNid) => {
          const network = { mcc: '001', mnc: '01' };
          const snn = servingNetworkName(maybeNid ? { ...network, nid: maybeNid } : network);
          const av = generateHeAv({ k, opc, rand, sqn, amf, snn });
          const m = new Milenage(k, opc).compute(rand, sqn, amf);
          const sqnXorAk = xor(sqn, m.ak);
          const xres = resStar(m.ck, m.ik, snn, rand, m.res);
          expect(hex(av.autn)).toBe(hex(concat(sqnXorAk, amf, m.macA)));
          expect(hex(av.xresStar)).toBe(hex(xres));
          // HXRES* independently: SHA-256 of RAND || XRES*, low 128 bits.
          expect(hex(av.hxresStar)).toBe(
            createHash('sha256').update(concat(rand, xres)).digest('hex').slice(32),
          );
          expect(hex(av.kausf)).toBe(hex(kausf(m.ck, m.ik, snn, sqnXorAk)));
          expect(hex(splitAutn(av.autn).sqnXorAk)).toBe(hex(sqnXorAk));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('FC values are those of TS 33.501 Annex A and TS 33.402 A.2', () => {
    expect(FC).toEqual({
      CK_PRIME_IK_PRIME: 0x20,
      KAUSF: 0x6a,
      RES_STAR: 0x6b,
      KSEAF: 0x6c,
      KAMF: 0x6d,
    });
  });
});

describe('serving network name', () => {
  test('PLMN: a two-digit MNC gets a leading zero', () => {
    expect(servingNetworkName({ mcc: '001', mnc: '01' })).toBe('5G:mnc001.mcc001.3gppnetwork.org');
    expect(servingNetworkName({ mcc: '310', mnc: '410' })).toBe('5G:mnc410.mcc310.3gppnetwork.org');
  });

  test('SNPN: the NID follows a colon in upper-case hex', () => {
    const snn = servingNetworkName({ mcc: '001', mnc: '01', nid: '000007ed9d5' });
    expect(snn).toBe('5G:mnc001.mcc001.3gppnetwork.org:000007ED9D5');
    expect(parseServingNetworkName(snn)).toEqual({ mcc: '001', mnc: '001', nid: '000007ED9D5' });
  });

  test.each([
    [{ mcc: '01', mnc: '01' }, /MCC/],
    [{ mcc: '001', mnc: '1' }, /MNC/],
    [{ mcc: '001', mnc: '01', nid: '7ED9D5' }, /NID/],
  ])('rejects %j', (network, message) => {
    expect(() => servingNetworkName(network)).toThrow(message);
  });

  test('parse rejects anything else', () => {
    expect(() => parseServingNetworkName('5G:mnc01.mcc001.3gppnetwork.org')).toThrow(
      /expected 5G:mnc/,
    );
  });
});
