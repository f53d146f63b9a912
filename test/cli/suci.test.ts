// tools suci conceal/reveal against the published SUCI vectors (shared set for IMSI SUPIs,
// TS 33.501 C.4 for NAI SUPIs). Expected strings are assembled from the vectors' scheme outputs
// and the string layouts of TS 29.503 and TS 23.003 28.7.3.
import { describe, expect, test } from 'vitest';
import { loadVectors } from '../helpers.js';
import { runCli, runJson } from './run-cli.js';

interface ImsiVector {
  hnPriv: string;
  hnPub?: string;
  hnPubCompressed?: string;
  ephPriv: string;
  schemeOutput: string;
}
interface NaiVector {
  supi: string;
  hnPriv: string;
  hnPub?: string;
  hnPubCompressed?: string;
  ephPriv: string;
  schemeOutput: string;
}

const shared = loadVectors<{
  suci_profile_a_imsi: ImsiVector & { suci_string_example: { suci: string; supi: string } };
  suci_profile_b_imsi: ImsiVector;
}>('3gpp.json');
const nai = loadVectors<{ profile_a_nai: NaiVector; profile_b_nai: NaiVector }>(
  'ts33501-suci-nai.json',
);

const A = shared.suci_profile_a_imsi;
const B = shared.suci_profile_b_imsi;
const SUPI = A.suci_string_example.supi; // imsi-20893001002086: MCC 208, MNC 93

describe('tools suci conceal reproduces the published scheme outputs', () => {
  test('Profile A, IMSI: the shared suci string example exactly', async () => {
    const out = await runJson([
      'tools',
      'suci',
      'conceal',
      '--supi',
      SUPI,
      '--scheme',
      'A',
      '--hn-public-key',
      A.hnPub!,
      '--hn-key-id',
      '1',
      '--routing-indicator',
      '0',
      '--ephemeral-private-key',
      A.ephPriv,
    ]);
    expect(out).toEqual({ suci: A.suci_string_example.suci });
  });

  test('Profile B, IMSI, with the compressed home network key', async () => {
    const out = await runJson([
      'tools',
      'suci',
      'conceal',
      '--supi',
      SUPI,
      '--scheme',
      'B',
      '--hn-public-key',
      B.hnPubCompressed!,
      '--hn-key-id',
      '2',
      '--routing-indicator',
      '0',
      '--ephemeral-private-key',
      B.ephPriv,
    ]);
    expect(out).toEqual({ suci: `suci-0-208-93-0-2-2-${B.schemeOutput.toLowerCase()}` });
  });

  test.each([
    ['A', nai.profile_a_nai, nai.profile_a_nai.hnPub!],
    ['B', nai.profile_b_nai, nai.profile_b_nai.hnPubCompressed!],
  ])(
    'Profile %s, NAI SUPI (TS 33.501 C.4), NAI form of TS 23.003 28.7.3',
    async (scheme, v, pub) => {
      const [username, realm] = v.supi.split('@');
      const out = await runJson([
        'tools',
        'suci',
        'conceal',
        '--supi',
        `nai-${v.supi}`,
        '--scheme',
        scheme,
        '--hn-public-key',
        pub,
        '--hn-key-id',
        '27',
        '--routing-indicator',
        '678',
        '--ephemeral-private-key',
        v.ephPriv,
      ]);
      expect(username).toBe('verylongusername1');
      const schid = scheme === 'A' ? 1 : 2;
      expect(out).toEqual({
        suci: `type1.rid678.schid${schid}.hnkey27.${v.schemeOutput.toLowerCase()}@${realm}`,
      });
    },
  );

  test('without --ephemeral-private-key every SUCI is fresh, and each reveals to the SUPI', async () => {
    const args = [
      'tools',
      'suci',
      'conceal',
      '--supi',
      SUPI,
      '--scheme',
      'A',
      '--hn-public-key',
      A.hnPub!,
      '--hn-key-id',
      '1',
    ];
    const [one, two] = await Promise.all([runJson(args), runJson(args)]);
    expect(one.suci).not.toBe(two.suci);
    for (const suci of [one.suci, two.suci]) {
      const revealed = await runJson([
        'tools',
        'suci',
        'reveal',
        '--suci',
        String(suci),
        '--hn-private-key',
        A.hnPriv,
      ]);
      expect(revealed).toEqual({ supi: SUPI });
    }
  });
});

describe('tools suci reveal', () => {
  test('the shared example reveals to its SUPI', async () => {
    const out = await runJson([
      'tools',
      'suci',
      'reveal',
      '--suci',
      A.suci_string_example.suci,
      '--hn-private-key',
      A.hnPriv,
    ]);
    expect(out).toEqual({ supi: SUPI });
  });

  test('Profile B NAI vector reveals to its NAI SUPI', async () => {
    const v = nai.profile_b_nai;
    const suci = `type1.rid0.schid2.hnkey3.${v.schemeOutput}@3gpp.com`;
    const out = await runJson([
      'tools',
      'suci',
      'reveal',
      '--suci',
      suci,
      '--hn-private-key',
      v.hnPriv,
    ]);
    expect(out).toEqual({ supi: `nai-${v.supi}` });
  });

  test('null scheme needs no key', async () => {
    const out = await runJson([
      'tools',
      'suci',
      'reveal',
      '--suci',
      'suci-0-001-01-0-0-0-0000000001',
    ]);
    expect(out).toEqual({ supi: 'imsi-001010000000001' });
  });

  test('a wrong private key: one line naming the flag, exit 1, and no key in the message', async () => {
    const r = await runCli([
      'tools',
      'suci',
      'reveal',
      '--suci',
      A.suci_string_example.suci,
      '--hn-private-key',
      B.hnPriv,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/does not verify with this --hn-private-key/);
    expect(r.stderr.toLowerCase()).not.toContain(B.hnPriv.toLowerCase());
  });

  test('Profile A without a key: exit 2 naming --hn-private-key', async () => {
    const r = await runCli(['tools', 'suci', 'reveal', '--suci', A.suci_string_example.suci]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--hn-private-key is required for Profile A and B/);
  });
});
