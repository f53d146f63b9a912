// The JWT form of the project's EAT profile (RFC 9711 over RFC 7515 compact JWS): ES256 or EdDSA
// for an asymmetric AKM, HS256 for a symmetric one. Parsing is separate from verification because
// the verifier needs the UEID (inside the unverified payload) to find the key to verify with.
import { createHmac, timingSafeEqual, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { CompactSign, importJWK, type JWK } from 'jose';
import {
  CLAIM,
  checkEatClaims,
  type EatClaims,
  type Measurement,
  type SwVersion,
} from './eat-claims.js';
import { fromBase64url, toBase64url } from '../bytes.js';
import { importPublicJwk } from './public-key-cache.js';
import { fail, ok, RatsError, type Result } from './errors.js';

/** Largest compact JWS accepted, in characters (all of them ASCII in a well-formed token). */
export const EAT_JWT_MAX_CHARS = 16 * 1024;
/** Deepest JSON nesting accepted in the header or payload (the profile needs 3: cnf.jwk). */
export const JSON_MAX_DEPTH = 16;
/**
 * JWS `typ` of an EAT in JWT form: the media type application/eat+jwt (RFC 9782) without its
 * "application/" prefix, as RFC 7515 clause 4.1.9 recommends.
 */
export const EAT_JWT_TYP = 'eat+jwt';

export type EatJwtAlg = 'ES256' | 'EdDSA' | 'HS256';
const ALGS: readonly string[] = ['ES256', 'EdDSA', 'HS256'] satisfies EatJwtAlg[];

export interface ParsedEatJwt {
  /** the header's alg; verifyEatJwt still decides the algorithm from the key, not from this */
  alg: EatJwtAlg;
  kid?: string;
  /** the claims of `jws`, not yet verified */
  claims: EatClaims;
  jws: string;
}

/** RFC 7518 clause 3.2: an HS256 key at least as long as the hash output. */
const HS256_MIN_KEY_BYTES = 32;

/**
 * The one algorithm a key may be used with. The algorithm always comes from the key, never from a
 * token's header, which is what defeats alg confusion (an HS256 token "signed" with a public key).
 */
export function algForJwk(key: JWK): EatJwtAlg | undefined {
  if (typeof key !== 'object' || key === null) return undefined;
  if (key.kty === 'EC' && key.crv === 'P-256') return 'ES256';
  if (key.kty === 'OKP' && key.crv === 'Ed25519') return 'EdDSA';
  if (key.kty === 'oct') return 'HS256';
  return undefined;
}

/** Sign claims as a compact JWS. Rejects with a RatsError for bad claims or an unusable key. */
export async function encodeEatJwt(
  claims: EatClaims,
  opts: { key: JWK; kid?: string },
): Promise<string> {
  const checked = checkEatClaims(claims);
  if (!checked.ok) throw checked.error;
  const alg = algForJwk(opts.key);
  if (alg === undefined) {
    throw new RatsError(
      'UNSUPPORTED_ALGORITHM',
      'signing key: expected an EC P-256, OKP Ed25519 or oct JWK',
    );
  }
  if (alg === 'HS256') {
    const secret = fromBase64url(opts.key.k);
    if (!secret || secret.length < HS256_MIN_KEY_BYTES) {
      throw new RatsError('KEY_INVALID', `signing key: expected an oct key of at least 32 bytes`);
    }
  } else if (typeof opts.key.d !== 'string') {
    throw new RatsError('KEY_INVALID', 'signing key: expected a private key (with "d")');
  }
  let key: Awaited<ReturnType<typeof importJWK>>;
  try {
    key = await importJWK(opts.key, alg);
  } catch {
    throw new RatsError('KEY_INVALID', `signing key: not a usable ${alg} key`);
  }
  const header: { alg: EatJwtAlg; typ: string; kid?: string } = { alg, typ: EAT_JWT_TYP };
  if (opts.kid !== undefined) header.kid = opts.kid;
  const payload = eatJwtPayload(checked.value);
  return new CompactSign(payload).setProtectedHeader(header).sign(key);
}

/**
 * The JWT claims set alone (the JWS payload bytes), checked against the profile: for a signer that
 * builds the JWS itself. Throws RatsError EVIDENCE_MALFORMED for claims the profile rejects.
 */
export function eatJwtPayload(claims: EatClaims): Uint8Array {
  const checked = checkEatClaims(claims);
  if (!checked.ok) throw checked.error;
  return new TextEncoder().encode(JSON.stringify(claimsToJson(checked.value)));
}

function claimsToJson(c: EatClaims): Record<string, unknown> {
  const out: Record<string, unknown> = {
    [CLAIM.nonce.name]: toBase64url(c.nonce),
    [CLAIM.ueid.name]: toBase64url(c.ueid),
    [CLAIM.cnf.name]: { jwk: c.cnf },
    [CLAIM.iat.name]: c.iat,
  };
  if (c.oemid !== undefined) {
    out[CLAIM.oemid.name] = typeof c.oemid === 'number' ? c.oemid : toBase64url(c.oemid);
  }
  if (c.hwmodel !== undefined) out[CLAIM.hwmodel.name] = toBase64url(c.hwmodel);
  if (c.swname !== undefined) out[CLAIM.swname.name] = c.swname;
  if (c.swversion !== undefined) {
    const { version, scheme } = c.swversion;
    out[CLAIM.swversion.name] = scheme === undefined ? [version] : [version, scheme];
  }
  if (c.oemboot !== undefined) out[CLAIM.oemboot.name] = c.oemboot;
  if (c.dbgstat !== undefined) out[CLAIM.dbgstat.name] = c.dbgstat;
  if (c.measurements !== undefined) {
    out[CLAIM.measurements.name] = c.measurements.map((m) => [
      m.contentType,
      toBase64url(m.content),
    ]);
  }
  if (c.intuse !== undefined) out[CLAIM.intuse.name] = c.intuse;
  if (c.eatProfile !== undefined) out[CLAIM.eatProfile.name] = c.eatProfile;
  return out;
}

/**
 * Decode an EAT in JWT form without a key. Never throws: any input gives a value or a RatsError
 * (EVIDENCE_MALFORMED, or UNSUPPORTED_ALGORITHM for an alg outside ES256/EdDSA/HS256).
 */
export function parseEatJwt(text: string): Result<ParsedEatJwt> {
  try {
    return parseUnsafe(text);
  } catch {
    // Defence in depth: the code above is written not to throw; should it, the input is bad.
    return fail('EVIDENCE_MALFORMED', 'token: not a compact JWS of this profile');
  }
}

function parseUnsafe(text: string): Result<ParsedEatJwt> {
  const jws = readCompactJws(text, EAT_JWT_MAX_CHARS);
  if (!jws.ok) return fail('EVIDENCE_MALFORMED', jws.problem);
  const { header } = jws;
  if (typeof header.alg !== 'string' || !ALGS.includes(header.alg)) {
    return fail(
      'UNSUPPORTED_ALGORITHM',
      `header alg: expected ES256, EdDSA or HS256, got ${describe(header.alg)}`,
    );
  }
  const alg = header.alg as EatJwtAlg;
  if (header.kid !== undefined && typeof header.kid !== 'string') {
    return fail('EVIDENCE_MALFORMED', 'header kid: expected a string');
  }
  if (header.typ !== undefined && !isEatTyp(header.typ)) {
    // A token of another type (an access token, an EAR) must not pass for Evidence.
    return fail('EVIDENCE_MALFORMED', `header typ: expected absent or ${EAT_JWT_TYP}`);
  }
  const claims = jsonToClaims(jws.payload);
  if (!claims.ok) return claims;
  const checked = checkEatClaims(claims.value);
  if (!checked.ok) return checked;
  const parsed: ParsedEatJwt = { alg, claims: checked.value, jws: text };
  if (typeof header.kid === 'string') parsed.kid = header.kid;
  return ok(parsed);
}

function isEatTyp(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  // Media type names are case-insensitive; parameters (eat_profile=...) do not change the type.
  // The generic "JWT" (RFC 7519 clause 5.1) is tolerated for devices that set it by default.
  const type = typ.split(';')[0]!.trim().toLowerCase();
  return type === EAT_JWT_TYP || type === `application/${EAT_JWT_TYP}` || type === 'jwt';
}

/** The payload's claims mapped onto EatClaims; each type error names the claim and expectation. */
function jsonToClaims(payload: unknown): Result<EatClaims> {
  type R = Result<EatClaims>;
  const bad = (name: string, expects: string): R =>
    fail('EVIDENCE_MALFORMED', `claim ${name}: expected ${expects}`);
  if (!isPlainObject(payload)) return fail('EVIDENCE_MALFORMED', 'payload: expected a JSON object');
  const get = (name: string): unknown => (Object.hasOwn(payload, name) ? payload[name] : undefined);

  const bytesClaim = (name: string, required: boolean): Uint8Array | undefined | R => {
    const v = get(name);
    if (v === undefined) return required ? bad(name, 'a base64url string (it is missing)') : v;
    const bytes = fromBase64url(v);
    return bytes ?? bad(name, 'a base64url string without padding');
  };
  const isFail = (v: unknown): v is R => typeof v === 'object' && v !== null && 'ok' in v;

  const nonce = bytesClaim(CLAIM.nonce.name, true);
  if (isFail(nonce)) return nonce;
  const ueid = bytesClaim(CLAIM.ueid.name, true);
  if (isFail(ueid)) return ueid;

  const cnf = get(CLAIM.cnf.name);
  if (!isPlainObject(cnf) || !isPlainObject(cnf.jwk)) {
    return bad(CLAIM.cnf.name, 'an object {"jwk": a public JWK}');
  }
  const iat = get(CLAIM.iat.name);
  if (typeof iat !== 'number')
    return bad(CLAIM.iat.name, 'a non-negative integer number of seconds');

  const claims: EatClaims = {
    nonce: nonce!,
    ueid: ueid!,
    cnf: cnf.jwk as JWK,
    iat,
  };

  const oemid = get(CLAIM.oemid.name);
  if (oemid !== undefined) {
    if (typeof oemid === 'number') claims.oemid = oemid;
    else {
      const bytes = fromBase64url(oemid);
      if (!bytes) return bad(CLAIM.oemid.name, 'a base64url string or a Private Enterprise Number');
      claims.oemid = bytes;
    }
  }
  const hwmodel = bytesClaim(CLAIM.hwmodel.name, false);
  if (isFail(hwmodel)) return hwmodel;
  if (hwmodel !== undefined) claims.hwmodel = hwmodel;

  const swname = get(CLAIM.swname.name);
  if (swname !== undefined) {
    if (typeof swname !== 'string') return bad(CLAIM.swname.name, 'a text string');
    claims.swname = swname;
  }
  const swversion = get(CLAIM.swversion.name);
  if (swversion !== undefined) {
    if (
      !Array.isArray(swversion) ||
      swversion.length < 1 ||
      swversion.length > 2 ||
      typeof swversion[0] !== 'string' ||
      (swversion.length === 2 && typeof swversion[1] !== 'number')
    ) {
      return bad(CLAIM.swversion.name, 'an array [version text, optional version scheme integer]');
    }
    const v: SwVersion = { version: swversion[0] };
    if (swversion.length === 2) v.scheme = swversion[1] as number;
    claims.swversion = v;
  }
  const oemboot = get(CLAIM.oemboot.name);
  if (oemboot !== undefined) {
    if (typeof oemboot !== 'boolean') return bad(CLAIM.oemboot.name, 'true or false');
    claims.oemboot = oemboot;
  }
  const dbgstat = get(CLAIM.dbgstat.name);
  if (dbgstat !== undefined) {
    if (typeof dbgstat !== 'number') return bad(CLAIM.dbgstat.name, 'an integer from 0 to 4');
    claims.dbgstat = dbgstat;
  }
  const measurements = get(CLAIM.measurements.name);
  if (measurements !== undefined) {
    const expects = 'an array of [content type integer, base64url content] pairs';
    if (!Array.isArray(measurements)) return bad(CLAIM.measurements.name, expects);
    const list: Measurement[] = [];
    for (const item of measurements as unknown[]) {
      if (!Array.isArray(item) || item.length !== 2 || typeof item[0] !== 'number') {
        return bad(CLAIM.measurements.name, expects);
      }
      const content = fromBase64url(item[1]);
      if (!content) return bad(CLAIM.measurements.name, expects);
      list.push({ contentType: item[0], content });
    }
    claims.measurements = list;
  }
  const intuse = get(CLAIM.intuse.name);
  if (intuse !== undefined) {
    if (typeof intuse !== 'number') return bad(CLAIM.intuse.name, 'an integer from 1 to 5');
    claims.intuse = intuse;
  }
  const profile = get(CLAIM.eatProfile.name);
  if (profile !== undefined) {
    if (typeof profile !== 'string') return bad(CLAIM.eatProfile.name, 'a URI string');
    claims.eatProfile = profile;
  }
  return ok(claims);
}

/**
 * Verify a parsed token's signature or MAC with `key`. Never rejects: false for a bad signature,
 * a key of an unsupported type, or a header alg other than the one the key's type implies.
 */
export async function verifyEatJwt(token: ParsedEatJwt, key: JWK): Promise<boolean> {
  try {
    const alg = algForJwk(key);
    if (alg === undefined || token.alg !== alg) return false;
    const verificationJwk = verificationKey(key, alg);
    if (!verificationJwk) return false;
    const verificationMaterial =
      alg === 'HS256' ? fromBase64url(verificationJwk.k)! : importPublicJwk(verificationJwk);
    return jwsSignatureValid(token.jws, alg, verificationMaterial);
  } catch {
    return false;
  }
}

/**
 * Whether a compact JWS's ES256 signature verifies with a public P-256 KeyObject, computed on
 * libuv's thread pool: the calling thread goes on with other requests meanwhile. For a Relying
 * Party that serves many requests on one event loop, and verifies one EAR each (the PS).
 */
export function es256JwsSignatureValidInPool(jws: string, key: KeyObject): Promise<boolean> {
  const { signingInput, signature } = signedParts(jws);
  if (!signature || signature.length !== 64) return Promise.resolve(false);
  return new Promise((resolve) =>
    cryptoVerify(
      'sha256',
      signingInput,
      { key, dsaEncoding: 'ieee-p1363' },
      signature,
      (err, valid) => resolve(err === null && valid),
    ),
  );
}

/** A compact JWS's signing input (header.payload, ASCII) and its decoded signature, if canonical. */
function signedParts(jws: string): { signingInput: Buffer; signature: Uint8Array | undefined } {
  const dot = jws.lastIndexOf('.');
  return {
    signingInput: Buffer.from(jws.slice(0, dot), 'ascii'),
    signature: fromBase64url(jws.slice(dot + 1)),
  };
}

/**
 * Whether a compact JWS's signature (ES256, EdDSA: a public KeyObject) or MAC (HS256: the secret)
 * verifies; throws only for a key of the wrong kind. The form (three parts, no crit, no b64) is
 * readCompactJws's to check first. node:crypto, not jose: jose's WebCrypto path imports the key
 * and crosses to the thread pool on every call, and the DCS and the PS verify one per request.
 */
export function jwsSignatureValid(
  jws: string,
  alg: EatJwtAlg,
  key: KeyObject | Uint8Array,
): boolean {
  const { signingInput, signature } = signedParts(jws);
  if (!signature) return false;
  if (alg === 'HS256') {
    const mac = createHmac('sha256', key as Uint8Array)
      .update(signingInput)
      .digest();
    return signature.length === mac.length && timingSafeEqual(mac, signature);
  }
  if (alg === 'ES256') {
    return (
      signature.length === 64 &&
      cryptoVerify(
        'sha256',
        signingInput,
        { key: key as KeyObject, dsaEncoding: 'ieee-p1363' },
        signature,
      )
    );
  }
  return cryptoVerify(null, signingInput, key as KeyObject, signature);
}

/** Only the public members of an asymmetric JWK (a private one given by mistake still works). */
function verificationKey(key: JWK, alg: EatJwtAlg): JWK | undefined {
  if (alg === 'HS256') {
    const secret = fromBase64url(key.k);
    return secret && secret.length >= HS256_MIN_KEY_BYTES ? { kty: 'oct', k: key.k! } : undefined;
  }
  if (typeof key.x !== 'string') return undefined;
  if (alg === 'ES256') {
    if (typeof key.y !== 'string') return undefined;
    return { kty: 'EC', crv: 'P-256', x: key.x, y: key.y };
  }
  return { kty: 'OKP', crv: 'Ed25519', x: key.x };
}

// ---- compact JWS and JSON plumbing, shared with ear.ts ----

export type CompactJws =
  { ok: true; header: Record<string, unknown>; payload: unknown } | { ok: false; problem: string };

/**
 * Split a compact JWS and decode its protected header and JSON payload, without verifying it.
 * Enforces the size limit, canonical base64url, strict UTF-8, the JSON depth limit, and the header
 * rules of RFC 7515 that a receiver must enforce (no unknown `crit`, no unencoded payload).
 */
export function readCompactJws(text: unknown, maxChars: number): CompactJws {
  const problem = (p: string): CompactJws => ({ ok: false, problem: p });
  if (typeof text !== 'string') return problem('token: expected a compact JWS string');
  if (text.length > maxChars) return problem(`token: larger than ${maxChars} characters`);
  const parts = text.split('.');
  if (parts.length !== 3) return problem('token: expected three base64url parts separated by "."');
  const [h, p, s] = parts as [string, string, string];
  if (s.length === 0) return problem('token: expected a signature (unsecured JWS is not accepted)');
  const sig = fromBase64url(s);
  if (!sig) return problem('token signature: expected canonical base64url');
  const header = decodeJsonPart(h);
  if (typeof header === 'string') return problem(`protected header: ${header}`);
  if (!isPlainObject(header)) return problem('protected header: expected a JSON object');
  if (Object.hasOwn(header, 'crit')) return problem('header crit: no extension is understood');
  if (Object.hasOwn(header, 'b64') && header.b64 !== true) {
    return problem('header b64: the unencoded payload option (RFC 7797) is not accepted');
  }
  const payload = decodeJsonPart(p);
  if (typeof payload === 'string') return problem(`payload: ${payload}`);
  return { ok: true, header, payload };
}

/** A JSON value from a base64url part, or a string saying what is wrong with it. */
function decodeJsonPart(part: string): unknown {
  const bytes = fromBase64url(part);
  if (!bytes) return 'expected canonical base64url';
  let json: string;
  try {
    json = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return 'expected UTF-8 JSON';
  }
  if (!depthWithin(json, JSON_MAX_DEPTH)) return `JSON nested deeper than ${JSON_MAX_DEPTH}`;
  try {
    const value: unknown = JSON.parse(json);
    // A bare string would be ambiguous with the problem strings; it is never a valid part anyway.
    return typeof value === 'string' ? 'expected a JSON object' : value;
  } catch {
    return 'expected JSON';
  }
}

/**
 * Whether the nesting of brackets outside strings stays within `max`. A linear scan, so a deeply
 * nested input is refused before JSON.parse (whose recursion it could exhaust) ever sees it.
 */
export function depthWithin(json: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return false;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return true;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v.slice(0, 32)) : typeof v;
}
