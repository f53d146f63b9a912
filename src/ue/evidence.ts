// The device's Evidence (DESIGN.md, the project's EAT profile): the PS's nonce, the UEID, what the
// device is and runs, and a fresh confirmation key (cnf) the credentials will be encrypted to,
// signed (ES256) or MACed (HMAC 256/256 / HS256) by the key store, which never hands out the AKM.
import type { JWK } from 'jose';
import { fromHex, toBase64url, toHex, utf8 } from '../lib/bytes.js';
import { generateJwkPair } from '../lib/key-pairs.js';
import { CBOR_TAG, Tagged, encodeCbor } from '../lib/rats/cbor.js';
import { COSE_ALG, COSE_HEADER, toBeSigned } from '../lib/rats/cose.js';
import { DBGSTAT, EAT_PROFILE, INTUSE, type EatClaims } from '../lib/rats/eat-claims.js';
import { eatCwtPayload } from '../lib/rats/eat-cwt.js';
import { EAT_JWT_TYP, eatJwtPayload } from '../lib/rats/eat-jwt.js';
import { SIGNATURE_BYTES, type KeyStore } from './key-store.js';
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
  const cnfKeys = { cnfPrivateJwk: cnf.privateJwk, cnfPublicJwk: cnf.publicJwk };
  if (form === 'cwt') {
    return {
      contentType: 'application/eat+cwt',
      body: await signCwt(claims, keyStore),
      ...cnfKeys,
    };
  }
  return {
    contentType: 'application/eat+jwt',
    body: await signJwt(claims, keyStore),
    ...cnfKeys,
  };
}

// A key store only signs, so the rats library encodes the claims (checked against the profile) and
// the COSE_Sign1 / COSE_Mac0 or JWS around them is built here and signed by the store.

/** COSE_Sign1 (ES256) or COSE_Mac0 (HMAC 256/256), COSE tag, kid = the UEID (protected). */
async function signCwt(claims: EatClaims, keyStore: KeyStore): Promise<Uint8Array> {
  const payload = eatCwtPayload(claims);
  const mac = keyStore.akmKind === 'HMAC';
  const form = mac ? 'mac0' : 'sign1';
  const protectedBytes = encodeCbor(
    new Map<number, unknown>([
      [COSE_HEADER.alg, mac ? COSE_ALG.HS256 : COSE_ALG.ES256],
      [COSE_HEADER.kid, claims.ueid],
    ]),
  );
  const signature = await storeSignature(keyStore, toBeSigned(form, protectedBytes, payload));
  const message = [protectedBytes, new Map<number, unknown>(), payload, signature];
  return encodeCbor(new Tagged(mac ? CBOR_TAG.COSE_Mac0 : CBOR_TAG.COSE_Sign1, message));
}

/** Compact JWS, ES256 or HS256, typ eat+jwt, kid = the UEID in hex. */
async function signJwt(claims: EatClaims, keyStore: KeyStore): Promise<string> {
  const payload = toBase64url(eatJwtPayload(claims));
  const header = {
    alg: keyStore.akmKind === 'HMAC' ? 'HS256' : 'ES256',
    typ: EAT_JWT_TYP,
    kid: toHex(claims.ueid),
  };
  const signingInput = `${toBase64url(utf8(JSON.stringify(header)))}.${payload}`;
  const signature = await storeSignature(keyStore, utf8(signingInput));
  return `${signingInput}.${toBase64url(signature)}`;
}

async function storeSignature(keyStore: KeyStore, data: Uint8Array): Promise<Uint8Array> {
  const signature = await keyStore.sign(data);
  const expected = SIGNATURE_BYTES[keyStore.akmKind];
  if (signature.length !== expected) {
    throw new Error(
      `the key store returned a ${keyStore.akmKind} signature of ${signature.length} bytes, expected ${expected}`,
    );
  }
  return signature;
}
