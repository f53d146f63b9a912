// The 5G composition of EAP-AKA' keys: the Identity of MK is the SUPI (TS 33.501 F.3), the
// peer's path from CK and IK meets the server's from CK' and IK' (RFC 5448 Appendix C case 1),
// and MK is checked against PRF' written here again with node:crypto.
import { describe, expect, test } from 'vitest';
import { fromHex } from '../../../src/lib/bytes.js';
import {
  kausfFromEmsk,
  keyDerivationIdentity,
  peerKeys,
  serverKeys,
} from '../../../src/lib/eap/index.js';
import { hex, loadVectors, type EapAkaPrimeVector } from '../../helpers.js';
import { prfPrime } from '../../reference-kdf.js';

const cases = loadVectors<{ cases: (EapAkaPrimeVector & { case: number })[] }>(
  'rfc5448-eap-aka-prime.json',
).cases;

describe('the Identity of MK in 5G (TS 33.501 F.3)', () => {
  test.each([
    ['imsi-001010123456789', '001010123456789'],
    ['imsi-00101', '00101'],
    ['nai-device42@snpn.example.org', 'device42@snpn.example.org'],
  ])('%s -> %s', (supi, identity) => {
    expect(keyDerivationIdentity(supi)).toBe(identity);
  });

  test.each([['suci-0-001-01-0000-0-0-0123456789'], ['imsi-12ab'], ['nai-nouser'], ['']])(
    '%s is no SUPI',
    (supi) => {
      expect(() => keyDerivationIdentity(supi)).toThrow(/SUPI/);
    },
  );
});

describe.each(cases.map((c) => [c.case, c] as const))('RFC 5448 case %i', (_n, c) => {
  const supi = 'imsi-001010123456789';

  test("the peer (CK, IK, AUTN, network name) and the server (CK', IK') agree", () => {
    const peer = peerKeys({
      ck: fromHex(c.CK),
      ik: fromHex(c.IK),
      autn: fromHex(c.AUTN),
      networkName: c.networkName,
      supi,
    });
    const server = serverKeys(fromHex(c.CKprime), fromHex(c.IKprime), supi);
    expect(hex(peer.kAut)).toBe(hex(server.kAut));
    expect(hex(peer.emsk)).toBe(hex(server.emsk));
  });

  test("MK = PRF'(IK'|CK', \"EAP-AKA'\"|IMSI digits), split as RFC 9048 3.3", () => {
    const mk = prfPrime(
      Buffer.from(c.IKprime + c.CKprime, 'hex'),
      Buffer.from("EAP-AKA'001010123456789", 'utf8'),
      208,
    );
    const keys = serverKeys(fromHex(c.CKprime), fromHex(c.IKprime), supi);
    expect(hex(keys.kEncr)).toBe(mk.subarray(0, 16).toString('hex'));
    expect(hex(keys.kAut)).toBe(mk.subarray(16, 48).toString('hex'));
    expect(hex(keys.kRe)).toBe(mk.subarray(48, 80).toString('hex'));
    expect(hex(keys.msk)).toBe(mk.subarray(80, 144).toString('hex'));
    expect(hex(keys.emsk)).toBe(mk.subarray(144, 208).toString('hex'));
  });
});

test('KAUSF is the first 256 bits of EMSK', () => {
  const emsk = fromHex(cases[0]!.EMSK);
  expect(hex(kausfFromEmsk(emsk))).toBe(cases[0]!.EMSK.slice(0, 64));
  expect(() => kausfFromEmsk(emsk.subarray(0, 32))).toThrow();
});

test("with the RFC's own identity, serverKeys' split matches the published keys", () => {
  // The RFC's identity 0555444333222111 is an EAP-AKA permanent identity, not a SUPI; the
  // published K_aut checks the PRF' used above.
  const c = cases[0]!;
  const mk = prfPrime(
    Buffer.from(c.IKprime + c.CKprime, 'hex'),
    Buffer.from(`EAP-AKA'${c.identity}`, 'utf8'),
    208,
  );
  expect(mk.subarray(16, 48).toString('hex')).toBe(c.K_aut);
  expect(mk.subarray(144, 208).toString('hex')).toBe(c.EMSK);
});
