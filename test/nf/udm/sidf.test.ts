// The SIDF: the published SUCI vectors of TS 33.501 Annex C.4 (Profile A and B, IMSI and NAI,
// null scheme) and the TS 23.003 / TS 29.503 SUCI examples, in both written forms, with the vector
// keys; the causes of each failure (unknown key id, MAC failure, malformed, unsupported scheme,
// anonymous); the two ambiguous texts settled by the subscriptions; and round trips through a
// real UDM with its own keys, also after the key ids were rotated.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fromHex } from '../../../src/lib/bytes.js';
import { concealSupi, concealSupiToSuci, formatSuci } from '../../../src/lib/aka/suci.js';
import { parseSupi } from '../../../src/lib/aka/supi.js';
import { Sidf, suciReadings, type HnPrivateKeySource } from '../../../src/nf/udm/sidf.js';
import { UdmAuthError } from '../../../src/nf/udm/ueau-errors.js';
import { loadVectors } from '../../helpers.js';
import { createTestUdm, type TestUdm } from './test-udm.js';

interface ImsiVector {
  hnPriv: string;
  schemeOutput: string;
  imsi: string;
  suci_string_example?: { suci: string; supi: string };
}
interface NaiVector {
  supi: string;
  hnPriv: string;
  schemeOutput: string;
}
const gpp = loadVectors<{ suci_profile_a_imsi: ImsiVector; suci_profile_b_imsi: ImsiVector }>(
  '3gpp.json',
);
const nai = loadVectors<{
  null_imsi: { mcc: string; mnc: string; msin: string };
  null_nai: { supi: string; schemeOutput: string };
  profile_a_nai: NaiVector;
  profile_b_nai: NaiVector;
  suci_string_examples: { cases: { name: string; nai: string; ts29503: string }[] };
}>('ts33501-suci-nai.json');

/** Profile A key 5 and Profile B key 3: the private keys of the published vectors. */
const KEYS: Record<string, string> = {
  'A:5': gpp.suci_profile_a_imsi.hnPriv,
  'B:3': gpp.suci_profile_b_imsi.hnPriv,
};
// The NAI sets use the same home network keys as the IMSI sets.
expect(nai.profile_a_nai.hnPriv.toLowerCase()).toBe(KEYS['A:5']!.toLowerCase());
expect(nai.profile_b_nai.hnPriv.toLowerCase()).toBe(KEYS['B:3']!.toLowerCase());

const vectorKeys: HnPrivateKeySource = {
  homeNetworkPrivateKey(scheme, id) {
    const hex = KEYS[`${scheme}:${id}`];
    return Promise.resolve(hex === undefined ? undefined : fromHex(hex));
  },
};
const sidf = new Sidf(vectorKeys);

async function causeOf(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call;
  } catch (err) {
    if (err instanceof UdmAuthError) {
      for (const hex of Object.values(KEYS)) {
        expect(err.message.toLowerCase()).not.toContain(hex.toLowerCase().slice(0, 16));
      }
      return err.cause;
    }
    throw err;
  }
  return undefined;
}

/** The NAI form's `ecckey<hex>.cip<hex>.mac<hex>` as one hex string (the TS 29.503 output). */
function joinedOutput(schemeOutput: string): string {
  const m = /^ecckey([0-9A-Fa-f]+)\.cip([0-9A-Fa-f]+)\.mac([0-9A-Fa-f]+)$/.exec(schemeOutput)!;
  return m[1]! + m[2]! + m[3]!;
}

describe('the published vectors, with their keys', () => {
  test('Profile A, IMSI: the TS 29.503 string of the C.4.3.1 output', async () => {
    const example = gpp.suci_profile_a_imsi.suci_string_example!;
    const keyed = example.suci.replace('-1-1-', '-1-5-');
    expect(await sidf.deconceal(keyed)).toBe(example.supi);
  });

  test('Profile B, IMSI (C.4.4.1), hex in either case', async () => {
    const v = gpp.suci_profile_b_imsi;
    const out = v.schemeOutput.toLowerCase();
    // C.4.4.1 conceals the same MSIN as C.4.3.1 (plaintext 00012080F6), here as IMSI 274 012 ...
    expect(await sidf.deconceal(`suci-0-274-012-0-2-3-${out}`)).toBe(
      `imsi-${gpp.suci_profile_a_imsi.imsi}`,
    );
    expect(await sidf.deconceal(`suci-0-274-012-0-2-3-${v.schemeOutput}`)).toBe(
      `imsi-${gpp.suci_profile_a_imsi.imsi}`,
    );
  });

  test('Profile A and B, NAI (C.4.3.2, C.4.4.2): NAI form and TS 29.503 form', async () => {
    for (const [v, scheme, id] of [
      [nai.profile_a_nai, 1, 5],
      [nai.profile_b_nai, 2, 3],
    ] as const) {
      const supi = `nai-${v.supi}`;
      expect(
        await sidf.deconceal(`type1.rid0.schid${scheme}.hnkey${id}.${v.schemeOutput}@3gpp.com`),
      ).toBe(supi);
      expect(
        await sidf.deconceal(`suci-1-3gpp.com-0-${scheme}-${id}-${joinedOutput(v.schemeOutput)}`),
      ).toBe(supi);
    }
  });

  test('null scheme (C.4.2.1, C.4.2.2), IMSI and NAI', async () => {
    const { mcc, mnc, msin } = nai.null_imsi;
    expect(await sidf.deconceal(`suci-0-${mcc}-${mnc}-0-0-0-${msin}`)).toBe(
      `imsi-${mcc}${mnc}${msin}`,
    );
    const [username, realm] = nai.null_nai.supi.split('@') as [string, string];
    expect(await sidf.deconceal(`type1.rid0.schid0.${nai.null_nai.schemeOutput}@${realm}`)).toBe(
      `nai-${username}@${realm}`,
    );
    expect(await sidf.deconceal(`suci-1-${realm}-0-0-0-${username}`)).toBe(
      `nai-${username}@${realm}`,
    );
  });

  test('the TS 23.003 and TS 29.503 examples: both forms give one SUPI (null scheme)', async () => {
    for (const c of nai.suci_string_examples.cases) {
      if (!c.ts29503.match(/-0-0-[^-]*$/)) continue;
      const fromNai = await sidf.deconceal(c.nai);
      expect(await sidf.deconceal(c.ts29503), c.name).toBe(fromNai);
    }
    expect(await sidf.deconceal('suci-0-234-15-678-0-0-0999999999')).toBe('imsi-234150999999999');
    expect(await sidf.deconceal('type1.rid678.schid0.useriduser17@example.com')).toBe(
      'nai-user17@example.com',
    );
  });
});

describe('failures have distinct causes and name no key', () => {
  const a = gpp.suci_profile_a_imsi;
  const good = `suci-0-208-93-0-1-5-${a.schemeOutput}`;

  test('a key id the UDM does not hold: INVALID_HN_PUBLIC_KEY_IDENTIFIER', async () => {
    expect(await causeOf(sidf.deconceal(good.replace('-1-5-', '-1-6-')))).toBe(
      'INVALID_HN_PUBLIC_KEY_IDENTIFIER',
    );
    // Profile B under Profile A's id: no such pair either.
    const b = gpp.suci_profile_b_imsi.schemeOutput.toLowerCase();
    expect(await causeOf(sidf.deconceal(`suci-0-274-012-0-2-5-${b}`))).toBe(
      'INVALID_HN_PUBLIC_KEY_IDENTIFIER',
    );
    // The Annex C format examples name keys 17 and 250.
    for (const c of nai.suci_string_examples.cases.filter((x) => /schid[12]/.test(x.nai))) {
      expect(await causeOf(sidf.deconceal(c.nai)), c.name).toBe('INVALID_HN_PUBLIC_KEY_IDENTIFIER');
    }
  });

  test('a tampered output or MAC, or an output made for another key: INVALID_SCHEME_OUTPUT', async () => {
    const out = a.schemeOutput;
    const flip = (text: string, at: number) =>
      text.slice(0, at) + (text[at] === '0' ? '1' : '0') + text.slice(at + 1);
    for (const at of [out.length - 1, out.length - 20, 64, 3]) {
      expect(await causeOf(sidf.deconceal(`suci-0-208-93-0-1-5-${flip(out, at)}`))).toBe(
        'INVALID_SCHEME_OUTPUT',
      );
    }
    const other = new Sidf({
      homeNetworkPrivateKey: (scheme) =>
        Promise.resolve(scheme === 'A' ? fromHex('11'.repeat(32)) : undefined),
    });
    expect(await causeOf(other.deconceal(good))).toBe('INVALID_SCHEME_OUTPUT');
  });

  test('malformed texts: MANDATORY_IE_INCORRECT; schemes 3-15: UNSUPPORTED_PROTECTION_SCHEME', async () => {
    for (const text of [
      'suci-',
      'suci-0-208-93-0-1-5-zz',
      'suci-0-208-93-0-1-5-' + a.schemeOutput.slice(0, 40),
      'suci-0-20-93-0-0-0-0123',
      'suci-0-208-93-0-0-7-0123',
      'suci-0-208-93-12345-0-0-0123',
      'suci-4-208-93-0-0-0-0123',
      'type0.rid0.schid0.userid0123@example.com',
      'type1.rid0.schid0.userid@example.com', // the anonymous SUCI conceals no SUPI
      'type1.rid0.schid1.hnkey5.ecckey00.cip00.mac00@example.com',
      'typeless',
      'suci-0-208-93-0-0-0-' + '1'.repeat(20),
      'x'.repeat(5000),
    ]) {
      expect(await causeOf(sidf.deconceal(text)), text).toBe('MANDATORY_IE_INCORRECT');
    }
    for (const text of [
      'suci-0-208-93-0-3-1-abcdef',
      'type0.rid0.schid15.x@5gc.mnc093.mcc208.3gppnetwork.org',
    ]) {
      expect(await causeOf(sidf.deconceal(text)), text).toBe('UNSUPPORTED_PROTECTION_SCHEME');
    }
  });
});

describe('the ambiguous texts', () => {
  test("suci-1-<realm ending -digits>-0-0-...: the subscribed reading wins, else the parser's", async () => {
    const text = 'suci-1-aa.a-9-0-0-0-a';
    expect(suciReadings(text)).toHaveLength(2);
    expect(await sidf.deconceal(text)).toBe('nai-0-a@aa.a');
    const subscribed = (set: string[]) => (supi: string) => Promise.resolve(set.includes(supi));
    expect(await sidf.deconceal(text, subscribed(['nai-a@aa.a-9']))).toBe('nai-a@aa.a-9');
    expect(await sidf.deconceal(text, subscribed(['nai-0-a@aa.a']))).toBe('nai-0-a@aa.a');
    expect(await sidf.deconceal(text, subscribed([]))).toBe('nai-0-a@aa.a');
    expect(await sidf.deconceal(text, subscribed(['nai-a@aa.a-9', 'nai-0-a@aa.a']))).toBe(
      'nai-0-a@aa.a',
    );
    // Three readings: realm x, x-1 or x-1-2... each a valid split.
    expect(suciReadings('suci-1-x.y-1-0-0-2-0-0-u').map((s) => s.routingIndicator)).toEqual([
      '1',
      '2',
    ]);
    // The NAI form of a NAI SUPI has one reading.
    expect(suciReadings('type1.rid0.schid0.userida@aa.a-9')).toHaveLength(1);
  });

  test('an IMSI SUCI in NAI form with realm mnc0XY: MNC XY, or 0XY when that one is subscribed', async () => {
    const v = gpp.suci_profile_b_imsi;
    const m = /^(.{66})(.*)(.{16})$/.exec(v.schemeOutput)!;
    const text = `type0.rid0.schid2.hnkey3.ecckey${m[1]}.cip${m[2]}.mac${m[3]}@5gc.mnc012.mcc274.3gppnetwork.org`;
    expect(await sidf.deconceal(text)).toBe('imsi-27412001002086');
    const subscribed = (supi: string) => Promise.resolve(supi === 'imsi-274012001002086');
    expect(await sidf.deconceal(text, subscribed)).toBe('imsi-274012001002086');
    // The TS 29.503 form writes the MNC as it is: no question.
    expect(await sidf.deconceal(`suci-0-274-012-0-2-3-${v.schemeOutput}`)).toBe(
      'imsi-274012001002086',
    );
  });
});

describe("round trips with the UDM's own keys", () => {
  let t: TestUdm;
  beforeAll(async () => {
    t = await createTestUdm();
  });
  afterAll(async () => {
    await t.close();
  });

  const supis = fc.oneof(
    fc
      .tuple(
        fc.stringMatching(/^[0-9]{3}$/),
        fc.stringMatching(/^[0-9]{2,3}$/),
        fc.stringMatching(/^[0-9]{1,10}$/),
      )
      .filter(
        ([mcc, mnc, msin]) => (mcc + mnc + msin).length <= 15 && (mcc + mnc + msin).length >= 5,
      )
      .map(([mcc, mnc, msin]) => `imsi-${mcc}${mnc}${msin}`),
    fc
      .tuple(
        fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,30}[a-z0-9]$/).filter((u) => !u.includes('..')),
        fc.constantFrom(
          'example.com',
          'snpn.example.org',
          'nid000007ed9d5.mnc001.mcc001.3gppnetwork.org',
        ),
      )
      .map(([user, realm]) => `nai-${user}@${realm}`),
  );

  test('conceal with a published key (null, Profile A and B; both forms), de-conceal with the UDM', async () => {
    const { keys } = await t.udm.homeNetworkKeys.list();
    expect(keys.map((k) => k.scheme)).toEqual(['A', 'B']);
    const schemes = [{ scheme: 'null' as const }, ...keys];
    await fc.assert(
      fc.asyncProperty(
        supis,
        fc.constantFrom(...schemes),
        fc.integer({ min: 0, max: 9999 }),
        fc.boolean(),
        async (text, key, ri, mnc3) => {
          // Cut after a 3-digit MNC too, when an MSIN remains.
          const supi = parseSupi(
            text,
            text.startsWith('imsi-') && mnc3 && text.length > 11 ? 3 : 2,
          );
          const suci = concealSupiToSuci(supi, {
            routingIndicator: String(ri),
            ...('hnKeyId' in key
              ? { scheme: key.scheme, hnPublicKey: fromHex(key.hnPublicKey), hnKeyId: key.hnKeyId }
              : { scheme: 'null' }),
          });
          // The SUPI is subscribed: that settles the texts with two readings.
          const subscribed = (s: string) => Promise.resolve(s === text);
          for (const form of ['ts29503', 'nai'] as const) {
            expect(await t.udm.sidf.deconceal(formatSuci(suci, form), subscribed)).toBe(text);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  test('after the key ids change, SUCIs made with the earlier keys still de-conceal', async () => {
    const before = (await t.udm.homeNetworkKeys.list()).keys;
    const supi = parseSupi('imsi-001010000000001');
    const sucis = before.map((k) =>
      concealSupi(supi, {
        scheme: k.scheme,
        hnPublicKey: fromHex(k.hnPublicKey),
        hnKeyId: k.hnKeyId,
      }),
    );
    const udm = await t.restart({ homeNetworkKeyIds: { A: 11, B: 12 } });
    const after = (await udm.homeNetworkKeys.list()).keys;
    expect(after.map((k) => k.hnKeyId)).toEqual([11, 12]);
    for (const suci of sucis) expect(await udm.sidf.deconceal(suci)).toBe('imsi-001010000000001');
    for (const k of after) {
      const suci = concealSupi(supi, {
        scheme: k.scheme,
        hnPublicKey: fromHex(k.hnPublicKey),
        hnKeyId: k.hnKeyId,
      });
      expect(await udm.sidf.deconceal(suci)).toBe('imsi-001010000000001');
    }
    // A key id nobody made: the cause says so.
    const unknown = concealSupi(supi, {
      scheme: 'A',
      hnPublicKey: fromHex(after[0]!.hnPublicKey),
      hnKeyId: 200,
    });
    expect(await causeOf(udm.sidf.deconceal(unknown))).toBe('INVALID_HN_PUBLIC_KEY_IDENTIFIER');
  });
});
