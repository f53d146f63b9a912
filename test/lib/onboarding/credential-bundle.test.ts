// The bundle a UE accepts: the valid shapes of the contract, and each field wrong in turn.
import { describe, expect, test } from 'vitest';
import { parseCredentialBundle } from '../../../src/lib/onboarding/credential-bundle.js';

const valid = {
  supi: 'imsi-001010000000001',
  k: '465b5ce8b199b49faa5f0a2ee238a6bc',
  opc: 'cd63cb71954a9f4e48a5994e37a02baf',
  amf: '8000',
  sqn: '000000000020',
  authMethod: '5G_AKA',
  snpn: { mcc: '001', mnc: '01', nid: '000007ED9D5' },
  suci: {
    scheme: 'A',
    hnPublicKey: '5a8d38864820197c3394b92613b20b91633cbd897119273bf8e4a6f4eec0a650',
    hnKeyId: 1,
    routingIndicator: '0',
  },
  ackToken: 'q0Jg7yLCz6p5n3m9cXo1W2Z7aE4rT8uV0bN6dF3sHk8',
  notAfter: '2026-12-28T00:00:00Z',
};

describe('parseCredentialBundle', () => {
  test('accepts the contract shapes: Profile A, Profile B, null scheme, NAI', () => {
    expect(parseCredentialBundle(valid)).toEqual({ ok: true, bundle: valid });
    const b = {
      ...valid,
      authMethod: 'EAP_AKA_PRIME',
      suci: {
        scheme: 'B',
        hnPublicKey: '02' + 'ab'.repeat(32),
        hnKeyId: 2,
        routingIndicator: '1234',
      },
    };
    expect(parseCredentialBundle(b).ok).toBe(true);
    const n = {
      ...valid,
      supi: 'nai-device7@snpn.example.org',
      suci: { scheme: 'null', hnKeyId: 0, routingIndicator: '0' },
    };
    expect(parseCredentialBundle(n)).toEqual({ ok: true, bundle: n });
  });

  const wrong: [string, Record<string, unknown>, RegExp][] = [
    ['unknown top-level field', { ...valid, password: 'x' }, /unknown field "password"/],
    ['SUPI without prefix', { ...valid, supi: '001010000000001' }, /supi/],
    ['short K', { ...valid, k: 'ab' }, /^k is/],
    ['OPc not hex', { ...valid, opc: 'z'.repeat(32) }, /^opc/],
    ['AMF 3 digits', { ...valid, amf: '800' }, /^amf/],
    ['SQN 10 digits', { ...valid, sqn: '0000000000' }, /^sqn/],
    ['auth method', { ...valid, authMethod: 'EAP_TLS' }, /authMethod/],
    ['NID lower case', { ...valid, snpn: { ...valid.snpn, nid: '000007ed9d5' } }, /snpn.nid/],
    ['MCC 2 digits', { ...valid, snpn: { ...valid.snpn, mcc: '01' } }, /snpn.mcc/],
    ['extra snpn field', { ...valid, snpn: { ...valid.snpn, x: 1 } }, /snpn.x/],
    ['scheme C', { ...valid, suci: { ...valid.suci, scheme: 'C' } }, /suci.scheme/],
    [
      'Profile A key 33 bytes',
      { ...valid, suci: { ...valid.suci, hnPublicKey: '02' + 'ab'.repeat(32) } },
      /64 hex/,
    ],
    ['null scheme with a key', { ...valid, suci: { ...valid.suci, scheme: 'null' } }, /absent/],
    ['key id 256', { ...valid, suci: { ...valid.suci, hnKeyId: 256 } }, /hnKeyId/],
    [
      'routing indicator 5 digits',
      { ...valid, suci: { ...valid.suci, routingIndicator: '12345' } },
      /routingIndicator/,
    ],
    ['ackToken with padding', { ...valid, ackToken: 'abc=' }, /ackToken/],
    ['notAfter a date only', { ...valid, notAfter: '2026-12-28' }, /notAfter/],
    [
      'notAfter a day that does not exist',
      { ...valid, notAfter: '2026-02-30T00:00:00Z' },
      /notAfter/,
    ],
  ];
  test.each(wrong)('refuses %s', (_name, input, detail) => {
    const r = parseCredentialBundle(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.detail).toMatch(detail);
  });

  test('notAfter in any RFC 3339 form the UDM takes: an offset, lower-case t and z', () => {
    for (const notAfter of ['2027-01-01T02:00:00+02:00', '2026-12-28t00:00:00.5z']) {
      expect(parseCredentialBundle({ ...valid, notAfter })).toEqual({
        ok: true,
        bundle: { ...valid, notAfter },
      });
    }
  });

  test('refuses what is not an object', () => {
    for (const v of [null, 'x', 1, [valid]]) expect(parseCredentialBundle(v).ok).toBe(false);
  });

  test('a failure detail never carries the secret values', () => {
    const r = parseCredentialBundle({ ...valid, opc: valid.k.slice(0, 30) });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.detail).not.toContain(valid.k.slice(0, 30));
  });
});
