// The credential bundle's envelope: a compact JWE (RFC 7516) with key agreement ECDH-ES+A256KW
// on P-256 and content encryption A256GCM (RFC 7518 4.6 and 5.3), to the cnf key the Evidence
// attested. Only this one combination is written and read.
//
// Why not jose, which the rest of the project uses for JOSE: jose 6 runs on WebCrypto, and on
// Node 20 a key import plus the thread-pool crossings of an ECDH-ES+A256KW JWE cost about 2 ms of
// CPU to encrypt and 2 ms to decrypt here, a quarter of a whole onboarding's. The same steps in
// node:crypto take a fraction of that. Tests check this module against RFC 7518 Appendix C, the
// RFC 3394 key-wrap vector, and jose in both directions.
import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  randomBytes,
  type ECDH,
} from 'node:crypto';
import type { JWK } from 'jose';
import { isBase64url, uintToBytes } from '../bytes.js';

export const BUNDLE_JWE_ALG = 'ECDH-ES+A256KW';
export const BUNDLE_JWE_ENC = 'A256GCM';

/** Why a JWE could not be opened: the algorithms, its form, or the decryption itself. */
export class BundleJweError extends Error {
  constructor(
    readonly reason: 'ALGORITHM' | 'MALFORMED' | 'KEY' | 'DECRYPTION',
    message: string,
  ) {
    super(message);
    this.name = 'BundleJweError';
  }
}

const CURVE = 'prime256v1';
const COORDINATE_BYTES = 32;
/** RFC 3394 2.2.3.1: the default initial value of AES Key Wrap. */
const KEY_WRAP_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');
const GCM_IV_BYTES = 12;
const GCM_TAG_BYTES = 16;
/** Header members this profile knows; anything else (zip, crit, jku, ...) is refused. */
const HEADER_MEMBERS = new Set(['alg', 'enc', 'epk', 'cty', 'typ', 'kid', 'apu', 'apv']);

/**
 * RFC 7518 4.6.2: the Concat KDF of NIST SP 800-56A with SHA-256. `algorithmId` is the "enc"
 * value for direct key agreement, the "alg" value when the result wraps a key.
 */
export function concatKdf(
  z: Uint8Array,
  algorithmId: string,
  keyBits: number,
  apu: Uint8Array = new Uint8Array(0),
  apv: Uint8Array = new Uint8Array(0),
): Buffer {
  const lengthPrefixed = (data: Uint8Array) => [uintToBytes(data.length, 4), data];
  const otherInfo = [
    ...lengthPrefixed(Buffer.from(algorithmId, 'ascii')),
    ...lengthPrefixed(apu),
    ...lengthPrefixed(apv),
    uintToBytes(keyBits, 4),
  ];
  const rounds = Math.ceil(keyBits / 256);
  const out: Buffer[] = [];
  for (let round = 1; round <= rounds; round++) {
    const hash = createHash('sha256').update(uintToBytes(round, 4)).update(z);
    for (const part of otherInfo) hash.update(part);
    out.push(hash.digest());
  }
  return Buffer.concat(out).subarray(0, keyBits / 8);
}

/** The uncompressed SEC1 point of a P-256 JWK's x and y, or undefined if they are not one. */
function pointOf(jwk: { kty?: unknown; crv?: unknown; x?: unknown; y?: unknown }) {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') return undefined;
  const x = decodeCoordinate(jwk.x);
  const y = decodeCoordinate(jwk.y);
  return x && y ? Buffer.concat([Buffer.of(0x04), x, y]) : undefined;
}

function decodeCoordinate(value: unknown): Buffer | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64url');
  return bytes.length === COORDINATE_BYTES ? bytes : undefined;
}

/** ECDH on P-256; throws BundleJweError KEY when the peer's point is not on the curve. */
function sharedSecret(own: ECDH, peerPoint: Buffer): Buffer {
  try {
    return own.computeSecret(peerPoint);
  } catch {
    throw new BundleJweError('KEY', 'the ephemeral public key is not a point on P-256');
  }
}

function keyWrapKey(z: Buffer, apu?: Uint8Array, apv?: Uint8Array): Buffer {
  return concatKdf(z, BUNDLE_JWE_ALG, 256, apu, apv);
}

/** RFC 3394 AES Key Wrap with a 256-bit KEK (A256KW). */
export function aesKeyWrap(kek: Uint8Array, key: Uint8Array): Buffer {
  const wrap = createCipheriv('id-aes256-wrap', kek, KEY_WRAP_IV);
  return Buffer.concat([wrap.update(key), wrap.final()]);
}

/** The inverse of aesKeyWrap; throws when the integrity check (the RFC 3394 IV) fails. */
export function aesKeyUnwrap(kek: Uint8Array, wrapped: Uint8Array): Buffer {
  const unwrap = createDecipheriv('id-aes256-wrap', kek, KEY_WRAP_IV);
  return Buffer.concat([unwrap.update(wrapped), unwrap.final()]);
}

/**
 * Encrypts `plaintext` to a P-256 public key (a cnf JWK). `header` adds members to the
 * protected header (for example cty); alg, enc and epk are this module's.
 */
export function encryptBundleJwe(
  plaintext: Uint8Array,
  recipient: JWK,
  header: { cty?: string; typ?: string } = {},
): string {
  const recipientPoint = pointOf(recipient);
  if (!recipientPoint) throw new BundleJweError('KEY', 'the recipient key is not a P-256 JWK');
  const ephemeral = createECDH(CURVE);
  const ephemeralPoint = ephemeral.generateKeys();
  const z = sharedSecret(ephemeral, recipientPoint);
  const epk = {
    kty: 'EC',
    crv: 'P-256',
    x: ephemeralPoint.subarray(1, 33).toString('base64url'),
    y: ephemeralPoint.subarray(33).toString('base64url'),
  };
  const protectedHeader = Buffer.from(
    JSON.stringify({ alg: BUNDLE_JWE_ALG, enc: BUNDLE_JWE_ENC, ...header, epk }),
  ).toString('base64url');

  const cek = randomBytes(32);
  const encryptedKey = aesKeyWrap(keyWrapKey(z), cek);

  const iv = randomBytes(GCM_IV_BYTES);
  const gcm = createCipheriv('aes-256-gcm', cek, iv);
  gcm.setAAD(Buffer.from(protectedHeader, 'ascii'));
  const ciphertext = Buffer.concat([gcm.update(plaintext), gcm.final()]);
  const tag = gcm.getAuthTag();
  cek.fill(0);
  return [
    protectedHeader,
    encryptedKey.toString('base64url'),
    iv.toString('base64url'),
    ciphertext.toString('base64url'),
    tag.toString('base64url'),
  ].join('.');
}

/**
 * Opens a compact JWE made for the P-256 private key `recipient` (a JWK with d). Throws
 * BundleJweError, whose message never holds key material or plaintext.
 */
export function decryptBundleJwe(
  jwe: string,
  recipient: JWK,
): { plaintext: Buffer; protectedHeader: Record<string, unknown> } {
  const parts = jwe.split('.');
  if (parts.length !== 5 || !parts.every(isBase64url)) {
    throw new BundleJweError('MALFORMED', 'not a compact JWE (five base64url parts)');
  }
  const [headerText, encryptedKeyText, ivText, ciphertextText, tagText] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  let header: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(headerText, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error();
    header = parsed as Record<string, unknown>;
  } catch {
    throw new BundleJweError('MALFORMED', 'the protected header is not a JSON object');
  }
  if (header.alg !== BUNDLE_JWE_ALG || header.enc !== BUNDLE_JWE_ENC) {
    throw new BundleJweError(
      'ALGORITHM',
      `expected alg ${BUNDLE_JWE_ALG} and enc ${BUNDLE_JWE_ENC}`,
    );
  }
  const unknown = Object.keys(header).filter((m) => !HEADER_MEMBERS.has(m));
  if (unknown.length > 0) {
    throw new BundleJweError('MALFORMED', `header member not supported: ${unknown[0]}`);
  }
  const epkPoint =
    typeof header.epk === 'object' && header.epk !== null
      ? pointOf(header.epk as Record<string, unknown>)
      : undefined;
  if (!epkPoint) throw new BundleJweError('MALFORMED', 'epk: expected a P-256 public JWK');
  const party = (name: 'apu' | 'apv') => {
    const value = header[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !isBase64url(value)) {
      throw new BundleJweError('MALFORMED', `${name}: expected base64url`);
    }
    return Buffer.from(value, 'base64url');
  };
  const apu = party('apu');
  const apv = party('apv');

  const d = typeof recipient.d === 'string' ? Buffer.from(recipient.d, 'base64url') : undefined;
  if (recipient.kty !== 'EC' || recipient.crv !== 'P-256' || d?.length !== COORDINATE_BYTES) {
    throw new BundleJweError('KEY', 'the recipient key is not a private P-256 JWK');
  }
  const own = createECDH(CURVE);
  own.setPrivateKey(d);
  d.fill(0);
  const z = sharedSecret(own, epkPoint);

  const encryptedKey = Buffer.from(encryptedKeyText, 'base64url');
  const iv = Buffer.from(ivText, 'base64url');
  const tag = Buffer.from(tagText, 'base64url');
  if (encryptedKey.length !== 40 || iv.length !== GCM_IV_BYTES || tag.length !== GCM_TAG_BYTES) {
    throw new BundleJweError('MALFORMED', 'encrypted key, IV or tag of the wrong length');
  }
  let cek: Buffer;
  try {
    cek = aesKeyUnwrap(keyWrapKey(z, apu, apv), encryptedKey);
  } catch {
    throw new BundleJweError('DECRYPTION', 'the content key does not unwrap (wrong key?)');
  }
  try {
    const gcm = createDecipheriv('aes-256-gcm', cek, iv, { authTagLength: GCM_TAG_BYTES });
    gcm.setAAD(Buffer.from(headerText, 'ascii'));
    gcm.setAuthTag(tag);
    const plaintext = Buffer.concat([
      gcm.update(Buffer.from(ciphertextText, 'base64url')),
      gcm.final(),
    ]);
    return { plaintext, protectedHeader: header };
  } catch {
    throw new BundleJweError('DECRYPTION', 'the content does not decrypt (tampered?)');
  } finally {
    cek.fill(0);
  }
}
