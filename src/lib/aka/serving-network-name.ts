// The serving network name of TS 33.501 clause 6.1.1.4 (TS 24.501 9.12.1): the input of KAUSF,
// RES*, KSEAF and of AT_KDF_INPUT in EAP-AKA'. For an SNPN the NID follows a colon (TS 33.501
// 6.1.1.4.1, Rel-16+), written as the 11 upper-case hex digits TS 29.503's ServingNetworkName
// pattern allows.
import { AkaError } from './errors.js';

export interface PlmnId {
  /** three decimal digits */
  mcc: string;
  /** two or three decimal digits */
  mnc: string;
}

export interface SnpnId extends PlmnId {
  /** Network Identifier: 11 hex digits (TS 23.003 clause 12.7) */
  nid: string;
}

const MCC_RE = /^\d{3}$/;
const MNC_RE = /^\d{2,3}$/;
const NID_RE = /^[0-9a-fA-F]{11}$/;

export function servingNetworkName(network: PlmnId | SnpnId): string {
  if (!MCC_RE.test(network.mcc)) {
    throw new AkaError('INVALID_SERVING_NETWORK', 'MCC must be 3 decimal digits');
  }
  if (!MNC_RE.test(network.mnc)) {
    throw new AkaError('INVALID_SERVING_NETWORK', 'MNC must be 2 or 3 decimal digits');
  }
  // A two-digit MNC is written with a leading zero (TS 24.501 9.12.1).
  const base = `5G:mnc${network.mnc.padStart(3, '0')}.mcc${network.mcc}.3gppnetwork.org`;
  if (!('nid' in network)) return base;
  if (!NID_RE.test(network.nid)) {
    throw new AkaError('INVALID_SERVING_NETWORK', 'NID must be 11 hex digits');
  }
  return `${base}:${network.nid.toUpperCase()}`;
}

const SNN_RE = /^5G:mnc(\d{3})\.mcc(\d{3})\.3gppnetwork\.org(?::([0-9A-F]{11}))?$/;

/** Parses a serving network name back into MCC, MNC (3 digits as written) and optional NID. */
export function parseServingNetworkName(snn: string): PlmnId | SnpnId {
  const m = SNN_RE.exec(snn);
  if (!m) {
    throw new AkaError(
      'INVALID_SERVING_NETWORK',
      'expected 5G:mncXXX.mccYYY.3gppnetwork.org with an optional :NID (11 upper-case hex digits)',
    );
  }
  const plmn = { mcc: m[2]!, mnc: m[1]! };
  return m[3] === undefined ? plmn : { ...plmn, nid: m[3] };
}
