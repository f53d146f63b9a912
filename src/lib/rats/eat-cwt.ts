// The CWT form of the project's EAT profile (RFC 9711, RFC 8392): the claims map in a COSE_Sign1
// (ES256, EdDSA) or a COSE_Mac0 (HMAC 256/256), with or without CWT tag 61. Decoding needs no key,
// because the verifier finds the key from the UEID (or the kid); verification comes after.
import type { JWK } from 'jose';
import { decodeCbor, encodeCbor } from './cbor.js';
import { coseKeyToJwk, jwkToCoseKey } from './cose-key.js';
import { createCose, decodeCose, verifyCose, type CoseAlg } from './cose.js';
import { CLAIM, checkEatClaims, type EatClaims, type Measurement } from './eat-claims.js';
import { RatsError, fail, ok, type Result } from './errors.js';

/** cnf confirmation method label for a COSE_Key (RFC 8747 clause 3.1). */
const CNF_COSE_KEY = 1;

export interface EncodeEatCwtOptions {
  /** private EC P-256 or OKP Ed25519 JWK (COSE_Sign1), or an oct JWK (COSE_Mac0) */
  key: JWK;
  /** COSE kid (protected header), e.g. the UEID that names the AKM */
  kid?: Uint8Array;
  /** CWT tag 61 around the COSE tag (default false: the COSE tag only) */
  tag61?: boolean;
}

export interface ParsedEatCwt {
  form: 'sign1' | 'mac0';
  alg: CoseAlg;
  kid?: Uint8Array;
  claims: EatClaims;
  /** whether CWT tag 61 was present */
  cwtTag: boolean;
  /** the serialized protected header, as signed */
  protected: Uint8Array;
  /** the claims map, as signed */
  payload: Uint8Array;
  /** the signature (sign1) or the tag (mac0) */
  signature: Uint8Array;
}

/**
 * Encodes and signs (or MACs) the claims. Throws RatsError: EVIDENCE_MALFORMED for claims the
 * profile rejects, KEY_INVALID or UNSUPPORTED_ALGORITHM for the signing key or the cnf key.
 */
export function encodeEatCwt(claims: EatClaims, opts: EncodeEatCwtOptions): Uint8Array {
  const payload = eatCwtPayload(claims);
  return createCose(payload, opts.key, {
    ...(opts.kid === undefined ? {} : { kid: opts.kid }),
    coseTag: true,
    cwtTag: opts.tag61 === true,
  });
}

/**
 * The CWT claims set alone (the COSE payload), checked against the profile: for a signer that
 * builds the COSE structure itself, such as a key store that never hands out its key.
 * Throws RatsError like encodeEatCwt.
 */
export function eatCwtPayload(claims: EatClaims): Uint8Array {
  const checked = checkEatClaims(claims);
  if (!checked.ok) throw checked.error;
  return encodeCbor(claimsToMap(claims));
}

function claimsToMap(c: EatClaims): Map<number, unknown> {
  const cnf = jwkToCoseKey(c.cnf, { publicOnly: true });
  if (!cnf.ok) throw new RatsError(cnf.error.code, `claim cnf: ${cnf.error.message}`);
  const m = new Map<number, unknown>();
  m.set(CLAIM.nonce.key, c.nonce);
  m.set(CLAIM.ueid.key, c.ueid);
  m.set(CLAIM.cnf.key, new Map([[CNF_COSE_KEY, cnf.value]]));
  m.set(CLAIM.iat.key, c.iat);
  if (c.oemid !== undefined) m.set(CLAIM.oemid.key, c.oemid);
  if (c.hwmodel !== undefined) m.set(CLAIM.hwmodel.key, c.hwmodel);
  if (c.swname !== undefined) m.set(CLAIM.swname.key, c.swname);
  if (c.swversion !== undefined) {
    const { version, scheme } = c.swversion;
    m.set(CLAIM.swversion.key, scheme === undefined ? [version] : [version, scheme]);
  }
  if (c.oemboot !== undefined) m.set(CLAIM.oemboot.key, c.oemboot);
  if (c.dbgstat !== undefined) m.set(CLAIM.dbgstat.key, c.dbgstat);
  if (c.measurements !== undefined) {
    m.set(
      CLAIM.measurements.key,
      c.measurements.map((x) => [x.contentType, x.content]),
    );
  }
  if (c.intuse !== undefined) m.set(CLAIM.intuse.key, c.intuse);
  if (c.eatProfile !== undefined) m.set(CLAIM.eatProfile.key, c.eatProfile);
  return m;
}

/**
 * Decodes a CWT of the profile without a key: structure, header, claims types, then the profile's
 * checks (checkEatClaims). Never throws, whatever the bytes.
 */
export function parseEatCwt(bytes: Uint8Array): Result<ParsedEatCwt> {
  try {
    return parse(bytes);
  } catch (e) {
    // defence in depth: every path above returns a Result; reaching this is a bug in the decoder
    const detail = e instanceof Error ? e.message : String(e);
    return fail('EVIDENCE_MALFORMED', `CWT: unexpected decoder failure: ${detail}`);
  }
}

function parse(bytes: Uint8Array): Result<ParsedEatCwt> {
  const cose = decodeCose(bytes);
  if (!cose.ok) return cose;
  const msg = cose.value;
  const decoded = decodeCbor(msg.payload, { tags: [] });
  if (!decoded.ok) return fail('EVIDENCE_MALFORMED', `CWT claims: ${decoded.error.message}`);
  if (!(decoded.value instanceof Map))
    return fail('EVIDENCE_MALFORMED', 'CWT claims: expected a map');
  const claims = mapToClaims(decoded.value as Map<unknown, unknown>);
  if (!claims.ok) return claims;
  const checked = checkEatClaims(claims.value);
  if (!checked.ok) return checked;
  return ok({
    form: msg.form,
    alg: msg.alg,
    ...(msg.kid === undefined ? {} : { kid: msg.kid }),
    claims: checked.value,
    cwtTag: msg.cwtTag,
    protected: msg.protected,
    payload: msg.payload,
    signature: msg.signature,
  });
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Claims map (integer keys) to EatClaims; unknown claims are ignored. */
function mapToClaims(m: Map<unknown, unknown>): Result<EatClaims> {
  const bad = (name: string, expects: string): Result<EatClaims> =>
    fail('EVIDENCE_MALFORMED', `claim ${name}: expected ${expects}`);
  const out: Partial<Mutable<EatClaims>> = {};

  const nonce = m.get(CLAIM.nonce.key);
  if (nonce !== undefined) {
    // RFC 9711 clause 4.1 also allows an array of nonces; this profile carries exactly one
    const single = Array.isArray(nonce) && nonce.length === 1 ? (nonce[0] as unknown) : nonce;
    if (!(single instanceof Uint8Array)) return bad(CLAIM.nonce.name, 'a byte string (one nonce)');
    out.nonce = single;
  }
  const ueid = m.get(CLAIM.ueid.key);
  if (ueid !== undefined) {
    if (!(ueid instanceof Uint8Array)) return bad(CLAIM.ueid.name, 'a byte string');
    out.ueid = ueid;
  }
  const iat = m.get(CLAIM.iat.key);
  if (iat !== undefined) {
    if (!isInt(iat)) return bad(CLAIM.iat.name, 'an integer number of seconds');
    out.iat = iat;
  }
  const cnf = m.get(CLAIM.cnf.key);
  if (cnf !== undefined) {
    if (!(cnf instanceof Map) || cnf.size !== 1 || !(cnf.get(CNF_COSE_KEY) instanceof Map)) {
      return bad(CLAIM.cnf.name, 'a map {1: COSE_Key}');
    }
    const key = coseKeyToJwk(cnf.get(CNF_COSE_KEY), { publicOnly: true });
    if (!key.ok) return fail(key.error.code, `claim cnf: ${key.error.message}`);
    out.cnf = key.value;
  }
  const oemid = m.get(CLAIM.oemid.key);
  if (oemid !== undefined) {
    if (!(oemid instanceof Uint8Array) && !isInt(oemid)) {
      return bad(CLAIM.oemid.name, 'a byte string or an integer (Private Enterprise Number)');
    }
    out.oemid = oemid;
  }
  const hwmodel = m.get(CLAIM.hwmodel.key);
  if (hwmodel !== undefined) {
    if (!(hwmodel instanceof Uint8Array)) return bad(CLAIM.hwmodel.name, 'a byte string');
    out.hwmodel = hwmodel;
  }
  const swname = m.get(CLAIM.swname.key);
  if (swname !== undefined) {
    if (typeof swname !== 'string') return bad(CLAIM.swname.name, 'a text string');
    out.swname = swname;
  }
  const swversion = m.get(CLAIM.swversion.key);
  if (swversion !== undefined) {
    const [version, scheme] = Array.isArray(swversion) ? (swversion as unknown[]) : [];
    const shapeOk =
      Array.isArray(swversion) &&
      (swversion.length === 1 || swversion.length === 2) &&
      typeof version === 'string' &&
      (scheme === undefined || isInt(scheme));
    if (!shapeOk)
      return bad(CLAIM.swversion.name, 'an array [version text, optional version scheme integer]');
    out.swversion = scheme === undefined ? { version } : { version, scheme: scheme as number };
  }
  const oemboot = m.get(CLAIM.oemboot.key);
  if (oemboot !== undefined) {
    if (typeof oemboot !== 'boolean') return bad(CLAIM.oemboot.name, 'true or false');
    out.oemboot = oemboot;
  }
  const dbgstat = m.get(CLAIM.dbgstat.key);
  if (dbgstat !== undefined) {
    if (!isInt(dbgstat)) return bad(CLAIM.dbgstat.name, 'an integer');
    out.dbgstat = dbgstat;
  }
  const measurements = m.get(CLAIM.measurements.key);
  if (measurements !== undefined) {
    if (!Array.isArray(measurements))
      return bad(CLAIM.measurements.name, 'an array of [content type, content bytes] pairs');
    const list: Measurement[] = [];
    for (const item of measurements as unknown[]) {
      if (!Array.isArray(item) || item.length !== 2)
        return bad(CLAIM.measurements.name, '[content type, content bytes] pairs');
      const [contentType, content] = item as unknown[];
      if (!isInt(contentType) || !(content instanceof Uint8Array)) {
        return bad(CLAIM.measurements.name, '[content type integer, content byte string] pairs');
      }
      list.push({ contentType, content });
    }
    out.measurements = list;
  }
  const intuse = m.get(CLAIM.intuse.key);
  if (intuse !== undefined) {
    if (!isInt(intuse)) return bad(CLAIM.intuse.name, 'an integer');
    out.intuse = intuse;
  }
  const eatProfile = m.get(CLAIM.eatProfile.key);
  if (eatProfile !== undefined) {
    // RFC 9711 clause 4.3.2 also allows an OID (a byte string); this profile is named by a URI
    if (typeof eatProfile !== 'string')
      return bad(CLAIM.eatProfile.name, 'a text string (the profile URI)');
    out.eatProfile = eatProfile;
  }
  // the required claims that are still missing are reported by checkEatClaims, by name
  return ok(out as EatClaims);
}

/** A CBOR integer that fits a number (CborFloat and bigint are not). */
function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/**
 * Verifies the signature (ES256, EdDSA) or tag (HMAC 256/256) of a parsed token with the key of
 * its device: a public JWK, or the oct JWK. False for a wrong key, a key of another type than the
 * token's algorithm, or any tampering. Never throws.
 */
export function verifyEatCwt(token: ParsedEatCwt, key: JWK): boolean {
  try {
    return verifyCose(token, key);
  } catch {
    return false;
  }
}
