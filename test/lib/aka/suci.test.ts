import {
  createCipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
} from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { concat, fromHex, utf8 } from '../../../src/lib/bytes.js';
import { AkaError } from '../../../src/lib/aka/errors.js';
import {
  aes128Ctr32,
  eciesKeys,
  eciesProfileA,
  eciesProfileB,
  x963Kdf,
  type EciesProfile,
} from '../../../src/lib/aka/suci-ecies.js';
import {
  concealSupi,
  concealSupiToSuci,
  formatSuci,
  parseSuci,
  revealSuci,
  type ProtectionScheme,
  type Suci,
} from '../../../src/lib/aka/suci.js';
import {
  bcdToMsin,
  formatSupi,
  imsiDigits,
  msinToBcd,
  parseSupi,
  supiValue,
  type Supi,
} from '../../../src/lib/aka/supi.js';
import { hex, loadVectors } from '../../helpers.js';

// ---- vectors ----------------------------------------------------------------------------------

interface ImsiEciesVector {
  hnPriv: string;
  ephPriv: string;
  sharedZ: string;
  encKey: string;
  icb: string;
  macKey: string;
  plaintext_MSIN_BCD: string;
  ciphertext: string;
  mac: string;
  schemeOutput: string;
}

interface SharedSuciVectors {
  suci_profile_a_imsi: ImsiEciesVector & {
    hnPub: string;
    ephPub: string;
    imsi: string;
    suci_string_example: { suci: string; supi: string };
  };
  suci_profile_b_imsi: ImsiEciesVector & {
    hnPubUncompressed: string;
    hnPubCompressed: string;
    ephPubCompressed: string;
  };
}

interface NaiEciesVector {
  supi: string;
  hnPriv: string;
  ephPriv: string;
  sharedZ: string;
  encKey: string;
  plaintext: string;
  ciphertext: string;
  macKey: string;
  mac: string;
  schemeOutput: string;
}

interface NaiVectors {
  null_imsi: { mcc: string; mnc: string; msin: string; schemeInput: string; schemeOutput: string };
  null_nai: { supi: string; schemeInput: string; schemeOutput: string };
  profile_a_nai: NaiEciesVector & { hnPub: string; ephPub: string };
  profile_b_nai: NaiEciesVector & {
    hnPubUncompressed: string;
    hnPubCompressed: string;
    ephPubCompressed: string;
  };
  suci_string_examples: { cases: { name: string; nai: string; ts29503: string }[] };
}

const shared = loadVectors<SharedSuciVectors>('3gpp.json');
const nai = loadVectors<NaiVectors>('ts33501-suci-nai.json');
const A = shared.suci_profile_a_imsi;
const B = shared.suci_profile_b_imsi;
// The IMSI of TS 33.501 C.4: MCC|MNC 274012 and MSIN 001002086, so a 3-digit MNC.
const C4_IMSI = 'imsi-274012001002086';

const lower = (s: string): string => s.toLowerCase();
const h = (s: string): Uint8Array => fromHex(s);

/** The AkaError code `fn` throws; anything else thrown fails the test. */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof AkaError) return err.code;
    throw err;
  }
  return 'no error';
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof AkaError) return err.message;
    throw err;
  }
  return '';
}

// ---- an independent reference for the ECIES pieces (node:crypto only, no code under test) ----

function refX963(z: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 1; parts.length * 32 < length; i++) {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(i);
    parts.push(createHash('sha256').update(z).update(counter).update(info).digest());
  }
  return Buffer.concat(parts).subarray(0, length);
}

function refCtr(key: Uint8Array, icb: Uint8Array, data: Uint8Array): Uint8Array {
  return createCipheriv('aes-128-ctr', key, icb).update(data);
}

// ---- SUPI ---------------------------------------------------------------------------------------

describe('SUPI (TS 23.003 2.2A, TS 29.571)', () => {
  test('IMSI with a 2- or 3-digit MNC, and back to its string', () => {
    expect(parseSupi('imsi-001010123456789')).toEqual({
      type: 'imsi',
      mcc: '001',
      mnc: '01',
      msin: '0123456789',
    });
    const supi = parseSupi(C4_IMSI, 3);
    expect(supi).toEqual({ type: 'imsi', mcc: '274', mnc: '012', msin: '001002086' });
    expect(formatSupi(supi)).toBe(C4_IMSI);
    expect(imsiDigits(supi)).toBe('274012001002086');
    expect(supiValue(supi)).toBe('274012001002086');
  });

  test('NAI, UTF-8 usernames included', () => {
    const supi = parseSupi('nai-verylongusername1@3gpp.com');
    expect(supi).toEqual({ type: 'nai', username: 'verylongusername1', realm: '3gpp.com' });
    expect(formatSupi(supi)).toBe('nai-verylongusername1@3gpp.com');
    expect(supiValue(supi)).toBe('verylongusername1@3gpp.com');
    expect(parseSupi("nai-j.örg+x'1@snpn-1.example.org")).toMatchObject({ username: "j.örg+x'1" });
    // A leading U+FEFF is a character of the username, not a byte order mark to drop.
    const bom = parseSupi('nai-\uFEFFu@example.com');
    const hidden = concealSupi(bom, { scheme: 'A', hnPublicKey: h(A.hnPub), hnKeyId: 1 });
    expect(revealSuci(hidden, h(A.hnPriv))).toEqual(bom);
    expect(codeOf(() => imsiDigits(supi))).toBe('INVALID_SUPI');
  });

  test.each([
    ['no prefix', '001010000000001'],
    ['prefix only', 'imsi-'],
    ['no MSIN', 'imsi-00101'],
    ['16 digits', 'imsi-0010101234567890'],
    ['a letter', 'imsi-00101012345678a'],
    ['upper-case prefix', 'IMSI-001010123456789'],
    ['NAI without realm', 'nai-user'],
    ['NAI without username', 'nai-@example.com'],
    ['single-label realm', 'nai-user@example'],
    ['empty dot-string part', 'nai-us..er@example.com'],
    ['realm label starting with a hyphen', 'nai-user@-x.example.com'],
    ['two @', 'nai-a@b@example.com'],
    ['a space', 'nai-a b@example.com'],
    ['over 253 octets', `nai-${'u'.repeat(250)}@example.com`],
    ['lone surrogate', 'nai-a\uD800@example.com'],
  ])('rejects %s', (_name, text) => {
    expect(codeOf(() => parseSupi(text))).toBe('INVALID_SUPI');
  });

  test('rejects an MNC length other than 2 or 3', () => {
    expect(codeOf(() => parseSupi('imsi-001010123456789', 4 as 2))).toBe('INVALID_SUPI');
  });

  test('MSIN in packed BCD: first digit in the low nibble, 0xF filler (TS 24.501 9.11.3.4)', () => {
    expect(hex(msinToBcd('001002086'))).toBe(lower(A.plaintext_MSIN_BCD));
    expect(hex(msinToBcd('0123456789'))).toBe('1032547698');
    expect(hex(msinToBcd('1'))).toBe('f1');
    expect(bcdToMsin(h('00012080f6'))).toBe('001002086');
    expect(bcdToMsin(h('1032547698'))).toBe('0123456789');
    for (const bad of ['', '1f', 'a1', 'f123', '1a', '103254769811']) {
      expect(codeOf(() => bcdToMsin(h(bad)))).toBe('INVALID_SUPI');
    }
    for (const bad of ['', '12345678901', '12a']) {
      expect(codeOf(() => msinToBcd(bad))).toBe('INVALID_SUPI');
    }
  });

  test('property: BCD encoding round-trips every MSIN of 1 to 10 digits', () => {
    fc.assert(
      fc.property(digits(1, 10), (msin) => {
        expect(bcdToMsin(msinToBcd(msin))).toBe(msin);
      }),
    );
  });
});

// ---- ECIES against TS 33.501 C.4.3.1 and C.4.4.1 (test/vectors/3gpp.json) -----------------------

describe('ECIES Profile A, IMSI (TS 33.501 C.4.3.1, 3gpp.json)', () => {
  test('every intermediate value of the encryption', () => {
    expect(hex(eciesProfileA.publicKey(h(A.hnPriv)))).toBe(lower(A.hnPub));
    expect(hex(eciesProfileA.publicKey(h(A.ephPriv)))).toBe(lower(A.ephPub));
    const e = eciesProfileA.encrypt(h(A.hnPub), h(A.plaintext_MSIN_BCD), h(A.ephPriv));
    expect(hex(e.ephemeralPublicKey)).toBe(lower(A.ephPub));
    expect(hex(e.sharedZ)).toBe(lower(A.sharedZ));
    expect(hex(e.encKey)).toBe(lower(A.encKey));
    expect(hex(e.icb)).toBe(lower(A.icb));
    expect(hex(e.macKey)).toBe(lower(A.macKey));
    expect(hex(e.ciphertext)).toBe(lower(A.ciphertext));
    expect(hex(e.mac)).toBe(lower(A.mac));
    expect(hex(e.schemeOutput)).toBe(lower(A.schemeOutput));
  });

  test('decryption at the home network gives the same values back', () => {
    const d = eciesProfileA.decrypt(h(A.hnPriv), {
      ephemeralPublicKey: h(A.ephPub),
      ciphertext: h(A.ciphertext),
      mac: h(A.mac),
    });
    expect(hex(d.sharedZ)).toBe(lower(A.sharedZ));
    expect(hex(d.encKey)).toBe(lower(A.encKey));
    expect(hex(d.icb)).toBe(lower(A.icb));
    expect(hex(d.macKey)).toBe(lower(A.macKey));
    expect(hex(d.plaintext)).toBe(lower(A.plaintext_MSIN_BCD));
  });

  test('a fresh ephemeral key each time (the UE path): the home network opens it', () => {
    const one = eciesProfileA.encrypt(h(A.hnPub), h(A.plaintext_MSIN_BCD));
    const two = eciesProfileA.encrypt(h(A.hnPub), h(A.plaintext_MSIN_BCD));
    expect(hex(one.ephemeralPublicKey)).not.toBe(hex(two.ephemeralPublicKey));
    expect(hex(one.ephemeralPublicKey)).not.toBe(lower(A.ephPub));
    for (const e of [one, two]) {
      // Z from the home network's side, by node:crypto directly (RFC 7748 X25519)
      const z = diffieHellman({
        privateKey: createPrivateKey({
          key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), h(A.hnPriv)]),
          format: 'der',
          type: 'pkcs8',
        }),
        publicKey: createPublicKey({
          key: {
            kty: 'OKP',
            crv: 'X25519',
            x: Buffer.from(e.ephemeralPublicKey).toString('base64url'),
          },
          format: 'jwk',
        }),
      });
      expect(hex(e.sharedZ)).toBe(z.toString('hex'));
      const d = eciesProfileA.decrypt(h(A.hnPriv), e);
      expect(hex(d.plaintext)).toBe(lower(A.plaintext_MSIN_BCD));
    }
  });

  test('the SUCI string, concealed and revealed', () => {
    expect(A.imsi).toBe('274012001002086');
    const suci = concealSupi(parseSupi(C4_IMSI, 3), {
      scheme: 'A',
      hnPublicKey: h(A.hnPub),
      hnKeyId: 1,
      ephemeralPrivateKey: h(A.ephPriv),
    });
    expect(suci).toBe(`suci-0-274-012-0-1-1-${lower(A.schemeOutput)}`);
    expect(formatSupi(revealSuci(suci, h(A.hnPriv)))).toBe(C4_IMSI);
  });

  test('suci_string_example', () => {
    const ex = A.suci_string_example;
    const parsed = parseSuci(ex.suci);
    expect(parsed).toMatchObject({
      supiType: 'imsi',
      mcc: '208',
      mnc: '93',
      routingIndicator: '0',
      hnKeyId: 1,
    });
    expect(parsed.schemeOutput.scheme).toBe('A');
    expect(formatSupi(revealSuci(ex.suci, h(A.hnPriv)))).toBe(ex.supi);
    const again = concealSupi(parseSupi(ex.supi), {
      scheme: 'A',
      hnPublicKey: h(A.hnPub),
      hnKeyId: 1,
      routingIndicator: '0',
      ephemeralPrivateKey: h(A.ephPriv),
    });
    expect(again).toBe(ex.suci);
  });
});

describe('ECIES Profile B, IMSI (TS 33.501 C.4.4.1, 3gpp.json)', () => {
  test('every intermediate value, with the home network key compressed or not', () => {
    expect(hex(eciesProfileB.publicKey(h(B.hnPriv)))).toBe(lower(B.hnPubCompressed));
    expect(hex(eciesProfileB.publicKey(h(B.ephPriv)))).toBe(lower(B.ephPubCompressed));
    for (const hnPub of [B.hnPubCompressed, B.hnPubUncompressed]) {
      const e = eciesProfileB.encrypt(h(hnPub), h(B.plaintext_MSIN_BCD), h(B.ephPriv));
      expect(hex(e.ephemeralPublicKey)).toBe(lower(B.ephPubCompressed));
      expect(hex(e.sharedZ)).toBe(lower(B.sharedZ));
      expect(hex(e.encKey)).toBe(lower(B.encKey));
      expect(hex(e.icb)).toBe(lower(B.icb));
      expect(hex(e.macKey)).toBe(lower(B.macKey));
      expect(hex(e.ciphertext)).toBe(lower(B.ciphertext));
      expect(hex(e.mac)).toBe(lower(B.mac));
      expect(hex(e.schemeOutput)).toBe(lower(B.schemeOutput));
    }
  });

  test('decryption at the home network', () => {
    const d = eciesProfileB.decrypt(h(B.hnPriv), {
      ephemeralPublicKey: h(B.ephPubCompressed),
      ciphertext: h(B.ciphertext),
      mac: h(B.mac),
    });
    expect(hex(d.sharedZ)).toBe(lower(B.sharedZ));
    expect(hex(d.encKey)).toBe(lower(B.encKey));
    expect(hex(d.icb)).toBe(lower(B.icb));
    expect(hex(d.macKey)).toBe(lower(B.macKey));
    expect(hex(d.plaintext)).toBe(lower(B.plaintext_MSIN_BCD));
  });

  test('the SUCI string, concealed and revealed', () => {
    const suci = concealSupi(parseSupi(C4_IMSI, 3), {
      scheme: 'B',
      hnPublicKey: h(B.hnPubUncompressed),
      hnKeyId: 2,
      routingIndicator: '0012',
      ephemeralPrivateKey: h(B.ephPriv),
    });
    expect(suci).toBe(`suci-0-274-012-0012-2-2-${lower(B.schemeOutput)}`);
    expect(formatSupi(revealSuci(suci, h(B.hnPriv)))).toBe(C4_IMSI);
    // The published scheme output, upper-case as printed, opens as well.
    expect(formatSupi(revealSuci(`suci-0-274-012-0-2-2-${B.schemeOutput}`, h(B.hnPriv)))).toBe(
      C4_IMSI,
    );
  });
});

// ---- TS 33.501 C.4 for NAI SUPIs and the null scheme (test/vectors/ts33501-suci-nai.json) ----

describe('null scheme (TS 33.501 C.4.2)', () => {
  test('C.4.2.1, IMSI: the scheme input is the BCD MSIN, the SUCI carries the MSIN', () => {
    const v = nai.null_imsi;
    expect(hex(msinToBcd(v.msin))).toBe(lower(v.schemeInput));
    expect(v.schemeOutput).toBe(v.schemeInput);
    const supi: Supi = { type: 'imsi', mcc: v.mcc, mnc: v.mnc, msin: v.msin };
    const suci = concealSupi(supi, { scheme: 'null' });
    expect(suci).toBe('suci-0-274-012-0-0-0-001002086');
    expect(revealSuci(suci)).toEqual(supi);
  });

  test('C.4.2.2, NAI: the scheme input is the UTF-8 username, the output userid<username>', () => {
    const v = nai.null_nai;
    const supi = parseSupi(`nai-${v.supi}`);
    expect(supi.type === 'nai' && hex(utf8(supi.username))).toBe(lower(v.schemeInput));
    const suci = concealSupi(supi, { scheme: 'null', routingIndicator: '678' });
    expect(suci).toBe(`type1.rid678.schid0.${v.schemeOutput}@3gpp.com`);
    expect(revealSuci(suci)).toEqual(supi);
    expect(formatSuci(parseSuci(suci), 'ts29503')).toBe(
      'suci-1-3gpp.com-678-0-0-verylongusername1',
    );
  });
});

const naiCases: [string, NaiEciesVector, EciesProfile, string, string[]][] = [
  [
    'C.4.3.2, Profile A',
    nai.profile_a_nai,
    eciesProfileA,
    nai.profile_a_nai.ephPub,
    [nai.profile_a_nai.hnPub],
  ],
  [
    'C.4.4.2, Profile B',
    nai.profile_b_nai,
    eciesProfileB,
    nai.profile_b_nai.ephPubCompressed,
    [nai.profile_b_nai.hnPubCompressed, nai.profile_b_nai.hnPubUncompressed],
  ],
];

describe.each(naiCases)(
  'NAI SUPI, %s (ts33501-suci-nai.json)',
  (_name, v, profile, ephPub, hnPubs) => {
    const username = v.supi.split('@')[0]!;

    test('every published intermediate value of the encryption', () => {
      expect(hex(utf8(username))).toBe(lower(v.plaintext));
      expect(hex(profile.publicKey(h(v.ephPriv)))).toBe(lower(ephPub));
      expect(hex(profile.publicKey(h(v.hnPriv)))).toBe(lower(hnPubs[0]!));
      for (const hnPub of hnPubs) {
        const e = profile.encrypt(h(hnPub), utf8(username), h(v.ephPriv));
        expect(hex(e.ephemeralPublicKey)).toBe(lower(ephPub));
        expect(hex(e.sharedZ)).toBe(lower(v.sharedZ));
        expect(hex(e.encKey)).toBe(lower(v.encKey));
        expect(hex(e.macKey)).toBe(lower(v.macKey));
        expect(hex(e.ciphertext)).toBe(lower(v.ciphertext));
        expect(hex(e.mac)).toBe(lower(v.mac));
      }
    });

    test('the ICB, which the clause does not print, from an independent X9.63 KDF', () => {
      // EK || ICB || MK from the published Z and ephemeral key; the ends are published.
      const k = refX963(h(v.sharedZ), h(ephPub), 64);
      expect(hex(k.subarray(0, 16))).toBe(lower(v.encKey));
      expect(hex(k.subarray(32))).toBe(lower(v.macKey));
      const e = profile.encrypt(h(hnPubs[0]!), utf8(username), h(v.ephPriv));
      expect(hex(e.icb)).toBe(hex(k.subarray(16, 32)));
      // And the ciphertext is AES-128-CTR under that ICB, computed apart from the library.
      expect(hex(refCtr(h(v.encKey), k.subarray(16, 32), h(v.plaintext)))).toBe(
        lower(v.ciphertext),
      );
    });

    test('decryption gives the published values back', () => {
      const d = profile.decrypt(h(v.hnPriv), {
        ephemeralPublicKey: h(ephPub),
        ciphertext: h(v.ciphertext),
        mac: h(v.mac),
      });
      expect(hex(d.sharedZ)).toBe(lower(v.sharedZ));
      expect(hex(d.encKey)).toBe(lower(v.encKey));
      expect(hex(d.macKey)).toBe(lower(v.macKey));
      expect(hex(d.plaintext)).toBe(lower(v.plaintext));
    });

    test('the SUCI in NAI form (TS 23.003 28.7.3) carries the published scheme output', () => {
      const supi = parseSupi(`nai-${v.supi}`);
      const suci = concealSupi(supi, {
        scheme: profile.scheme,
        hnPublicKey: h(hnPubs[0]!),
        hnKeyId: 27,
        routingIndicator: '678',
        ephemeralPrivateKey: h(v.ephPriv),
      });
      const schid = profile.scheme === 'A' ? 1 : 2;
      expect(suci).toBe(`type1.rid678.schid${schid}.hnkey27.${lower(v.schemeOutput)}@3gpp.com`);
      // The output exactly as printed (upper-case hex) is read and deconcealed.
      const printed = `type1.rid678.schid${schid}.hnkey27.${v.schemeOutput}@3gpp.com`;
      expect(revealSuci(printed, h(v.hnPriv))).toEqual(supi);
      expect(formatSuci(parseSuci(printed), 'ts29503')).toBe(
        `suci-1-3gpp.com-678-${schid}-27-${lower(ephPub + v.ciphertext + v.mac)}`,
      );
    });
  },
);

describe('SUCI strings of TS 23.003 28.7.3 and TS 29.503 Annex C (via free5gc/nas)', () => {
  test.each(nai.suci_string_examples.cases)('$name', ({ nai: naiForm, ts29503 }) => {
    const fromNai = parseSuci(naiForm);
    const fromTs29503 = parseSuci(ts29503);
    expect(fromNai).toEqual(fromTs29503);
    expect(formatSuci(fromNai, 'ts29503')).toBe(ts29503);
    expect(formatSuci(fromTs29503, 'nai')).toBe(naiForm);
  });

  test('their ECIES outputs are format examples only: they parse but open to nothing', () => {
    const ex3 = nai.suci_string_examples.cases.find((c) => c.name.endsWith('example 3'))!;
    expect(codeOf(() => revealSuci(ex3.ts29503, h(B.hnPriv)))).toBe('INVALID_SUCI');
  });
});

// ---- parsing ------------------------------------------------------------------------------------

const PROFILE_A_OUTPUT = lower(A.schemeOutput);

describe('parseSuci', () => {
  test('reads the fields of both forms', () => {
    const s = parseSuci(`suci-0-001-01-0012-1-255-${PROFILE_A_OUTPUT}`);
    expect(s).toMatchObject({ supiType: 'imsi', mcc: '001', mnc: '01', routingIndicator: '0012' });
    expect(s.hnKeyId).toBe(255);
    expect(s.schemeOutput.scheme === 'A' && hex(s.schemeOutput.ciphertext)).toBe('cb02352410');
    expect(parseSuci(`suci-0-001-01-0-1-0-${PROFILE_A_OUTPUT}`).hnKeyId).toBe(0);
    expect(parseSuci('suci-0-001-012-9-0-0-1').schemeOutput).toEqual({
      scheme: 'null',
      userId: '1',
    });
  });

  test('a realm and a username may hold hyphens', () => {
    const s = parseSuci('suci-1-my-operator.example-12-0-0-user-1');
    expect(s).toMatchObject({ supiType: 'nai', realm: 'my-operator.example' });
    expect(s.routingIndicator).toBe('12');
    expect(s.schemeOutput).toEqual({ scheme: 'null', userId: 'user-1' });
    expect(formatSupi(revealSuci(s))).toBe('nai-user-1@my-operator.example');
  });

  test('an IMSI-based SUCI in NAI form: a padded MNC is 2 digits unless told otherwise', () => {
    const text = 'type0.rid678.schid0.userid0999999999@5gc.mnc015.mcc234.3gppnetwork.org';
    expect(parseSuci(text)).toMatchObject({ mcc: '234', mnc: '15' });
    // With a 3-digit MNC this one would be a 16-digit IMSI, so the 2-digit reading is right.
    expect(codeOf(() => parseSuci(text, { mncLength: 3 }))).toBe('INVALID_SUCI');
    const nine = 'type0.rid678.schid0.userid099999999@5gc.mnc015.mcc234.3gppnetwork.org';
    expect(parseSuci(nine, { mncLength: 3 })).toMatchObject({ mcc: '234', mnc: '015' });
    const three = 'type0.rid1.schid0.userid1@nai.5gc.mnc123.mcc234.3gppnetwork.org';
    expect(parseSuci(three)).toMatchObject({ mnc: '123' });
    expect(codeOf(() => parseSuci(three, { mncLength: 2 }))).toBe('INVALID_SUCI');
  });

  test('an anonymous SUCI parses, and reveals no SUPI', () => {
    const s = parseSuci('type1.rid3456.schid0.userid@operator.com');
    expect(formatSuci(s, 'ts29503')).toBe('suci-1-operator.com-3456-0-0-');
    expect(codeOf(() => revealSuci(s))).toBe('INVALID_SUCI');
  });

  const hex41 = PROFILE_A_OUTPUT;
  test.each([
    ['empty', ''],
    ['no form', 'imsi-001010123456789'],
    ['cut short', 'suci-0-001'],
    ['2-digit MCC', 'suci-0-01-01-0-0-0-1'],
    ['1-digit MNC', 'suci-0-001-1-0-0-0-1'],
    ['5-digit routing indicator', 'suci-0-001-01-12345-0-0-1'],
    ['empty routing indicator', 'suci-0-001-01--0-0-1'],
    ['key id 256', `suci-0-001-01-0-1-256-${hex41}`],
    ['key id with a leading zero', `suci-0-001-01-0-1-01-${hex41}`],
    ['null scheme with a key id', 'suci-0-001-01-0-0-1-123'],
    ['empty MSIN', 'suci-0-001-01-0-0-0-'],
    ['MSIN making 16 digits', 'suci-0-001-01-0-0-0-12345678901'],
    ['MSIN not digits', 'suci-0-001-01-0-0-0-12a'],
    ['odd hex', `suci-0-001-01-0-1-1-${hex41}0`],
    ['non-hex', `suci-0-001-01-0-1-1-${hex41.slice(0, -1)}g`],
    ['output too short', `suci-0-001-01-0-1-1-${hex41.slice(0, 80)}`],
    ['IMSI ciphertext over 5 bytes', `suci-0-001-01-0-1-1-${'00'.repeat(32 + 6 + 8)}`],
    ['SUPI type 2', 'suci-2-example.com-0-0-0-a'],
    ['SUPI type 8', 'suci-8-example.com-0-0-0-a'],
    ['bad realm', 'suci-1-example-0-0-0-user'],
    ['NAI username not RFC 7542', 'suci-1-example.com-0-0-0-us..er'],
    ['NAI form without realm', 'type1.rid1.schid0.useridabc@'],
    ['NAI form with two @', 'type1.rid1.schid0.useridabc@x@example.com'],
    ['NAI form, SUPI type 2', 'type2.rid1.schid0.useridabc@example.com'],
    ['NAI form, 5-digit rid', 'type1.rid12345.schid0.useridabc@example.com'],
    ['NAI form, schid 16', 'type1.rid1.schid16.useridabc@example.com'],
    ['NAI form, IMSI with a foreign realm', 'type0.rid1.schid0.userid1@example.com'],
    ['NAI form, no userid', 'type1.rid1.schid0.abc@example.com'],
    ['NAI form, short key', 'type1.rid1.schid1.hnkey1.ecckey00.cip00.mac0011223344556677@a.bc'],
    ['NAI form, short MAC', `type1.rid1.schid1.hnkey1.ecckey${'00'.repeat(32)}.cip00.mac00@a.bc`],
    [
      'NAI form, odd hex',
      `type1.rid1.schid1.hnkey1.ecckey${'00'.repeat(32)}.cip0.mac${'00'.repeat(8)}@a.bc`,
    ],
    [
      'NAI form, key id 300',
      `type1.rid1.schid1.hnkey300.ecckey${'00'.repeat(32)}.cip00.mac${'00'.repeat(8)}@a.bc`,
    ],
    ['too long', `suci-1-example.com-0-0-0-${'a'.repeat(3000)}`],
  ])('INVALID_SUCI: %s', (_name, text) => {
    expect(codeOf(() => parseSuci(text))).toBe('INVALID_SUCI');
  });

  test.each([
    ['scheme 3', 'suci-0-001-01-0-3-1-abcd'],
    ['scheme f', 'suci-0-001-01-0-f-1-abcd'],
    ['NAI form, HPLMN-proprietary scheme', 'type1.rid1.schid15.hnkey1.outabcd@example.com'],
  ])('UNSUPPORTED_SCHEME: %s', (_name, text) => {
    expect(codeOf(() => parseSuci(text))).toBe('UNSUPPORTED_SCHEME');
  });

  test('anything that is not a string is an INVALID_SUCI too', () => {
    expect(codeOf(() => parseSuci(undefined as unknown as string))).toBe('INVALID_SUCI');
    expect(codeOf(() => formatSuci({} as Suci))).toBe('INVALID_SUCI');
  });
});

// ---- conceal and reveal: keys and errors ------------------------------------------------------

describe('concealSupi and revealSuci', () => {
  const imsi = parseSupi(C4_IMSI, 3);

  test('a fresh ephemeral key every time, and each SUCI reveals', () => {
    for (const [scheme, hnPublicKey, hnPriv] of [
      ['A', h(A.hnPub), h(A.hnPriv)],
      ['B', h(B.hnPubCompressed), h(B.hnPriv)],
    ] as const) {
      const one = concealSupi(imsi, { scheme, hnPublicKey, hnKeyId: 7 });
      const two = concealSupi(imsi, { scheme, hnPublicKey, hnKeyId: 7 });
      expect(one).not.toBe(two);
      expect(revealSuci(one, hnPriv)).toEqual(imsi);
      expect(revealSuci(two, hnPriv)).toEqual(imsi);
    }
  });

  test('the key lookup is asked by scheme and key id, and not at all for the null scheme', () => {
    const asked: [ProtectionScheme, number][] = [];
    const lookup = (scheme: ProtectionScheme, id: number): Uint8Array | undefined => {
      asked.push([scheme, id]);
      return scheme === 'B' && id === 9 ? h(B.hnPriv) : undefined;
    };
    const b = concealSupi(imsi, { scheme: 'B', hnPublicKey: h(B.hnPubCompressed), hnKeyId: 9 });
    expect(revealSuci(b, lookup)).toEqual(imsi);
    const a = concealSupi(imsi, { scheme: 'A', hnPublicKey: h(A.hnPub), hnKeyId: 9 });
    expect(codeOf(() => revealSuci(a, lookup))).toBe('INVALID_KEY');
    expect(revealSuci(concealSupi(imsi, { scheme: 'null' }), lookup)).toEqual(imsi);
    expect(asked).toEqual([
      ['B', 9],
      ['A', 9],
    ]);
  });

  test('the wrong key fails the MAC', () => {
    const suci = concealSupi(imsi, { scheme: 'A', hnPublicKey: h(A.hnPub), hnKeyId: 1 });
    expect(codeOf(() => revealSuci(suci, h(B.hnPriv)))).toBe('SUCI_MAC_FAILURE');
    expect(codeOf(() => revealSuci(suci))).toBe('INVALID_KEY');
  });

  test('bad keys and bad points are AkaErrors that name no key', () => {
    const zeros = new Uint8Array(32);
    const offCurve = concat(Uint8Array.of(2), new Uint8Array(32).fill(0xff));
    const aSuci = `suci-0-001-01-0-1-1-${'00'.repeat(32)}11${'22'.repeat(8)}`;
    const bSuci = `suci-0-001-01-0-2-1-${hex(offCurve)}11${'22'.repeat(8)}`;
    const cases: [string, () => unknown][] = [
      ['INVALID_KEY', () => eciesProfileA.encrypt(new Uint8Array(31), Uint8Array.of(1))],
      ['INVALID_KEY', () => eciesProfileA.encrypt(zeros, Uint8Array.of(1))],
      ['INVALID_KEY', () => eciesProfileB.encrypt(offCurve, Uint8Array.of(1))],
      ['INVALID_KEY', () => eciesProfileB.encrypt(h(B.hnPriv), Uint8Array.of(1))],
      ['INVALID_KEY', () => eciesProfileB.publicKey(zeros)],
      ['INVALID_KEY', () => eciesProfileB.publicKey(new Uint8Array(32).fill(0xff))],
      ['INVALID_KEY', () => revealSuci(aSuci, h(A.hnPriv).subarray(1))],
      ['INVALID_KEY', () => revealSuci(bSuci, zeros)],
      ['INVALID_SUCI', () => revealSuci(aSuci, h(A.hnPriv))],
      ['INVALID_SUCI', () => revealSuci(bSuci, h(B.hnPriv))],
      ['INVALID_KEY', () => concealSupi(imsi, { scheme: 'A', hnKeyId: 1 })],
      ['INVALID_SUCI', () => concealSupi(imsi, { scheme: 'A', hnPublicKey: h(A.hnPub) })],
      ['INVALID_SUCI', () => concealSupi(imsi, { scheme: 'null', routingIndicator: '12345' })],
      [
        'INVALID_SUCI',
        () => concealSupi(imsi, { scheme: 'A', hnPublicKey: h(A.hnPub), hnKeyId: 256 }),
      ],
      ['UNSUPPORTED_SCHEME', () => concealSupi(imsi, { scheme: 'C' as ProtectionScheme })],
      [
        'INVALID_SUPI',
        () => concealSupi({ type: 'imsi', mcc: '1', mnc: '01', msin: '1' }, { scheme: 'null' }),
      ],
    ];
    const secrets = [A.hnPriv, A.hnPub, B.hnPriv, B.hnPubCompressed, hex(offCurve)].map(lower);
    for (const [code, call] of cases) {
      expect(codeOf(call)).toBe(code);
      const message = messageOf(call).toLowerCase();
      for (const secret of secrets) expect(message).not.toContain(secret.slice(0, 16));
    }
  });
});

// ---- building blocks ----------------------------------------------------------------------------

describe('ECIES building blocks', () => {
  test('property: the X9.63 KDF equals an independent computation', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 70 }),
        fc.integer({ min: 0, max: 200 }),
        (z, info, length) => {
          expect(hex(x963Kdf(z, info, length))).toBe(hex(refX963(z, info, length)));
        },
      ),
    );
    const k = eciesKeys(h(A.sharedZ), h(A.ephPub));
    expect(hex(k.encKey) + hex(k.icb) + hex(k.macKey)).toBe(
      hex(refX963(h(A.sharedZ), h(A.ephPub), 64)),
    );
  });

  test('CTR counts in the low 32 bits only (NIST SP 800-38A B.1, m = 32; TS 33.501 C.3.4.0)', () => {
    const key = h('000102030405060708090a0b0c0d0e0f');
    const icb = h('0123456789abcdef01234567ffffffff');
    const next = h('0123456789abcdef0123456700000000'); // no carry into bit 32
    const data = new Uint8Array(40).fill(0x5a);
    const expected = concat(
      refCtr(key, icb, data.subarray(0, 16)),
      refCtr(key, next, data.subarray(16)),
    );
    expect(hex(aes128Ctr32(key, icb, data))).toBe(hex(expected));
    // OpenSSL's own CTR carries, so it differs from the second block on.
    expect(hex(refCtr(key, icb, data)).slice(32)).not.toBe(hex(expected).slice(32));
  });

  test('property: without a 32-bit wrap it is plain AES-128-CTR', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.integer({ min: 0, max: 2 ** 32 - 20 }),
        fc.uint8Array({ maxLength: 300 }),
        (key, icbHigh, low, data) => {
          const icb = concat(icbHigh, Uint8Array.of(low >>> 24, low >>> 16, low >>> 8, low));
          expect(hex(aes128Ctr32(key, icb, data))).toBe(hex(refCtr(key, icb, data)));
        },
      ),
    );
  });

  test('the MAC tag is the first 8 octets of HMAC-SHA-256 over the ciphertext', () => {
    const tag = createHmac('sha256', h(A.macKey)).update(h(A.ciphertext)).digest();
    expect(hex(tag.subarray(0, 8))).toBe(lower(A.mac));
  });
});

// ---- properties ---------------------------------------------------------------------------------

function digits(minLength: number, maxLength: number): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(...'0123456789'), minLength, maxLength });
}

const imsiSupi: fc.Arbitrary<Supi> = fc
  .tuple(digits(3, 3), fc.constantFrom(2, 3))
  .chain(([mcc, mncLength]) =>
    fc.record({
      type: fc.constant('imsi' as const),
      mcc: fc.constant(mcc),
      mnc: digits(mncLength, mncLength),
      msin: digits(1, 12 - mncLength),
    }),
  );

const ATEXT = [..."abcXYZ0189!#$%&'*+-/=?^_`{|}~"].concat(['é', 'ß', '日', '😀']);
const atom = fc.string({ unit: fc.constantFrom(...ATEXT), minLength: 1, maxLength: 12 });
const alnum = fc.constantFrom(...'abcxyz0189');
const label = fc
  .tuple(alnum, fc.string({ unit: fc.constantFrom(...'abc09-'), maxLength: 8 }), alnum)
  .map(([first, middle, last]) => `${first}${middle}${last}`);

const naiSupi: fc.Arbitrary<Supi> = fc.record({
  type: fc.constant('nai' as const),
  username: fc.array(atom, { minLength: 1, maxLength: 4 }).map((a) => a.join('.')),
  realm: fc.array(label, { minLength: 2, maxLength: 4 }).map((a) => a.join('.')),
});

const anySupi = fc.oneof(imsiSupi, naiSupi);
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const routingIndicator = digits(1, 4);
const keyId = fc.integer({ min: 0, max: 255 });

/** A home network key pair; a P-256 scalar of 0 or past the order is drawn again. */
const keyPair = fc
  .tuple(fc.constantFrom<'A' | 'B'>('A', 'B'), key32)
  .filter(([scheme, priv]) => {
    if (scheme === 'A') return true;
    try {
      eciesProfileB.publicKey(priv);
      return true;
    } catch {
      return false;
    }
  })
  .map(([scheme, priv]) => {
    const profile = scheme === 'A' ? eciesProfileA : eciesProfileB;
    return { scheme, priv, pub: profile.publicKey(priv) };
  });

describe('properties', () => {
  test('conceal then reveal gives the SUPI back: both profiles, both SUPI types, random keys', () => {
    fc.assert(
      fc.property(
        keyPair,
        anySupi,
        routingIndicator,
        keyId,
        fc.boolean(),
        ({ scheme, priv, pub }, supi, ri, id, fixedEphemeral) => {
          const ephemeralPrivateKey = fixedEphemeral ? priv.slice().reverse() : undefined;
          const options = { scheme, hnPublicKey: pub, hnKeyId: id, routingIndicator: ri };
          const text =
            ephemeralPrivateKey && scheme === 'A'
              ? concealSupi(supi, { ...options, ephemeralPrivateKey })
              : concealSupi(supi, options);
          expect(text.startsWith(supi.type === 'imsi' ? 'suci-0-' : `type1.rid${ri}.`)).toBe(true);
          expect(revealSuci(text, priv)).toEqual(supi);
          expect(revealSuci(text, () => priv)).toEqual(supi);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('the null scheme round-trips too, and needs no key', () => {
    fc.assert(
      fc.property(anySupi, routingIndicator, (supi, ri) => {
        expect(revealSuci(concealSupi(supi, { scheme: 'null', routingIndicator: ri }))).toEqual(
          supi,
        );
      }),
    );
  });

  test('both string forms carry the same SUCI', () => {
    fc.assert(
      fc.property(keyPair, anySupi, routingIndicator, keyId, fc.boolean(), (k, supi, ri, id, n) => {
        const suci = concealSupiToSuci(supi, {
          scheme: n ? 'null' : k.scheme,
          hnPublicKey: k.pub,
          hnKeyId: id,
          routingIndicator: ri,
        });
        const mncLength = supi.type === 'imsi' ? (supi.mnc.length as 2 | 3) : undefined;
        // suci-1-<realm>-<RI>-0-0-<username> cannot be split when the realm itself ends in
        // -<digits> (with RI and key id 0 behind it): both readings are valid SUCIs, and the
        // parser takes the shortest realm (pinned by the test below). Skip only that case.
        const ambiguous =
          n &&
          supi.type === 'nai' &&
          `${supi.realm}-${ri}-0-0-`.search(/-\d{1,4}-0-0-/) < supi.realm.length;
        for (const form of ['ts29503', 'nai'] as const) {
          if (form === 'ts29503' && ambiguous) continue;
          const text = formatSuci(suci, form);
          expect(parseSuci(text, mncLength ? { mncLength } : {})).toEqual(suci);
        }
      }),
      { numRuns: 200 },
    );
  });

  test('the one ambiguous TS 29.503 form: a realm ending in -<digits>, null scheme, RI 0', () => {
    // Found by the property above (fast-check counterexample): realm "aa.a-9", username "a".
    const text = 'suci-1-aa.a-9-0-0-0-a';
    expect(parseSuci(text)).toEqual({
      supiType: 'nai',
      realm: 'aa.a',
      routingIndicator: '9',
      hnKeyId: 0,
      schemeOutput: { scheme: 'null', userId: '0-a' },
    });
    // The NAI form of the same SUCI is unambiguous.
    expect(parseSuci('type1.rid0.schid0.userida@aa.a-9')).toMatchObject({
      realm: 'aa.a-9',
      routingIndicator: '0',
      schemeOutput: { scheme: 'null', userId: 'a' },
    });
  });

  test('a tampered scheme output fails the MAC', () => {
    fc.assert(
      fc.property(
        keyPair,
        anySupi,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        ({ scheme, priv, pub }, supi, at, flip) => {
          const suci = concealSupiToSuci(supi, { scheme, hnPublicKey: pub, hnKeyId: 1 });
          const out = suci.schemeOutput;
          if (out.scheme === 'null') return;
          const body = concat(out.ciphertext, out.mac);
          body[at % body.length]! ^= flip;
          const tampered: Suci = {
            ...suci,
            schemeOutput: {
              ...out,
              ciphertext: body.slice(0, out.ciphertext.length),
              mac: body.slice(out.ciphertext.length),
            },
          };
          expect(codeOf(() => revealSuci(formatSuci(tampered), priv))).toBe('SUCI_MAC_FAILURE');
          // A changed ephemeral key gives another Z, or no point at all.
          const key = out.ephemeralPublicKey.slice();
          key[1 + (at % (key.length - 1))]! ^= flip;
          const badKey: Suci = { ...suci, schemeOutput: { ...out, ephemeralPublicKey: key } };
          expect(['SUCI_MAC_FAILURE', 'INVALID_SUCI']).toContain(
            codeOf(() => revealSuci(badKey, priv)),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  test('any string that is no SUCI gives INVALID_SUCI, never another exception', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.string({ unit: fc.constantFrom(...'suci-0123456789abcdef.@typerid') }),
        ),
        (text) => {
          const code = codeOf(() => parseSuci(text));
          if (code !== 'no error') expect(code).toBe('INVALID_SUCI');
          expect(['INVALID_SUCI', 'no error', 'INVALID_KEY', 'SUCI_MAC_FAILURE']).toContain(
            codeOf(() => revealSuci(text, h(A.hnPriv))),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('a mangled SUCI is refused with an AkaError, or still reads', () => {
    const valid = [
      concealSupi(parseSupi(C4_IMSI, 3), { scheme: 'A', hnPublicKey: h(A.hnPub), hnKeyId: 1 }),
      concealSupi(parseSupi(C4_IMSI, 3), { scheme: 'null', routingIndicator: '12' }),
      concealSupi(parseSupi('nai-user.17@snpn.example.org'), {
        scheme: 'B',
        hnPublicKey: h(B.hnPubCompressed),
        hnKeyId: 3,
      }),
      nai.suci_string_examples.cases[3]!.ts29503,
    ];
    const edit = fc.tuple(
      fc.constantFrom(...valid),
      fc.array(
        fc.tuple(
          fc.constantFrom('delete', 'insert', 'replace', 'cut'),
          fc.nat(),
          fc.string({ minLength: 1, maxLength: 3 }),
        ),
        { minLength: 1, maxLength: 4 },
      ),
    );
    fc.assert(
      fc.property(edit, ([start, edits]) => {
        let text = start;
        for (const [kind, at, s] of edits) {
          const i = at % (text.length + 1);
          if (kind === 'delete') text = text.slice(0, i) + text.slice(i + 1);
          else if (kind === 'insert') text = text.slice(0, i) + s + text.slice(i);
          else if (kind === 'replace') text = text.slice(0, i) + s + text.slice(i + s.length);
          else text = text.slice(0, i);
        }
        const parsed = codeOf(() => parseSuci(text));
        expect(['no error', 'INVALID_SUCI', 'UNSUPPORTED_SCHEME']).toContain(parsed);
        const lookup = (scheme: ProtectionScheme): Uint8Array =>
          h(scheme === 'B' ? B.hnPriv : A.hnPriv);
        const revealed = codeOf(() => revealSuci(text, lookup));
        expect(['no error', 'INVALID_SUCI', 'UNSUPPORTED_SCHEME', 'SUCI_MAC_FAILURE']).toContain(
          revealed,
        );
      }),
      { numRuns: 2000 },
    );
  });
});
