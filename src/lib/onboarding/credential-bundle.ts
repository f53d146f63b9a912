// The credential bundle of Step 2.3: what the Provisioning Server encrypts to the attested `cnf`
// key and the UE decrypts. The field names are the contract of issue 4; parseCredentialBundle is
// strict (no unknown fields, exact lengths), because a UE must not half-accept credentials.

import { parseRfc3339 } from '../rfc3339.js';

export interface SnpnId {
  /** 3 digits */
  mcc: string;
  /** 2 or 3 digits */
  mnc: string;
  /** 11 hex digits, upper case (TS 23.003 NID) */
  nid: string;
}

export interface SuciParameters {
  scheme: 'A' | 'B' | 'null';
  /** Profile A: raw X25519 key, 64 hex; Profile B: compressed P-256 point, 66 hex; absent for null */
  hnPublicKey?: string;
  /** home network public key identifier, 0-255 */
  hnKeyId: number;
  /** 1-4 digits */
  routingIndicator: string;
}

export interface CredentialBundle {
  /** TS 29.571 Supi: imsi-<digits> or nai-<user@realm> */
  supi: string;
  /** 32 hex */
  k: string;
  /** 32 hex */
  opc: string;
  /** 4 hex */
  amf: string;
  /** 12 hex */
  sqn: string;
  authMethod: '5G_AKA' | 'EAP_AKA_PRIME';
  snpn: SnpnId;
  suci: SuciParameters;
  /** base64url; proves delivery when sent back in the ack */
  ackToken: string;
  /** RFC 3339 */
  notAfter: string;
}

export type BundleResult = { ok: true; bundle: CredentialBundle } | { ok: false; detail: string };

const BUNDLE_FIELDS = [
  'supi',
  'k',
  'opc',
  'amf',
  'sqn',
  'authMethod',
  'snpn',
  'suci',
  'ackToken',
  'notAfter',
] as const;
const SNPN_FIELDS = ['mcc', 'mnc', 'nid'] as const;
const SUCI_FIELDS = ['scheme', 'hnPublicKey', 'hnKeyId', 'routingIndicator'] as const;

const SUPI = /^(?:imsi-[0-9]{5,15}|nai-[^@\s]+@[^@\s]+)$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hexOf(v: unknown, digits: number): v is string {
  return typeof v === 'string' && v.length === digits && /^[0-9a-fA-F]*$/.test(v);
}

function unknownField(o: Record<string, unknown>, allowed: readonly string[]): string | undefined {
  return Object.keys(o).find((key) => !allowed.includes(key));
}

/** Checks a decrypted bundle field by field; the detail names the first field that is wrong. */
export function parseCredentialBundle(json: unknown): BundleResult {
  const fail = (detail: string): BundleResult => ({ ok: false, detail });
  if (!isObject(json)) return fail('the bundle is not a JSON object');
  const extra = unknownField(json, BUNDLE_FIELDS);
  if (extra !== undefined) return fail(`unknown field "${extra}"`);
  const { supi, k, opc, amf, sqn, authMethod, snpn, suci, ackToken, notAfter } = json;
  if (typeof supi !== 'string' || !SUPI.test(supi)) return fail('supi is not imsi-... or nai-...');
  if (!hexOf(k, 32)) return fail('k is not 32 hex digits');
  if (!hexOf(opc, 32)) return fail('opc is not 32 hex digits');
  if (!hexOf(amf, 4)) return fail('amf is not 4 hex digits');
  if (!hexOf(sqn, 12)) return fail('sqn is not 12 hex digits');
  if (authMethod !== '5G_AKA' && authMethod !== 'EAP_AKA_PRIME') {
    return fail('authMethod is neither 5G_AKA nor EAP_AKA_PRIME');
  }
  if (!isObject(snpn)) return fail('snpn is not an object');
  const snpnExtra = unknownField(snpn, SNPN_FIELDS);
  if (snpnExtra !== undefined) return fail(`unknown field "snpn.${snpnExtra}"`);
  if (typeof snpn.mcc !== 'string' || !/^[0-9]{3}$/.test(snpn.mcc)) {
    return fail('snpn.mcc is not 3 digits');
  }
  if (typeof snpn.mnc !== 'string' || !/^[0-9]{2,3}$/.test(snpn.mnc)) {
    return fail('snpn.mnc is not 2 or 3 digits');
  }
  if (typeof snpn.nid !== 'string' || !/^[0-9A-F]{11}$/.test(snpn.nid)) {
    return fail('snpn.nid is not 11 upper-case hex digits');
  }
  if (!isObject(suci)) return fail('suci is not an object');
  const suciExtra = unknownField(suci, SUCI_FIELDS);
  if (suciExtra !== undefined) return fail(`unknown field "suci.${suciExtra}"`);
  const { scheme, hnPublicKey, hnKeyId, routingIndicator } = suci;
  if (scheme !== 'A' && scheme !== 'B' && scheme !== 'null') {
    return fail('suci.scheme is not A, B or null');
  }
  if (scheme === 'null') {
    if (hnPublicKey !== undefined)
      return fail('suci.hnPublicKey must be absent for the null scheme');
  } else if (!hexOf(hnPublicKey, scheme === 'A' ? 64 : 66)) {
    return fail(`suci.hnPublicKey is not ${scheme === 'A' ? 64 : 66} hex digits`);
  }
  if (typeof hnKeyId !== 'number' || !Number.isInteger(hnKeyId) || hnKeyId < 0 || hnKeyId > 255) {
    return fail('suci.hnKeyId is not an integer 0-255');
  }
  if (typeof routingIndicator !== 'string' || !/^[0-9]{1,4}$/.test(routingIndicator)) {
    return fail('suci.routingIndicator is not 1-4 digits');
  }
  if (typeof ackToken !== 'string' || !/^[A-Za-z0-9_-]{22,128}$/.test(ackToken)) {
    return fail('ackToken is not base64url');
  }
  if (typeof notAfter !== 'string' || parseRfc3339(notAfter) === undefined) {
    return fail('notAfter is not an RFC 3339 date-time');
  }
  const bundle: CredentialBundle = {
    supi,
    k,
    opc,
    amf,
    sqn,
    authMethod,
    snpn: { mcc: snpn.mcc, mnc: snpn.mnc, nid: snpn.nid },
    suci: {
      scheme,
      ...(typeof hnPublicKey === 'string' ? { hnPublicKey } : {}),
      hnKeyId,
      routingIndicator,
    },
    ackToken,
    notAfter,
  };
  return { ok: true, bundle };
}
