import { describe, expect, test } from 'vitest';
import { fromHex, toHex, xor } from '../../src/lib/bytes.js';
import {
  loadVectors,
  type EapAkaPrimeVector,
  type MilenageVector,
  type SharedVectors,
} from '../helpers.js';
import { referenceMilenage } from '../reference-milenage.js';
import { flags, runCli, runJson } from './run-cli.js';

const shared = loadVectors<SharedVectors>('3gpp.json');
const set1 = shared.milenage[0]!;
const plmn = shared['5g_aka'].plmn;
const ts35208 = loadVectors<{ sets: MilenageVector[] }>('ts35208-milenage.json').sets;
/** K, OPc, RAND, SQN and AMF of Milenage test set 1, the inputs of the 5G AKA vector. */
const SET1_ARGS = flags({
  '--k': set1.K,
  '--opc': set1.OPc,
  '--rand': set1.RAND,
  '--sqn': set1.SQN,
  '--amf': set1.AMF,
});
const rfc5448 = loadVectors<{ cases: (EapAkaPrimeVector & { case: number })[] }>(
  'rfc5448-eap-aka-prime.json',
).cases;

function milenageExpectation(s: MilenageVector) {
  return {
    opc: s.OPc.toLowerCase(),
    mac_a: s.f1.toLowerCase(),
    mac_s: s.f1star.toLowerCase(),
    res: s.f2_RES.toLowerCase(),
    ck: s.f3_CK.toLowerCase(),
    ik: s.f4_IK.toLowerCase(),
    ak: s.f5_AK.toLowerCase(),
    ak_star: s.f5star.toLowerCase(),
  };
}

describe('tools milenage', () => {
  test.each(ts35208.map((s) => [s.set, s] as const))(
    'TS 35.208 set %i, from OP and from OPc',
    async (_n, s) => {
      const common = ['--k', s.K, '--rand', s.RAND, '--sqn', s.SQN, '--amf', s.AMF];
      const [fromOp, fromOpc] = await Promise.all([
        runJson(['tools', 'milenage', ...common, '--op', s.OP]),
        runJson(['tools', 'milenage', ...common, '--opc', s.OPc]),
      ]);
      expect(fromOp).toEqual(milenageExpectation(s));
      expect(fromOpc).toEqual(milenageExpectation(s));
    },
  );

  test('accepts upper-case hex and prints lower-case', async () => {
    const upper = SET1_ARGS.map((a) => (a.startsWith('--') ? a : a.toUpperCase()));
    const out = await runJson(['tools', 'milenage', ...upper]);
    expect(out).toEqual(milenageExpectation(set1));
  });
});

describe('tools 5g-aka', () => {
  test('the published 5G AKA vector, down to KAMF', async () => {
    const out = await runJson([
      'tools',
      '5g-aka',
      ...SET1_ARGS,
      '--snn',
      plmn.snn,
      '--supi',
      '001010123456789',
    ]);
    expect(out).toEqual({
      autn: plmn.AUTN,
      xres_star: plmn.XRESstar,
      hxres_star: plmn.HXRESstar,
      kausf: plmn.KAUSF,
      kseaf: plmn.KSEAF,
      kamf: plmn.KAMF,
    });
  });

  test('--supi imsi-DIGITS and an explicit --abba 0000 give the same KAMF', async () => {
    const out = await runJson([
      'tools',
      '5g-aka',
      ...SET1_ARGS,
      '--snn',
      plmn.snn,
      '--supi',
      'imsi-001010123456789',
      '--abba',
      '0000',
    ]);
    expect(out.kamf).toBe(plmn.KAMF);
  });
});

describe('tools eap-aka-prime', () => {
  test.each(rfc5448.map((c) => [c.case, c] as const))('RFC 5448 case %i', async (_n, c) => {
    const out = await runJson([
      'tools',
      'eap-aka-prime',
      '--ck',
      c.CK,
      '--ik',
      c.IK,
      '--autn',
      c.AUTN,
      '--network-name',
      c.networkName,
      '--identity',
      c.identity,
    ]);
    expect(out).toEqual({
      ck_prime: c.CKprime,
      ik_prime: c.IKprime,
      k_encr: c.K_encr,
      k_aut: c.K_aut,
      k_re: c.K_re,
      msk: c.MSK,
      emsk: c.EMSK,
    });
  });
});

describe('tools auth-check', () => {
  const base = [
    'tools',
    'auth-check',
    '--k',
    set1.K,
    '--opc',
    set1.OPc,
    '--rand',
    set1.RAND,
    '--autn',
    plmn.AUTN,
  ];
  // SQN of set 1 is ff9bb4d0b607; an SQN_MS a few SEQ below it accepts the challenge.
  const below = 'ff9bb4d0b5e7';
  const above = 'ff9bb4d0b6e7';

  test('ok: RES and RES* are the published f2 and XRES*', async () => {
    const out = await runJson([...base, '--sqn-ms', below, '--snn', plmn.snn]);
    expect(out).toEqual({ result: 'ok', res: set1.f2_RES, res_star: plmn.XRESstar, sqn: set1.SQN });
  });

  test('ok without --snn has no res_star', async () => {
    const out = await runJson([...base, '--sqn-ms', below]);
    expect(out).toEqual({ result: 'ok', res: set1.f2_RES, sqn: set1.SQN });
  });

  test('mac_failure with another K', async () => {
    const out = await runJson([
      'tools',
      'auth-check',
      '--k',
      '00'.repeat(16),
      '--opc',
      set1.OPc,
      '--rand',
      set1.RAND,
      '--autn',
      plmn.AUTN,
      '--sqn-ms',
      below,
    ]);
    expect(out).toEqual({ result: 'mac_failure' });
  });

  test('sync_failure: AUTS = (SQN_MS XOR AK*) || f1*(SQN_MS, RAND, AMF 0000)', async () => {
    const out = await runJson([...base, '--sqn-ms', above]);
    const ref = referenceMilenage(set1.K, set1.OPc, set1.RAND, above, '0000');
    expect(ref.f5star).toBe(set1.f5star); // the reference agrees with the vector first
    const concealed = toHex(xor(fromHex(above), fromHex(set1.f5star)));
    expect(out).toEqual({
      result: 'sync_failure',
      auts: concealed + ref.f1star,
      reason: 'not_fresh',
      sqn: set1.SQN,
    });
  });
});

describe('bad input: one line on stderr naming the flag, exit code 2, no stack, no secret', () => {
  const K = set1.K;
  const good = SET1_ARGS;
  const cases: [string, string[], RegExp][] = [
    [
      'missing flag',
      [
        'tools',
        'milenage',
        '--opc',
        set1.OPc,
        '--rand',
        set1.RAND,
        '--sqn',
        set1.SQN,
        '--amf',
        set1.AMF,
      ],
      /--k is required: it expects 32 hex digits/,
    ],
    [
      'wrong length',
      ['tools', 'milenage', ...good.slice(2), '--k', K.slice(2)],
      /--k expects 32 hex digits \(16 bytes\); got 30 digits/,
    ],
    [
      'not hex',
      ['tools', 'milenage', ...good.slice(0, 8), '--amf', 'zz11'],
      /--amf expects 4 hex digits \(2 bytes\); got a value that is not hex/,
    ],
    [
      'odd length',
      ['tools', 'milenage', ...good.slice(0, 6), '--sqn', 'ff9bb4d0b60', '--amf', set1.AMF],
      /--sqn expects 12 hex digits/,
    ],
    [
      'both --op and --opc',
      ['tools', 'milenage', ...good, '--op', set1.OP],
      /give either --op or --opc/,
    ],
    [
      'neither --op nor --opc',
      ['tools', 'milenage', '--k', K, '--rand', set1.RAND, '--sqn', set1.SQN, '--amf', set1.AMF],
      /--op or --opc is required/,
    ],
    [
      'bad serving network name',
      [
        'tools',
        '5g-aka',
        ...good,
        '--snn',
        '5G:mnc01.mcc001.3gppnetwork.org',
        '--supi',
        '001010123456789',
      ],
      /--snn expects 5G:mncXXX/,
    ],
    [
      'lower-case NID',
      [
        'tools',
        '5g-aka',
        ...good,
        '--snn',
        '5G:mnc001.mcc001.3gppnetwork.org:000007ed9d5',
        '--supi',
        '001010123456789',
      ],
      /--snn expects .*upper-case/,
    ],
    [
      'bad SUPI',
      ['tools', '5g-aka', ...good, '--snn', plmn.snn, '--supi', '12ab'],
      /--supi expects the IMSI digits/,
    ],
    [
      'bad ABBA',
      ['tools', '5g-aka', ...good, '--snn', plmn.snn, '--supi', '001010123456789', '--abba', '0'],
      /--abba expects hex of 2 to 255 bytes/,
    ],
    [
      'missing identity',
      [
        'tools',
        'eap-aka-prime',
        '--ck',
        set1.f3_CK,
        '--ik',
        set1.f4_IK,
        '--autn',
        plmn.AUTN,
        '--network-name',
        'WLAN',
      ],
      /--identity is required/,
    ],
    [
      'bad --ind-bits',
      [
        'tools',
        'auth-check',
        '--k',
        K,
        '--opc',
        set1.OPc,
        '--rand',
        set1.RAND,
        '--autn',
        plmn.AUTN,
        '--sqn-ms',
        '000000000000',
        '--ind-bits',
        'x',
      ],
      /--ind-bits expects an integer from 0 to 16/,
    ],
    [
      'bad scheme',
      ['tools', 'suci', 'conceal', '--supi', 'imsi-001010000000001', '--scheme', 'C'],
      /--scheme expects null, A or B/,
    ],
    [
      'bad SUPI to conceal',
      ['tools', 'suci', 'conceal', '--supi', '001010000000001', '--scheme', 'null'],
      /--supi expects imsi-DIGITS or nai-USER@REALM/,
    ],
    [
      'Profile A key of wrong length',
      [
        'tools',
        'suci',
        'conceal',
        '--supi',
        'imsi-001010000000001',
        '--scheme',
        'A',
        '--hn-public-key',
        '00',
        '--hn-key-id',
        '1',
      ],
      /--hn-public-key expects 64 hex digits/,
    ],
    [
      'key id out of range',
      [
        'tools',
        'suci',
        'conceal',
        '--supi',
        'imsi-001010000000001',
        '--scheme',
        'A',
        '--hn-public-key',
        '00'.repeat(32),
        '--hn-key-id',
        '256',
      ],
      /--hn-key-id expects an integer from 0 to 255/,
    ],
    [
      'bad routing indicator',
      [
        'tools',
        'suci',
        'conceal',
        '--supi',
        'imsi-001010000000001',
        '--scheme',
        'null',
        '--routing-indicator',
        '12345',
      ],
      /--routing-indicator expects 1 to 4 decimal digits/,
    ],
    [
      'malformed SUCI',
      ['tools', 'suci', 'reveal', '--suci', 'suci-0-001', '--hn-private-key', '00'.repeat(32)],
      /--suci expects a SUCI string/,
    ],
    ['unknown option', ['tools', 'milenage', ...good, '--kk', K], /unknown option '--kk'/],
    ['unknown command', ['tools', 'milenag'], /unknown command 'milenag'/],
  ];

  test.each(cases)('%s', async (_name, args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^npn-onboard/);
    expect(lines[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr.toLowerCase()).not.toContain(K.toLowerCase());
    expect(r.stderr.toLowerCase()).not.toContain(K.slice(2).toLowerCase());
  });
});

describe('the executable', () => {
  test('--help lists the toolbox and exits 0', async () => {
    const r = await runCli(['tools', '--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['milenage', '5g-aka', 'eap-aka-prime', 'suci', 'auth-check']) {
      expect(r.stdout).toContain(cmd);
    }
  });

  test('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
