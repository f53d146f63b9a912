// The device's Evidence (DESIGN.md, the project's EAT profile): the PS's nonce, the UEID, what the
// device is and runs, and a fresh confirmation key (cnf) the credentials will be encrypted to,
// signed (ES256) or MACed (HMAC 256/256 / HS256) with the AKM of the key store.
import type { JWK } from 'jose';
import { fromHex, toHex } from '../lib/bytes.js';
import { DBGSTAT, EAT_PROFILE, INTUSE, type EatClaims } from '../lib/rats/eat-claims.js';
import { encodeEatCwt } from '../lib/rats/eat-cwt.js';
import { encodeEatJwt } from '../lib/rats/eat-jwt.js';
import { generateJwkPair } from '../lib/key-pairs.js';
import type { KeyStore } from './key-store.js';
import type { DeviceIdentity } from './software-key-store.js';

export type EvidenceForm = 'cwt' | 'jwt';
export type EvidenceContentType = 'application/eat+cwt' | 'application/eat+jwt';

/** The claims a device makes about itself (the UEID comes from the key store). */
export type EvidenceIdentity = Pick<DeviceIdentity, 'oemid' | 'hwmodel' | 'swname' | 'swversion'>;

export interface Evidence {
  contentType: EvidenceContentType;
  /** CBOR bytes (cwt) or the compact JWS (jwt) */
  body: Uint8Array | string;
  /** the private half of this Evidence's cnf key: what opens the credentials JWE */
  cnfPrivateJwk: JWK;
  cnfPublicJwk: JWK;
}

export interface BuildEvidenceOptions {
  /** the clock, ms since the epoch (tests) */
  now?: () => number;
}

/**
 * Builds and signs Evidence for one challenge, with a fresh P-256 cnf key pair per call: a key
 * that attested one onboarding never receives another's credentials.
 */
export async function buildEvidence(
  keyStore: KeyStore,
  identity: EvidenceIdentity,
  nonce: Uint8Array,
  form: EvidenceForm,
  options: BuildEvidenceOptions = {},
): Promise<Evidence> {
  const cnf = generateJwkPair('P-256');
  const ueid = keyStore.ueid();
  const claims: EatClaims = {
    nonce,
    ueid,
    cnf: cnf.publicJwk,
    iat: Math.floor((options.now ?? Date.now)() / 1000),
    ...(identity.oemid !== undefined ? { oemid: fromHex(identity.oemid) } : {}),
    ...(identity.hwmodel !== undefined ? { hwmodel: fromHex(identity.hwmodel) } : {}),
    swname: identity.swname,
    swversion: { version: identity.swversion },
    oemboot: true,
    dbgstat: DBGSTAT.disabledPermanently,
    intuse: INTUSE.provisioning,
    eatProfile: EAT_PROFILE,
  };
  const key = keyStore.signingKey();
  if (form === 'cwt') {
    return {
      contentType: 'application/eat+cwt',
      body: encodeEatCwt(claims, { key, kid: ueid }),
      cnfPrivateJwk: cnf.privateJwk,
      cnfPublicJwk: cnf.publicJwk,
    };
  }
  return {
    contentType: 'application/eat+jwt',
    body: await encodeEatJwt(claims, { key, kid: toHex(ueid) }),
    cnfPrivateJwk: cnf.privateJwk,
    cnfPublicJwk: cnf.publicJwk,
  };
}
