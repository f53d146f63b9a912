// COSE_Key (RFC 9052 clause 7, RFC 9053 clauses 7.1, 7.2 and 6) <-> JWK (RFC 7517), for the
// kinds of key the profile uses: EC2 P-256 and OKP Ed25519 public keys (the cnf claim, ES256 and
// EdDSA) and Symmetric keys (HMAC 256/256). Private parts are never carried in a COSE_Key here.
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { JWK } from 'jose';
import { fromBase64url, toBase64url } from '../bytes.js';
import { fail, ok, type Result } from './errors.js';
import { isP256Point } from './p256.js';

/** COSE_Key labels (RFC 9052 clause 7.1, RFC 9053 clauses 7.1.1, 7.2 and 6). */
export const COSE_KEY = {
  kty: 1,
  kid: 2,
  alg: 3,
  crv: -1,
  x: -2,
  y: -3,
  d: -4,
  /** k of a Symmetric key shares label -1 with crv */
  k: -1,
} as const;

/** COSE key types (RFC 9053 clause 7). */
export const COSE_KTY = { OKP: 1, EC2: 2, Symmetric: 4 } as const;

/** COSE elliptic curves (RFC 9053 clause 7.1). */
export const COSE_CRV = { P256: 1, Ed25519: 6 } as const;

/** The COSE alg each key type is used with in this profile. */
const ALG_FOR_KTY: Record<number, number> = {
  [COSE_KTY.EC2]: -7,
  [COSE_KTY.OKP]: -8,
  [COSE_KTY.Symmetric]: 5,
};

export interface CoseKeyOptions {
  /** refuse Symmetric keys, as the cnf claim must (default false) */
  publicOnly?: boolean;
}

function bstr(value: unknown, length?: number): Uint8Array | undefined {
  if (!(value instanceof Uint8Array)) return undefined;
  if (length !== undefined && value.length !== length) return undefined;
  return value;
}

/**
 * COSE_Key (a decoded CBOR map) to a JWK. KEY_INVALID for a malformed key or private parts,
 * UNSUPPORTED_ALGORITHM for key types, curves or algs outside the profile.
 */
export function coseKeyToJwk(coseKey: unknown, options: CoseKeyOptions = {}): Result<JWK> {
  if (!(coseKey instanceof Map)) return fail('KEY_INVALID', 'COSE_Key: expected a map');
  const key = coseKey as Map<unknown, unknown>;
  const kty = key.get(COSE_KEY.kty);
  if (typeof kty !== 'number')
    return fail('KEY_INVALID', 'COSE_Key: kty (1) missing or not an integer');
  const expectedAlg = ALG_FOR_KTY[kty];
  if (expectedAlg === undefined) {
    return fail(
      'UNSUPPORTED_ALGORITHM',
      `COSE_Key: kty ${kty}; the profile uses EC2 (2), OKP (1) and Symmetric (4)`,
    );
  }
  const alg = key.get(COSE_KEY.alg);
  if (alg !== undefined && alg !== expectedAlg) {
    return fail('UNSUPPORTED_ALGORITHM', `COSE_Key: alg ${String(alg)} does not fit kty ${kty}`);
  }
  const jwkAlg = alg === undefined ? {} : { alg: algName(expectedAlg) };

  if (kty === COSE_KTY.Symmetric) {
    if (options.publicOnly === true) {
      return fail('KEY_INVALID', 'COSE_Key: a public key is required, not a Symmetric one');
    }
    const k = bstr(key.get(COSE_KEY.k));
    if (k === undefined || k.length < 32) {
      return fail(
        'KEY_INVALID',
        'COSE_Key: Symmetric k (-1) must be a byte string of at least 32 bytes',
      );
    }
    return ok({ kty: 'oct', k: toBase64url(k), ...jwkAlg });
  }

  if (key.has(COSE_KEY.d))
    return fail('KEY_INVALID', 'COSE_Key: private key (d) where a public key is required');
  const crv = key.get(COSE_KEY.crv);
  let jwk: JWK;
  if (kty === COSE_KTY.EC2) {
    if (crv !== COSE_CRV.P256) {
      return fail(
        'UNSUPPORTED_ALGORITHM',
        `COSE_Key: EC2 crv ${String(crv)}; the profile uses P-256 (1)`,
      );
    }
    const x = bstr(key.get(COSE_KEY.x), 32);
    // y may be a boolean (point compression, RFC 9053 clause 7.1.1): not supported here
    const y = bstr(key.get(COSE_KEY.y), 32);
    if (x === undefined || y === undefined) {
      return fail(
        'KEY_INVALID',
        'COSE_Key: EC2 P-256 x (-2) and y (-3) must be 32-byte byte strings',
      );
    }
    if (!isP256Point(x, y)) return fail('KEY_INVALID', 'COSE_Key: the point is not on P-256');
    jwk = { kty: 'EC', crv: 'P-256', x: toBase64url(x), y: toBase64url(y), ...jwkAlg };
  } else {
    if (crv !== COSE_CRV.Ed25519) {
      return fail(
        'UNSUPPORTED_ALGORITHM',
        `COSE_Key: OKP crv ${String(crv)}; the profile uses Ed25519 (6)`,
      );
    }
    const x = bstr(key.get(COSE_KEY.x), 32);
    if (x === undefined)
      return fail('KEY_INVALID', 'COSE_Key: OKP Ed25519 x (-2) must be a 32-byte byte string');
    jwk = { kty: 'OKP', crv: 'Ed25519', x: toBase64url(x), ...jwkAlg };
    try {
      createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch {
      return fail('KEY_INVALID', 'COSE_Key: not a valid Ed25519 public key');
    }
  }
  return ok(jwk);
}

/**
 * JWK to a COSE_Key map (integer labels), for EC P-256 and OKP Ed25519 public keys and, unless
 * publicOnly, oct keys. A private JWK gives its public part: a COSE_Key here never carries d.
 */
export function jwkToCoseKey(jwk: JWK, options: CoseKeyOptions = {}): Result<Map<number, unknown>> {
  if (typeof jwk !== 'object' || jwk === null) return fail('KEY_INVALID', 'JWK: not an object');
  const out = new Map<number, unknown>();
  if (jwk.kty === 'oct') {
    if (options.publicOnly === true)
      return fail('KEY_INVALID', 'JWK: a public key is required, not an oct one');
    const k = fromBase64url(jwk.k);
    if (k === undefined || k.length < 32)
      return fail('KEY_INVALID', 'JWK: oct k must be base64url of at least 32 bytes');
    if (jwk.alg !== undefined && jwk.alg !== 'HS256')
      return fail('UNSUPPORTED_ALGORITHM', `JWK: alg ${jwk.alg} for an oct key`);
    out.set(COSE_KEY.kty, COSE_KTY.Symmetric);
    out.set(COSE_KEY.k, k);
    return ok(out);
  }
  if (jwk.kty === 'EC') {
    if (jwk.crv !== 'P-256')
      return fail(
        'UNSUPPORTED_ALGORITHM',
        `JWK: EC crv ${String(jwk.crv)}; the profile uses P-256`,
      );
    if (jwk.alg !== undefined && jwk.alg !== 'ES256')
      return fail('UNSUPPORTED_ALGORITHM', `JWK: alg ${jwk.alg} for a P-256 key`);
    const x = fromBase64url(jwk.x);
    const y = fromBase64url(jwk.y);
    if (x?.length !== 32 || y?.length !== 32)
      return fail('KEY_INVALID', 'JWK: EC P-256 x and y must be 32 bytes');
    out.set(COSE_KEY.kty, COSE_KTY.EC2);
    out.set(COSE_KEY.crv, COSE_CRV.P256);
    out.set(COSE_KEY.x, x);
    out.set(COSE_KEY.y, y);
    return ok(out);
  }
  if (jwk.kty === 'OKP') {
    if (jwk.crv !== 'Ed25519')
      return fail(
        'UNSUPPORTED_ALGORITHM',
        `JWK: OKP crv ${String(jwk.crv)}; the profile uses Ed25519`,
      );
    if (jwk.alg !== undefined && jwk.alg !== 'EdDSA' && jwk.alg !== 'Ed25519') {
      return fail('UNSUPPORTED_ALGORITHM', `JWK: alg ${jwk.alg} for an Ed25519 key`);
    }
    const x = fromBase64url(jwk.x);
    if (x?.length !== 32) return fail('KEY_INVALID', 'JWK: OKP Ed25519 x must be 32 bytes');
    out.set(COSE_KEY.kty, COSE_KTY.OKP);
    out.set(COSE_KEY.crv, COSE_CRV.Ed25519);
    out.set(COSE_KEY.x, x);
    return ok(out);
  }
  return fail(
    'UNSUPPORTED_ALGORITHM',
    `JWK: kty ${String(jwk.kty)}; the profile uses EC, OKP and oct`,
  );
}

function algName(alg: number): string {
  return alg === -7 ? 'ES256' : alg === -8 ? 'EdDSA' : 'HS256';
}
