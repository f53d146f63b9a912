// SNPN selection over the device's credentials and what the network broadcasts.
import { describe, expect, test } from 'vitest';
import type { CredentialBundle, SnpnId } from '../../src/lib/onboarding/credential-bundle.js';
import { selectSnpn, SnpnSelectionError } from '../../src/ue/snpn-selection.js';

const HOME: SnpnId = { mcc: '001', mnc: '01', nid: '000007ED9D5' };
const OTHER: SnpnId = { mcc: '999', mnc: '70', nid: '00000000001' };

function bundle(snpn: SnpnId, notAfter = '2099-01-01T00:00:00Z'): CredentialBundle {
  return {
    supi: 'imsi-001010000000001',
    k: '000102030405060708090a0b0c0d0e0f',
    opc: '101112131415161718191a1b1c1d1e1f',
    amf: '8000',
    sqn: '000000000020',
    authMethod: '5G_AKA',
    snpn,
    suci: { scheme: 'null', hnKeyId: 0, routingIndicator: '0' },
    ackToken: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    notAfter,
  };
}

function causeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    if (err instanceof SnpnSelectionError) return err.cause;
    throw err;
  }
  return undefined;
}

describe('selectSnpn', () => {
  test('the broadcast SNPN the device has credentials for; the NID compares case-insensitively', () => {
    const mine = bundle(HOME);
    const chosen = selectSnpn([mine], [OTHER, { ...HOME, nid: HOME.nid.toLowerCase() }]);
    expect(chosen.snpn).toEqual(HOME);
    expect(chosen.bundle).toBe(mine);
  });

  test('the first of the device credentials (its preference) that is broadcast', () => {
    const first = bundle(OTHER);
    const second = bundle(HOME);
    expect(selectSnpn([first, second], [HOME, OTHER]).bundle).toBe(first);
    expect(selectSnpn([first, second], [HOME]).bundle).toBe(second);
  });

  test('no match: SNPN_NOT_AVAILABLE naming both sides; MNC 01 is not MNC 001', () => {
    const run = () => selectSnpn([bundle(HOME)], [{ ...HOME, mnc: '001' }]);
    expect(causeOf(run)).toBe('SNPN_NOT_AVAILABLE');
    expect(run).toThrow('device: 001-01:000007ED9D5; broadcast: 001-001:000007ED9D5');
    expect(causeOf(() => selectSnpn([bundle(HOME)], []))).toBe('SNPN_NOT_AVAILABLE');
    expect(causeOf(() => selectSnpn([bundle(HOME)], [{ ...HOME, nid: '000007ED9D6' }]))).toBe(
      'SNPN_NOT_AVAILABLE',
    );
  });

  test('no credentials at all, and credentials past their notAfter', () => {
    expect(causeOf(() => selectSnpn([], [HOME]))).toBe('NO_CREDENTIALS');
    const expired = bundle(HOME, '2020-01-01T00:00:00Z');
    expect(causeOf(() => selectSnpn([expired], [HOME]))).toBe('CREDENTIALS_EXPIRED');
    // Expired credentials for one SNPN do not stop a valid match for another.
    expect(selectSnpn([expired, bundle(OTHER)], [HOME, OTHER]).snpn).toEqual(OTHER);
  });
});
