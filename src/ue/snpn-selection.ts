// SNPN selection (TS 23.501 5.30.2.4, automatic mode, reduced to what a device onboarded by this
// project holds): among the SNPNs the network broadcasts, the first one (in the order of the
// device's stored credentials) for which the device has valid credentials. An SNPN is its PLMN ID
// and NID; the NID compares case-insensitively (it is hex), MCC and MNC digit for digit (MNC 01
// and 001 are different networks).
import type { CredentialBundle, SnpnId } from '../lib/onboarding/credential-bundle.js';
import { parseRfc3339 } from '../lib/rfc3339.js';

export type SnpnSelectionCause = 'NO_CREDENTIALS' | 'SNPN_NOT_AVAILABLE' | 'CREDENTIALS_EXPIRED';

export class SnpnSelectionError extends Error {
  override readonly name = 'SnpnSelectionError';
  constructor(
    override readonly cause: SnpnSelectionCause,
    message: string,
  ) {
    super(message);
  }
}

export interface SnpnSelection {
  snpn: SnpnId;
  bundle: CredentialBundle;
}

export function sameSnpn(a: SnpnId, b: SnpnId): boolean {
  return a.mcc === b.mcc && a.mnc === b.mnc && a.nid.toUpperCase() === b.nid.toUpperCase();
}

const show = (s: SnpnId) => `${s.mcc}-${s.mnc}:${s.nid.toUpperCase()}`;

/**
 * Picks the SNPN to register with. `credentials` are the device's bundles in order of preference
 * (a device onboarded once has one); `broadcast` what the network announces. Throws
 * SnpnSelectionError: NO_CREDENTIALS, SNPN_NOT_AVAILABLE (none of the device's SNPNs is
 * broadcast), CREDENTIALS_EXPIRED (the only matches are past their notAfter).
 */
export function selectSnpn(
  credentials: readonly CredentialBundle[],
  broadcast: readonly SnpnId[],
  now: Date = new Date(),
): SnpnSelection {
  if (credentials.length === 0) {
    throw new SnpnSelectionError('NO_CREDENTIALS', 'the device holds no credentials: onboard it');
  }
  let expired: CredentialBundle | undefined;
  for (const bundle of credentials) {
    const offered = broadcast.find((s) => sameSnpn(s, bundle.snpn));
    if (offered === undefined) continue;
    // A notAfter that is not a date-time (a store edited by hand) counts as expired.
    if ((parseRfc3339(bundle.notAfter) ?? 0) <= now.getTime()) {
      expired ??= bundle;
      continue;
    }
    return { snpn: { ...bundle.snpn }, bundle };
  }
  if (expired !== undefined) {
    throw new SnpnSelectionError(
      'CREDENTIALS_EXPIRED',
      `the credentials for SNPN ${show(expired.snpn)} expired at ${expired.notAfter}: onboard again`,
    );
  }
  const held = credentials.map((b) => show(b.snpn)).join(', ');
  const seen = broadcast.length > 0 ? broadcast.map(show).join(', ') : 'none';
  throw new SnpnSelectionError(
    'SNPN_NOT_AVAILABLE',
    `no broadcast SNPN matches the device's credentials (device: ${held}; broadcast: ${seen})`,
  );
}
