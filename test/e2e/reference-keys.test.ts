// The end-to-end tests judge the network's keys with test/e2e/reference-keys.ts; these published
// vectors judge that reference first.
import { expect, test } from 'vitest';
import { loadVectors, type MilenageVector, type SharedVectors } from '../helpers.js';
import { akaPrimeChallengeOf, kamfHere, kausfHere, milenageHere, sqnOf } from './reference-keys.js';

const { sets } = loadVectors<{ sets: MilenageVector[] }>('ts35208-milenage.json');
const shared = loadVectors<SharedVectors>('3gpp.json');

test.each(sets.map((s) => [s.set, s] as const))('Milenage f2-f5, TS 35.208 set %i', (_, s) => {
  const m = milenageHere(s.K, s.OPc, s.RAND);
  expect({
    res: m.res.toString('hex'),
    ck: m.ck.toString('hex'),
    ik: m.ik.toString('hex'),
    ak: m.ak.toString('hex'),
  }).toEqual({ res: s.f2_RES, ck: s.f3_CK, ik: s.f4_IK, ak: s.f5_AK });
});

test('5G AKA: KAMF and SQN of the shared vector (Milenage set 1, SUPI 001010123456789)', () => {
  const s = sets[0]!;
  const ue = { supi: 'imsi-001010123456789', k: s.K, opc: s.OPc };
  const { snn, AUTN, KAMF } = shared['5g_aka'].plmn;
  expect(kamfHere(ue, '5G_AKA', snn, s.RAND, AUTN)).toBe(KAMF);
  expect(sqnOf(ue, s.RAND, AUTN)).toBe(Number.parseInt(s.SQN, 16));
});

test("EAP-AKA': KAUSF is the first 256 bits of EMSK (RFC 5448 test case 1)", () => {
  const v = shared.eap_aka_prime.rfc5448_case1;
  const kausf = kausfHere('EAP_AKA_PRIME', {
    ck: Buffer.from(v.CK, 'hex'),
    ik: Buffer.from(v.IK, 'hex'),
    sqnXorAk: Buffer.from(v.AUTN, 'hex').subarray(0, 6),
    snn: v.networkName,
    identity: v.identity,
  });
  expect(kausf.toString('hex')).toBe(v.EMSK.slice(0, 64));
});

test("AT_RAND and AT_AUTN are read from an EAP-Request/AKA'-Challenge, nothing from other packets", () => {
  const rand = '81e92b6c0ee0e12ebceba8d92a99dfa5';
  const autn = 'bb52e91c747ac3ab2a5c23d15ee351d5';
  // RFC 4187 / RFC 9048 layout: header, subtype 1, then AT_RAND (1), AT_KDF (24), AT_AUTN (2)
  const attrs = Buffer.concat([
    Buffer.from(`01050000${rand}`, 'hex'),
    Buffer.from('18010001', 'hex'),
    Buffer.from(`02050000${autn}`, 'hex'),
  ]);
  const header = Buffer.from([1, 7, 0, 8 + attrs.length, 50, 1, 0, 0]);
  const packet = Buffer.concat([header, attrs]);
  expect(akaPrimeChallengeOf(packet.toString('base64'))).toEqual({ rand, autn });
  const response = Buffer.from(packet);
  response[0] = 2;
  expect(akaPrimeChallengeOf(response.toString('base64'))).toBeUndefined();
});
