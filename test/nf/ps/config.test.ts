// DIR/npn-onboard.yaml: the default `init` writes parses to the documented values, and every
// mistake is reported with the field's path, its line and the fix.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  ConfigError,
  defaultConfigYaml,
  loadConfig,
  parseConfig,
} from '../../../src/nf/ps/config.js';

function errorOf(text: string): string {
  try {
    parseConfig(text, 'npn-onboard.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const lineOf = (text: string, needle: string) =>
  text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('the default configuration', () => {
  test('parses to one demo SNPN, an IMSI range and a rule for every device', () => {
    const config = parseConfig(defaultConfigYaml());
    expect(config.snpns).toEqual({
      demo: {
        name: 'demo',
        mcc: '001',
        mnc: '01',
        nid: '000007ED9D5',
        routingIndicator: '0',
        imsiRange: { firstMsin: '0000000001', lastMsin: '0999999999' },
      },
    });
    expect(config.policy).toEqual([
      {
        name: 'every-device',
        match: {},
        snpn: 'demo',
        holder: 'udm',
        authMethod: '5G_AKA',
        supi: 'imsi',
        suciScheme: 'A',
        accept: ['affirming'],
      },
    ]);
    expect(config.credentials).toEqual({
      amf: '8000',
      sqn: '000000000020',
      validityMs: 30 * 86_400_000,
    });
    expect(config.onboarding).toEqual({
      nonceLifetimeMs: 120_000,
      deliveryTimeoutMs: 600_000,
      clockSkewMs: 300_000,
    });
    expect(config.retry).toEqual({
      maxAttempts: 8,
      firstRetryMs: 1000,
      maxRetryMs: 300_000,
      leaseMs: 30_000,
    });
  });

  test('takes other identifiers, and is commented', () => {
    const text = defaultConfigYaml({ mcc: '999', mnc: '123', nid: '00000000001' });
    const config = parseConfig(text);
    expect(config.snpns.demo).toMatchObject({ mcc: '999', mnc: '123', nid: '00000000001' });
    // 3 + 3 + 9 digits: the MSINs shrink with a 3-digit MNC.
    expect(config.snpns.demo!.imsiRange).toEqual({ firstMsin: '000000001', lastMsin: '099999999' });
    const small = parseConfig(defaultConfigYaml({ lastMsin: '0000000099' }));
    expect(small.snpns.demo!.imsiRange!.lastMsin).toBe('0000000099');
    expect(text.split('\n').filter((l) => l.trim().startsWith('#')).length).toBeGreaterThan(10);
    expect(text).not.toMatch(/^op:/m);
  });

  test('loadConfig reads DIR/npn-onboard.yaml and says how to create it when absent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'npn-ps-config-'));
    try {
      expect(() => loadConfig(dir)).toThrow(/npn-onboard init --data/);
      writeFileSync(join(dir, 'npn-onboard.yaml'), defaultConfigYaml());
      expect(loadConfig(dir).policy[0]!.name).toBe('every-device');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a mistake names the field, its line and the fix', () => {
  const base = defaultConfigYaml();

  test('an unquoted MCC loses its leading zeros: quote it', () => {
    const text = base.replace('mcc: "001"', 'mcc: 001');
    const message = errorOf(text);
    expect(message).toContain(`npn-onboard.yaml:${lineOf(text, 'mcc: 001')}: snpns.demo.mcc`);
    expect(message).toMatch(/quotes/);
  });

  test('a rule naming an SNPN that is not defined', () => {
    const text = base.replace('snpn: demo', 'snpn: demo2');
    const message = errorOf(text);
    expect(message).toContain(`:${lineOf(text, 'snpn: demo2')}: policy[0].snpn`);
    expect(message).toContain('defined under snpns (demo)');
  });

  test('an unknown field, with the known ones', () => {
    const text = base.replace(
      '    accept: [affirming]',
      '    accept: [affirming]\n    acept: [warning]',
    );
    const message = errorOf(text);
    expect(message).toContain('policy[0].acept: unknown field');
    expect(message).toContain('accept');
  });

  test('the OP is refused in the file', () => {
    expect(errorOf(`${base}\nop: "000102030405060708090a0b0c0d0e0f"\n`)).toMatch(
      /^npn-onboard.yaml:\d+: op: .*NPN_ONBOARD_OP/,
    );
  });

  test('bad values', () => {
    expect(errorOf(base.replace('validity: 30d', 'validity: 30 days'))).toContain(
      'credentials.validity: expected a duration',
    );
    expect(errorOf(base.replace('nid: "000007ED9D5"', 'nid: "000007ed9d5"'))).toContain(
      'snpns.demo.nid: expected 11 upper-case hex digits',
    );
    expect(errorOf(base.replace('authMethod: 5G_AKA', 'authMethod: 4G_AKA'))).toContain(
      'policy[0].authMethod: expected 5G_AKA or EAP_AKA_PRIME',
    );
    expect(errorOf(base.replace('holder: udm ', 'holder: aaa '))).toContain('policy[0].holder');
    expect(errorOf(base.replace('suciScheme: A', 'suciScheme: C'))).toContain(
      'policy[0].suciScheme',
    );
    expect(
      errorOf(base.replace('accept: [affirming]', 'accept: [affirming, contraindicated]')),
    ).toContain('policy[0].accept');
    expect(errorOf(base.replace('lastMsin: "0999999999"', 'lastMsin: "999"'))).toContain(
      'snpns.demo.imsiRange: firstMsin and lastMsin must have the same number of digits',
    );
    expect(errorOf(base.replace('maxAttempts: 8', 'maxAttempts: 0'))).toContain(
      'retry.maxAttempts',
    );
    expect(errorOf(base.replace('lease: 30s', 'lease: soon'))).toContain(
      'retry.lease: expected a duration',
    );
  });

  test('the lease of claimed work is configurable', () => {
    expect(parseConfig(base.replace('lease: 30s', 'lease: 2s')).retry.leaseMs).toBe(2000);
  });

  test('a rule that needs what its SNPN lacks', () => {
    expect(errorOf(base.replace('supi: imsi ', 'supi: nai '))).toContain(
      'policy[0].supi: supi: nai needs a naiRealm under snpns.demo',
    );
    const noRange = base.replace(/ {4}imsiRange:.*\n.*\n.*\n/, '');
    expect(errorOf(noRange)).toContain('policy[0].supi: supi: imsi needs an imsiRange');
  });

  test('YAML that does not parse, and an empty file', () => {
    expect(errorOf('snpns: [\n')).toMatch(/^npn-onboard.yaml:\d+: not valid YAML/);
    expect(errorOf('')).toContain('empty');
  });

  test('a match on class, oemid and hwmodel', () => {
    const text = base.replace(
      '    match: {}',
      '    match: { deviceClass: [meter-v1, meter-v2], oemid: "A1B2C3", hwmodel: "0102" }',
    );
    expect(parseConfig(text).policy[0]!.match).toEqual({
      deviceClass: ['meter-v1', 'meter-v2'],
      oemid: [{ hex: 'a1b2c3' }],
      hwmodel: ['0102'],
    });
    expect(
      parseConfig(base.replace('    match: {}', '    match: { oemid: 32473 }')).policy[0]!.match,
    ).toEqual({
      oemid: [{ pen: 32473 }],
    });
  });
});
