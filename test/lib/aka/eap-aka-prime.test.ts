import { describe, expect, test } from 'vitest';
import { fromHex } from '../../../src/lib/bytes.js';
import { ckIkPrime, eapAkaPrimeKeys, prfPrime } from '../../../src/lib/aka/eap-aka-prime.js';
import { splitAutn } from '../../../src/lib/aka/five-g-aka.js';
import { hex, loadVectors, type EapAkaPrimeVector, type SharedVectors } from '../../helpers.js';

const shared = loadVectors<SharedVectors>('3gpp.json').eap_aka_prime.rfc5448_case1;
const rfc = loadVectors<{ cases: (EapAkaPrimeVector & { case: number })[] }>(
  'rfc5448-eap-aka-prime.json',
).cases;

describe.each([
  ['../shared/vectors/3gpp.json', [{ ...shared, case: 1 }]],
  ['RFC 5448 Appendix C', rfc],
])("EAP-AKA' keys against %s", (_source, cases) => {
  test.each(cases.map((c) => [c.case, c] as const))('case %i', (_n, c) => {
    const { sqnXorAk } = splitAutn(fromHex(c.AUTN));
    const { ckPrime, ikPrime } = ckIkPrime(fromHex(c.CK), fromHex(c.IK), c.networkName, sqnXorAk);
    expect(hex(ckPrime)).toBe(c.CKprime);
    expect(hex(ikPrime)).toBe(c.IKprime);
    const keys = eapAkaPrimeKeys(ckPrime, ikPrime, c.identity);
    expect(hex(keys.kEncr)).toBe(c.K_encr);
    expect(hex(keys.kAut)).toBe(c.K_aut);
    expect(hex(keys.kRe)).toBe(c.K_re);
    expect(hex(keys.msk)).toBe(c.MSK);
    expect(hex(keys.emsk)).toBe(c.EMSK);
  });
});

describe("PRF'", () => {
  test('a shorter output is a prefix of a longer one', () => {
    const key = new Uint8Array(32).fill(1);
    const s = new Uint8Array([1, 2, 3]);
    expect(hex(prfPrime(key, s, 40))).toBe(hex(prfPrime(key, s, 208)).slice(0, 80));
  });

  test('the RFC 5448 file has its four cases', () => {
    expect(rfc.map((c) => c.case)).toEqual(expect.arrayContaining([1, 2, 3, 4]));
  });
});
