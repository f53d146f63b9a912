// COSE_Sign1 and COSE_Mac0 (RFC 9052 clauses 4.2, 4.4, 6.2, 6.3) with the algorithms of the
// profile (RFC 9053): ES256 (-7, signature r || s), EdDSA (-8, Ed25519) and HMAC 256/256 (5).
// Decoding needs no key (the verifier first reads the kid or the UEID to find one); verification
// never throws and takes the algorithm from the protected header, never from the key.
import {
  createHmac,
  createPrivateKey,
  sign,
  timingSafeEqual,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import type { JWK } from 'jose';
import {
  CBOR_TAG,
  PROFILE_TAGS,
  Tagged,
  decodeCbor,
  encodeCbor,
  type DecodeCborOptions,
} from './cbor.js';
import { fromBase64url } from '../bytes.js';
import { RatsError, fail, ok, type Result } from './errors.js';
import { importPublicJwk } from './public-key-cache.js';

/** COSE algorithm identifiers (RFC 9053 clauses 2.1, 2.2 and 3.1). */
export const COSE_ALG = { ES256: -7, EdDSA: -8, HS256: 5 } as const;
export type CoseAlg = keyof typeof COSE_ALG;

/** Common COSE header parameters (RFC 9052 clause 3.1). */
export const COSE_HEADER = { alg: 1, crit: 2, content_type: 3, kid: 4 } as const;

/** Length of the signature or tag of each algorithm. */
const SIG_LENGTH: Record<CoseAlg, number> = { ES256: 64, EdDSA: 64, HS256: 32 };

/** Smallest HMAC key accepted: the output length of HMAC 256/256 (RFC 2104 clause 3). */
export const MIN_HMAC_KEY_BYTES = 32;

/** A decoded COSE_Sign1 or COSE_Mac0, everything verification needs. */
export interface CoseMessage {
  form: 'sign1' | 'mac0';
  alg: CoseAlg;
  /** the serialized protected header, exactly as it was signed */
  protected: Uint8Array;
  protectedHeader: Map<unknown, unknown>;
  unprotected: Map<unknown, unknown>;
  /** kid (label 4), from the protected or the unprotected header */
  kid?: Uint8Array;
  payload: Uint8Array;
  /** the signature (COSE_Sign1) or the tag (COSE_Mac0) */
  signature: Uint8Array;
  /** whether the message was wrapped in CWT tag 61 */
  cwtTag: boolean;
  /** whether the message carried its COSE tag (18 or 17) */
  coseTag: boolean;
}

/** What verification reads from a message. */
export type CoseSigned = Pick<CoseMessage, 'form' | 'alg' | 'protected' | 'payload' | 'signature'>;

export interface DecodeCoseOptions extends Pick<DecodeCborOptions, 'maxBytes' | 'maxDepth'> {
  /**
   * tags the decoder accepts anywhere in the message (default: 61, 18 and 17). Only 61 and the
   * COSE tag are understood around the message; other tags may appear inside header values.
   */
  tags?: readonly number[];
}

const MALFORMED = 'EVIDENCE_MALFORMED';

/** Decodes a COSE_Sign1 or COSE_Mac0, with or without CWT tag 61 and the COSE tag. */
export function decodeCose(
  bytes: Uint8Array,
  options: DecodeCoseOptions = {},
): Result<CoseMessage> {
  const decoded = decodeCbor(bytes, { ...options, tags: options.tags ?? PROFILE_TAGS });
  if (!decoded.ok) return decoded;
  return coseFromCbor(decoded.value, options);
}

/** The same as decodeCose, from a value decodeCbor already returned. */
export function coseFromCbor(value: unknown, options: DecodeCoseOptions = {}): Result<CoseMessage> {
  let item = value;
  let cwtTag = false;
  let coseTag: number | undefined;
  if (item instanceof Tagged && item.tag === CBOR_TAG.CWT) {
    cwtTag = true;
    item = item.value;
  }
  if (
    item instanceof Tagged &&
    (item.tag === CBOR_TAG.COSE_Sign1 || item.tag === CBOR_TAG.COSE_Mac0)
  ) {
    coseTag = item.tag;
    item = item.value;
  }
  if (item instanceof Tagged) {
    return fail(
      MALFORMED,
      `COSE: unexpected tag ${item.tag}; expected 61 (CWT), then 18 (COSE_Sign1) or 17 (COSE_Mac0)`,
    );
  }
  const name =
    coseTag === CBOR_TAG.COSE_Mac0
      ? 'COSE_Mac0'
      : coseTag === CBOR_TAG.COSE_Sign1
        ? 'COSE_Sign1'
        : 'COSE';
  if (!Array.isArray(item) || item.length !== 4) {
    return fail(
      MALFORMED,
      `${name}: expected an array [protected, unprotected, payload, signature or tag]`,
    );
  }
  const [protectedBytes, unprotected, payload, signature] = item as unknown[];
  if (!(protectedBytes instanceof Uint8Array))
    return fail(MALFORMED, `${name}: protected header must be a byte string`);
  if (!(unprotected instanceof Map))
    return fail(MALFORMED, `${name}: unprotected header must be a map`);
  if (payload === null) return fail(MALFORMED, `${name}: detached payloads are not supported`);
  if (!(payload instanceof Uint8Array))
    return fail(MALFORMED, `${name}: payload must be a byte string`);
  if (!(signature instanceof Uint8Array))
    return fail(MALFORMED, `${name}: signature or tag must be a byte string`);

  const header = decodeProtected(protectedBytes, options);
  if (!header.ok) return fail(header.error.code, `${name}: ${header.error.message}`);
  const protectedHeader = header.value;
  const unprot = unprotected as Map<unknown, unknown>;
  for (const label of unprot.keys()) {
    if (protectedHeader.has(label)) {
      return fail(
        MALFORMED,
        `${name}: header parameter ${String(label)} is in both the protected and the unprotected header`,
      );
    }
  }
  if (unprot.has(COSE_HEADER.alg))
    return fail(MALFORMED, `${name}: alg (1) must be in the protected header`);
  if (unprot.has(COSE_HEADER.crit))
    return fail(MALFORMED, `${name}: crit (2) must be in the protected header`);
  if (protectedHeader.has(COSE_HEADER.crit)) {
    // crit lists extension parameters the recipient must understand; this one understands none
    return fail(
      MALFORMED,
      `${name}: crit (2) names header parameters this verifier does not understand`,
    );
  }
  const algValue = protectedHeader.get(COSE_HEADER.alg);
  if (algValue === undefined)
    return fail(MALFORMED, `${name}: the protected header has no alg (1)`);
  const alg = algFromCose(algValue);
  if (alg === undefined) {
    const untagged =
      coseTag === undefined ? ', and untagged only the alg tells COSE_Sign1 from COSE_Mac0' : '';
    return fail(
      'UNSUPPORTED_ALGORITHM',
      `${name}: alg ${describeAlg(algValue)}; the profile uses ES256 (-7), EdDSA (-8) and HMAC 256/256 (5)${untagged}`,
    );
  }
  const algForm = alg === 'HS256' ? 'mac0' : 'sign1';
  if (coseTag !== undefined) {
    const tagForm = coseTag === CBOR_TAG.COSE_Mac0 ? 'mac0' : 'sign1';
    if (tagForm !== algForm) {
      return fail(
        'UNSUPPORTED_ALGORITHM',
        `${name}: alg ${alg} is not a ${tagForm === 'mac0' ? 'MAC' : 'signature'} algorithm`,
      );
    }
  }
  // Untagged, COSE_Sign1 and COSE_Mac0 have the same shape; the algorithm tells them apart, as
  // each alg of the profile belongs to one of them (an unknown alg was refused above).
  if (signature.length !== SIG_LENGTH[alg]) {
    return fail(
      MALFORMED,
      `${name}: ${alg} ${algForm === 'mac0' ? 'tag' : 'signature'} of ${signature.length} bytes, expected ${SIG_LENGTH[alg]}`,
    );
  }
  const kid = protectedHeader.get(COSE_HEADER.kid) ?? unprot.get(COSE_HEADER.kid);
  if (kid !== undefined && !(kid instanceof Uint8Array))
    return fail(MALFORMED, `${name}: kid (4) must be a byte string`);

  return ok({
    form: algForm,
    alg,
    protected: protectedBytes,
    protectedHeader,
    unprotected: unprot,
    ...(kid === undefined ? {} : { kid }),
    payload,
    signature,
    cwtTag,
    coseTag: coseTag !== undefined,
  });
}

function decodeProtected(
  bytes: Uint8Array,
  options: DecodeCoseOptions,
): Result<Map<unknown, unknown>> {
  // a zero-length byte string is the empty protected header (RFC 9052 clause 3)
  if (bytes.length === 0) return ok(new Map());
  const decoded = decodeCbor(bytes, { ...options, tags: options.tags ?? [] });
  if (!decoded.ok) return fail(MALFORMED, `protected header: ${decoded.error.message}`);
  if (!(decoded.value instanceof Map)) return fail(MALFORMED, 'protected header: expected a map');
  return ok(decoded.value as Map<unknown, unknown>);
}

function algFromCose(value: unknown): CoseAlg | undefined {
  for (const [name, id] of Object.entries(COSE_ALG)) if (value === id) return name as CoseAlg;
  return undefined;
}

function describeAlg(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 32));
  return 'of an unexpected type';
}

/** Sig_structure (RFC 9052 clause 4.4) or MAC_structure (clause 6.3), external_aad empty. */
export function toBeSigned(
  form: 'sign1' | 'mac0',
  protectedBytes: Uint8Array,
  payload: Uint8Array,
): Uint8Array {
  return encodeCbor([
    form === 'sign1' ? 'Signature1' : 'MAC0',
    protectedBytes,
    new Uint8Array(0),
    payload,
  ]);
}

export interface CreateCoseOptions {
  kid?: Uint8Array;
  /** where kid goes (default: the protected header, so that it is signed too) */
  kidIn?: 'protected' | 'unprotected';
  /** wrap in the COSE tag, 18 or 17 (default true) */
  coseTag?: boolean;
  /** wrap in CWT tag 61 (default false) */
  cwtTag?: boolean;
}

/**
 * The algorithm a key signs or MACs with: ES256 for an EC P-256 key, EdDSA for an OKP Ed25519
 * key, HS256 for an oct key of at least 32 bytes. A JWK `alg`, when present, must agree.
 */
export function algForKey(jwk: JWK): Result<CoseAlg> {
  if (typeof jwk !== 'object' || jwk === null) return fail('KEY_INVALID', 'JWK: not an object');
  let alg: CoseAlg;
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') alg = 'ES256';
  else if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') alg = 'EdDSA';
  else if (jwk.kty === 'oct') alg = 'HS256';
  else
    return fail(
      'UNSUPPORTED_ALGORITHM',
      `JWK: kty ${String(jwk.kty)} crv ${String(jwk.crv)}; the profile uses EC P-256, OKP Ed25519 and oct`,
    );
  if (jwk.alg !== undefined && jwk.alg !== alg && !(alg === 'EdDSA' && jwk.alg === 'Ed25519')) {
    return fail('UNSUPPORTED_ALGORITHM', `JWK: alg ${jwk.alg} does not fit a key for ${alg}`);
  }
  return ok(alg);
}

/**
 * Creates a COSE_Sign1 (private EC P-256 or Ed25519 JWK) or a COSE_Mac0 (oct JWK) over
 * `payload`. Throws RatsError (KEY_INVALID, UNSUPPORTED_ALGORITHM) for an unusable key.
 */
export function createCose(
  payload: Uint8Array,
  key: JWK,
  options: CreateCoseOptions = {},
): Uint8Array {
  const algResult = algForKey(key);
  if (!algResult.ok) throw algResult.error;
  const alg = algResult.value;
  const form = alg === 'HS256' ? 'mac0' : 'sign1';
  const protectedHeader = new Map<number, unknown>([[COSE_HEADER.alg, COSE_ALG[alg]]]);
  const unprotected = new Map<number, unknown>();
  if (options.kid !== undefined) {
    (options.kidIn === 'unprotected' ? unprotected : protectedHeader).set(
      COSE_HEADER.kid,
      options.kid,
    );
  }
  const protectedBytes = encodeCbor(protectedHeader);
  const tbs = toBeSigned(form, protectedBytes, payload);
  let signature: Uint8Array;
  if (alg === 'HS256') {
    signature = createHmac('sha256', hmacKey(key)).update(tbs).digest();
  } else {
    if (typeof key.d !== 'string')
      throw new RatsError('KEY_INVALID', `JWK: ${alg} signing needs a private key`);
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey({ key: key as JsonWebKey, format: 'jwk' });
    } catch {
      throw new RatsError('KEY_INVALID', `JWK: not a valid private key for ${alg}`);
    }
    signature =
      alg === 'ES256'
        ? sign('sha256', tbs, { key: privateKey, dsaEncoding: 'ieee-p1363' })
        : sign(null, tbs, privateKey);
  }
  let message: unknown = [protectedBytes, unprotected, payload, Uint8Array.from(signature)];
  if (options.coseTag !== false) {
    message = new Tagged(form === 'sign1' ? CBOR_TAG.COSE_Sign1 : CBOR_TAG.COSE_Mac0, message);
  }
  if (options.cwtTag === true) message = new Tagged(CBOR_TAG.CWT, message);
  return encodeCbor(message);
}

function hmacKey(key: JWK): Uint8Array {
  const k = fromBase64url(key.k);
  if (k === undefined || k.length < MIN_HMAC_KEY_BYTES) {
    throw new RatsError(
      'KEY_INVALID',
      `JWK: oct k must be base64url of at least ${MIN_HMAC_KEY_BYTES} bytes`,
    );
  }
  return k;
}

/**
 * Verifies the signature or tag of a decoded message with a public JWK (or the oct JWK). The
 * algorithm comes from the protected header bytes themselves, so a message whose `alg` was
 * altered after decoding, or a key of another type than the algorithm's, gives false. Never
 * throws.
 */
export function verifyCose(message: CoseSigned, key: JWK): boolean {
  try {
    const header = decodeProtected(message.protected, {});
    if (!header.ok) return false;
    const alg = algFromCose(header.value.get(COSE_HEADER.alg));
    if (alg === undefined || alg !== message.alg) return false;
    const form = alg === 'HS256' ? 'mac0' : 'sign1';
    if (form !== message.form) return false;
    const keyAlg = algForKey(key);
    if (!keyAlg.ok || keyAlg.value !== alg) return false;
    const { signature } = message;
    if (!(signature instanceof Uint8Array) || signature.length !== SIG_LENGTH[alg]) return false;
    if (!(message.payload instanceof Uint8Array)) return false;
    const tbs = toBeSigned(form, message.protected, message.payload);
    if (alg === 'HS256') {
      const k = fromBase64url(key.k);
      if (k === undefined || k.length < MIN_HMAC_KEY_BYTES) return false;
      const expected = createHmac('sha256', k).update(tbs).digest();
      return timingSafeEqual(expected, signature);
    }
    const publicKey = importPublicJwk(key);
    if (alg === 'ES256') {
      const curve = publicKey.asymmetricKeyDetails?.namedCurve;
      if (publicKey.asymmetricKeyType !== 'ec' || curve !== 'prime256v1') return false;
      return verify('sha256', tbs, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
    }
    if (publicKey.asymmetricKeyType !== 'ed25519') return false;
    return verify(null, tbs, publicKey, signature);
  } catch {
    return false;
  }
}
