// The project's EAT profile (RFC 9711), independent of the token form: the claims a UE's
// Evidence carries, their CBOR keys and JWT names, and the checks both forms share. The CWT form
// (eat-cwt.ts) and the JWT form (eat-jwt.ts) map their encodings onto EatClaims and call
// checkEatClaims, so a claim means the same thing whichever form carried it.
import type { JWK } from 'jose';
import { fail, ok, type Result } from './errors.js';

/** The eat_profile value of this profile (RFC 9711 clause 4.3.2: a URI or an OID). */
export const EAT_PROFILE = 'urn:npn-onboard:eat-profile:v1';

/** CBOR claim keys (RFC 9711 clause 10, RFC 8392, RFC 8747) and the JWT claim names. */
export const CLAIM = {
  cnf: { key: 8, name: 'cnf' },
  iat: { key: 6, name: 'iat' },
  nonce: { key: 10, name: 'eat_nonce' },
  ueid: { key: 256, name: 'ueid' },
  oemid: { key: 258, name: 'oemid' },
  hwmodel: { key: 259, name: 'hwmodel' },
  oemboot: { key: 262, name: 'oemboot' },
  dbgstat: { key: 263, name: 'dbgstat' },
  eatProfile: { key: 265, name: 'eat_profile' },
  swname: { key: 270, name: 'swname' },
  swversion: { key: 271, name: 'swversion' },
  measurements: { key: 273, name: 'measurements' },
  intuse: { key: 275, name: 'intuse' },
} as const;

/** UEID type byte (RFC 9711 clause 4.2.1). */
export const UEID_TYPE = { RAND: 0x01, EUI: 0x02, IMEI: 0x03 } as const;

/** dbgstat values (RFC 9711 clause 4.2.9). */
export const DBGSTAT = {
  enabled: 0,
  disabled: 1,
  disabledSinceBoot: 2,
  disabledPermanently: 3,
  disabledFullyAndPermanently: 4,
} as const;

/** intuse values (RFC 9711 clause 4.3.3); this profile's Evidence is for provisioning. */
export const INTUSE = { generic: 1, registration: 2, provisioning: 3, csr: 4, pop: 5 } as const;

export interface SwVersion {
  version: string;
  /** version scheme (RFC 9393 / CoSWID), when given */
  scheme?: number;
}

export interface Measurement {
  /** CoAP content format of `content` */
  contentType: number;
  content: Uint8Array;
}

export interface EatClaims {
  /** eat_nonce: the PS's nonce, 8 to 64 bytes */
  nonce: Uint8Array;
  /** ueid: type byte (UEID_TYPE) then the value, 7 to 33 bytes in all */
  ueid: Uint8Array;
  /** the key the Evidence attests (cnf, RFC 8747 / RFC 7800), as a public JWK */
  cnf: JWK;
  /** issued at, seconds since the epoch */
  iat: number;
  /** oemid: a 3-byte IEEE OUI, a 16-byte random id, or an IANA Private Enterprise Number */
  oemid?: Uint8Array | number;
  /** hwmodel: 1 to 32 bytes */
  hwmodel?: Uint8Array;
  swname?: string;
  swversion?: SwVersion;
  oemboot?: boolean;
  dbgstat?: number;
  measurements?: Measurement[];
  intuse?: number;
  eatProfile?: string;
}

const MAX_TEXT = 256;
const MAX_MEASUREMENTS = 64;
const MAX_MEASUREMENT_BYTES = 4096;

/**
 * The checks of this profile on decoded claims. Returns the claims, or EVIDENCE_MALFORMED with a
 * detail naming the claim (with its JWT name) and what the profile expects.
 */
export function checkEatClaims(claims: EatClaims): Result<EatClaims> {
  const bad = (name: string, expects: string): Result<EatClaims> =>
    fail('EVIDENCE_MALFORMED', `claim ${name}: expected ${expects}`);

  if (
    !(claims.nonce instanceof Uint8Array) ||
    claims.nonce.length < 8 ||
    claims.nonce.length > 64
  ) {
    return bad('eat_nonce', 'a byte string of 8 to 64 bytes');
  }
  const ueidProblem = ueidExpectation(claims.ueid);
  if (ueidProblem) return bad('ueid', ueidProblem);
  if (!Number.isSafeInteger(claims.iat) || claims.iat < 0) {
    return bad('iat', 'a non-negative integer number of seconds');
  }
  const cnf = claims.cnf as JWK | undefined;
  if (typeof cnf !== 'object' || cnf === null || typeof cnf.kty !== 'string') {
    return bad('cnf', 'a confirmation key');
  }
  if ('d' in cnf || cnf.kty === 'oct')
    return bad('cnf', 'a public key, never a private or secret one');
  const { oemid } = claims;
  if (oemid !== undefined) {
    const okBytes = oemid instanceof Uint8Array && (oemid.length === 3 || oemid.length === 16);
    const okPen = typeof oemid === 'number' && Number.isSafeInteger(oemid) && oemid >= 0;
    if (!okBytes && !okPen) {
      return bad('oemid', 'a 3-byte IEEE OUI, a 16-byte random id, or a Private Enterprise Number');
    }
  }
  if (claims.hwmodel !== undefined) {
    const h = claims.hwmodel;
    if (!(h instanceof Uint8Array) || h.length < 1 || h.length > 32) {
      return bad('hwmodel', 'a byte string of 1 to 32 bytes');
    }
  }
  if (claims.swname !== undefined && !isText(claims.swname)) {
    return bad('swname', `a text string of 1 to ${MAX_TEXT} characters`);
  }
  if (claims.swversion !== undefined) {
    const v = claims.swversion;
    if (typeof v !== 'object' || v === null || !isText(v.version)) {
      return bad('swversion', 'an array [version text, optional version scheme integer]');
    }
    if (v.scheme !== undefined && !Number.isSafeInteger(v.scheme)) {
      return bad('swversion', 'an integer version scheme');
    }
  }
  if (claims.oemboot !== undefined && typeof claims.oemboot !== 'boolean') {
    return bad('oemboot', 'true or false');
  }
  if (claims.dbgstat !== undefined) {
    const d = claims.dbgstat;
    if (!Number.isInteger(d) || d < DBGSTAT.enabled || d > DBGSTAT.disabledFullyAndPermanently) {
      return bad('dbgstat', 'an integer from 0 (enabled) to 4 (disabled fully and permanently)');
    }
  }
  if (claims.measurements !== undefined) {
    const m = claims.measurements;
    if (!Array.isArray(m) || m.length > MAX_MEASUREMENTS) {
      return bad('measurements', `an array of at most ${MAX_MEASUREMENTS} measurements`);
    }
    for (const item of m) {
      const validItem =
        typeof item === 'object' &&
        item !== null &&
        Number.isSafeInteger(item.contentType) &&
        item.contentType >= 0 &&
        item.content instanceof Uint8Array &&
        item.content.length <= MAX_MEASUREMENT_BYTES;
      if (!validItem) {
        return bad('measurements', '[content type, content bytes] pairs');
      }
    }
  }
  if (claims.intuse !== undefined) {
    const u = claims.intuse;
    if (!Number.isInteger(u) || u < INTUSE.generic || u > INTUSE.pop) {
      return bad('intuse', 'an integer from 1 (generic) to 5 (proof of possession)');
    }
  }
  if (claims.eatProfile !== undefined && claims.eatProfile !== EAT_PROFILE) {
    return bad('eat_profile', `absent, or this profile's URI ${EAT_PROFILE}`);
  }
  return ok(claims);
}

/**
 * What is wrong with a UEID (RFC 9711 4.2.1), as "what the profile expects", or undefined when
 * nothing is: a type byte, then 16/24/32 random bytes, a 6- or 8-byte EUI, or a 14-digit IMEI.
 */
export function ueidExpectation(ueid: unknown): string | undefined {
  if (!(ueid instanceof Uint8Array) || ueid.length < 7 || ueid.length > 33) {
    return 'a byte string of 7 to 33 bytes';
  }
  if (ueid[0] === UEID_TYPE.RAND) {
    return [17, 25, 33].includes(ueid.length)
      ? undefined
      : 'a RAND UEID of 16, 24 or 32 bytes after the type byte';
  }
  if (ueid[0] === UEID_TYPE.EUI) {
    return [7, 9].includes(ueid.length)
      ? undefined
      : 'an EUI UEID of 6 (EUI-48) or 8 (EUI-64) bytes after the type byte';
  }
  if (ueid[0] === UEID_TYPE.IMEI) {
    return ueid.length === 15 ? undefined : 'an IMEI UEID of 14 bytes after the type byte';
  }
  return 'a type byte of 0x01 (RAND), 0x02 (EUI) or 0x03 (IMEI)';
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= MAX_TEXT;
}
