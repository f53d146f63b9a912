// ECIES as TS 33.501 Annex C.3 profiles it for the SUCI (SECG SEC 1 v2 with the changes of C.3.2):
//   Z = ECDH(private key, peer public key)        Profile A: X25519; Profile B: P-256
//   EK || ICB || MK = ANSI-X9.63-KDF(SHA-256, Z, SharedInfo1 = the ephemeral public key as sent)
//   ciphertext = AES-128-CTR(EK, ICB, scheme input), counter incremented in its low 32 bits
//   MAC tag = the first 8 octets of HMAC-SHA-256(MK, ciphertext)
//   scheme output = ephemeral public key || ciphertext || MAC tag
// Profile B always sends the ephemeral key compressed (33 octets), and the KDF takes it so.
// Every value in between is returned, so tests can hold each one to the published test data.
import {
  createCipheriv,
  createECDH,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type ECDH,
  type KeyObject,
} from 'node:crypto';
import { concat, equalBytes, fromHex, xor } from '../bytes.js';
import { AkaError, requireLength } from './errors.js';

export const ECIES_ENC_KEY_LENGTH = 16;
export const ECIES_ICB_LENGTH = 16;
export const ECIES_MAC_KEY_LENGTH = 32;
export const ECIES_MAC_LENGTH = 8;

/** The keys both sides derive from the shared secret Z. */
export interface EciesKeys {
  sharedZ: Uint8Array;
  encKey: Uint8Array;
  icb: Uint8Array;
  macKey: Uint8Array;
}

/** The three parts of an ECIES scheme output. */
export interface EciesOutput {
  ephemeralPublicKey: Uint8Array;
  ciphertext: Uint8Array;
  mac: Uint8Array;
}

export interface EciesEncryption extends EciesKeys, EciesOutput {
  /** ephemeralPublicKey || ciphertext || mac */
  schemeOutput: Uint8Array;
}

export interface EciesDecryption extends EciesKeys {
  plaintext: Uint8Array;
}

export interface EciesProfile {
  readonly scheme: 'A' | 'B';
  /** Octets of the ephemeral public key in the scheme output: 32 (A) or 33, compressed (B). */
  readonly ephemeralPublicKeyLength: number;
  /** The public key of a 32-octet private key, in the form the scheme output carries. */
  publicKey(privateKey: Uint8Array): Uint8Array;
  /** The UE side. Without `ephemeralPrivateKey` a fresh ephemeral key pair is drawn. */
  encrypt(
    hnPublicKey: Uint8Array,
    plaintext: Uint8Array,
    ephemeralPrivateKey?: Uint8Array,
  ): EciesEncryption;
  /** The home network side (SIDF). Throws SUCI_MAC_FAILURE when the MAC tag does not verify. */
  decrypt(hnPrivateKey: Uint8Array, output: EciesOutput): EciesDecryption;
}

/** ANSI X9.63 KDF with SHA-256: Hash(Z || counter (4 octets, from 1) || SharedInfo) ... */
export function x963Kdf(z: Uint8Array, sharedInfo: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 0xffff) {
    throw new AkaError('INVALID_LENGTH', 'the X9.63 KDF output is 0 to 65535 bytes here');
  }
  const out = new Uint8Array(length);
  const counter = new Uint8Array(4);
  for (let i = 1, offset = 0; offset < length; i++, offset += 32) {
    new DataView(counter.buffer).setUint32(0, i);
    const block = createHash('sha256').update(z).update(counter).update(sharedInfo).digest();
    out.set(block.subarray(0, Math.min(32, length - offset)), offset);
  }
  return out;
}

/** EK (leftmost 16 octets), ICB (middle 16) and MK (rightmost 32) of the KDF output (C.3.2). */
export function eciesKeys(sharedZ: Uint8Array, ephemeralPublicKey: Uint8Array): EciesKeys {
  const k = x963Kdf(
    sharedZ,
    ephemeralPublicKey,
    ECIES_ENC_KEY_LENGTH + ECIES_ICB_LENGTH + ECIES_MAC_KEY_LENGTH,
  );
  return {
    sharedZ,
    encKey: k.slice(0, ECIES_ENC_KEY_LENGTH),
    icb: k.slice(ECIES_ENC_KEY_LENGTH, ECIES_ENC_KEY_LENGTH + ECIES_ICB_LENGTH),
    macKey: k.slice(ECIES_ENC_KEY_LENGTH + ECIES_ICB_LENGTH),
  };
}

/**
 * AES-128-CTR whose counter blocks follow NIST SP 800-38A B.1 with m = 32 (C.3.4.0): only the low
 * 32 bits of the ICB count, wrapping without carry. OpenSSL's CTR carries through all 128 bits,
 * so the counter blocks are built here and encrypted with ECB.
 */
export function aes128Ctr32(key: Uint8Array, icb: Uint8Array, data: Uint8Array): Uint8Array {
  requireLength('EK', key, ECIES_ENC_KEY_LENGTH);
  requireLength('ICB', icb, ECIES_ICB_LENGTH);
  if (data.length === 0) return new Uint8Array(0);
  const blocks = Math.ceil(data.length / 16);
  const counters = new Uint8Array(blocks * 16);
  const low = new DataView(icb.buffer, icb.byteOffset, 16).getUint32(12);
  for (let i = 0; i < blocks; i++) {
    counters.set(icb, i * 16);
    new DataView(counters.buffer).setUint32(i * 16 + 12, (low + i) >>> 0);
  }
  const cipher = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  const keystream = concat(cipher.update(counters), cipher.final());
  return xor(data, keystream.subarray(0, data.length));
}

/** The MAC tag: the 8 most significant octets of HMAC-SHA-256(MK, ciphertext). */
export function eciesMac(macKey: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return Uint8Array.from(createHmac('sha256', macKey).update(ciphertext).digest().subarray(0, 8));
}

function requirePrivateKey(what: string, key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== 32) {
    throw new AkaError('INVALID_KEY', `the ${what} private key must be 32 bytes`);
  }
}

/** Runs a node:crypto call; whatever it throws becomes an AkaError that names no key. */
function guarded<T>(code: 'INVALID_KEY' | 'INVALID_SUCI', message: string, call: () => T): T {
  try {
    return call();
  } catch {
    throw new AkaError(code, message);
  }
}

function requirePlaintext(plaintext: Uint8Array): void {
  if (!(plaintext instanceof Uint8Array)) {
    throw new AkaError('INVALID_LENGTH', 'the ECIES plaintext must be bytes');
  }
}

function seal(
  ephemeralPublicKey: Uint8Array,
  sharedZ: Uint8Array,
  plaintext: Uint8Array,
): EciesEncryption {
  const keys = eciesKeys(sharedZ, ephemeralPublicKey);
  const ciphertext = aes128Ctr32(keys.encKey, keys.icb, plaintext);
  const mac = eciesMac(keys.macKey, ciphertext);
  return {
    ...keys,
    ephemeralPublicKey,
    ciphertext,
    mac,
    schemeOutput: concat(ephemeralPublicKey, ciphertext, mac),
  };
}

function open(sharedZ: Uint8Array, output: EciesOutput): EciesDecryption {
  const keys = eciesKeys(sharedZ, output.ephemeralPublicKey);
  // The MAC is checked before anything is decrypted (SEC 1 5.1.4), in constant time.
  if (!equalBytes(eciesMac(keys.macKey, output.ciphertext), output.mac)) {
    throw new AkaError('SUCI_MAC_FAILURE', 'the SUCI MAC tag does not verify');
  }
  return { ...keys, plaintext: aes128Ctr32(keys.encKey, keys.icb, output.ciphertext) };
}

function checkOutput(
  profile: { scheme: 'A' | 'B'; ephemeralPublicKeyLength: number },
  output: EciesOutput,
): void {
  const { ephemeralPublicKey, ciphertext, mac } = output;
  if (
    !(ephemeralPublicKey instanceof Uint8Array) ||
    !(ciphertext instanceof Uint8Array) ||
    !(mac instanceof Uint8Array)
  ) {
    throw new AkaError('INVALID_SUCI', 'the scheme output parts must be bytes');
  }
  if (ephemeralPublicKey.length !== profile.ephemeralPublicKeyLength) {
    throw new AkaError(
      'INVALID_SUCI',
      `a Profile ${profile.scheme} ephemeral public key is ${profile.ephemeralPublicKeyLength} bytes`,
    );
  }
  if (mac.length !== ECIES_MAC_LENGTH) {
    throw new AkaError('INVALID_SUCI', `the MAC tag is ${ECIES_MAC_LENGTH} bytes`);
  }
}

// X25519 private keys go through DER, since node:crypto imports no raw X25519 keys (RFC 8410
// prefix), and a JWK private key needs its public half.
const X25519_PKCS8_PREFIX = fromHex('302e020100300506032b656e04220420');

// OpenSSL 3 decodes a DER key in about 360 us, most of a SUCI's cost: a private key is imported
// once per byte array (the UDM keeps its home network keys' arrays; the UE uses its ephemeral key
// twice), held weakly so it goes with the array.
// (The bytes are kept too, so an array changed in place is imported again.)
const x25519PrivateKeys = new WeakMap<Uint8Array, { bytes: Uint8Array; keyObject: KeyObject }>();

function x25519PrivateKey(key: Uint8Array): KeyObject {
  const cached = x25519PrivateKeys.get(key);
  if (cached !== undefined && equalBytes(cached.bytes, key)) return cached.keyObject;
  const keyObject = createPrivateKey({
    key: Buffer.from(concat(X25519_PKCS8_PREFIX, key)),
    format: 'der',
    type: 'pkcs8',
  });
  x25519PrivateKeys.set(key, { bytes: key.slice(), keyObject });
  return keyObject;
}

/** A public key as a JWK: no DER decoder (7 us instead of 80). */
function x25519PublicKey(key: Uint8Array): KeyObject {
  return createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(key).toString('base64url') },
    format: 'jwk',
  });
}

function x25519RawPublicKey(privateKey: KeyObject): Uint8Array {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return Uint8Array.from(spki.subarray(spki.length - 32));
}

/** X25519; OpenSSL refuses a low-order peer key (an all-zero Z), which lands in `guarded`. */
function x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return Uint8Array.from(
    diffieHellman({
      privateKey: x25519PrivateKey(privateKey),
      publicKey: x25519PublicKey(publicKey),
    }),
  );
}

function x25519PublicKeyOf(privateKey: Uint8Array): Uint8Array {
  requirePrivateKey('X25519', privateKey);
  return guarded('INVALID_KEY', 'not a valid X25519 private key', () =>
    x25519RawPublicKey(x25519PrivateKey(privateKey)),
  );
}

const PROFILE_A = { scheme: 'A', ephemeralPublicKeyLength: 32 } as const;
const PROFILE_B = { scheme: 'B', ephemeralPublicKeyLength: 33 } as const;

/** Profile A: Curve25519, no point compression, raw 32-octet keys (C.3.4.1, RFC 7748). */
export const eciesProfileA: EciesProfile = {
  ...PROFILE_A,
  publicKey: x25519PublicKeyOf,
  encrypt(hnPublicKey, plaintext, ephemeralPrivateKey) {
    if (!(hnPublicKey instanceof Uint8Array) || hnPublicKey.length !== 32) {
      throw new AkaError('INVALID_KEY', 'a Profile A home network public key must be 32 bytes');
    }
    requirePlaintext(plaintext);
    const lowOrder = 'the home network public key is of low order';
    if (ephemeralPrivateKey === undefined) {
      // A fresh pair straight from OpenSSL: importing 32 random octets as a private key goes
      // through OpenSSL 3's DER decoder, which cost more than the rest of the SUCI together.
      const pair = generateKeyPairSync('x25519', { publicKeyEncoding: { format: 'jwk' } });
      // @types/node has no overload for a JWK public half beside a KeyObject private half.
      const publicJwk = pair.publicKey as unknown as { x: string };
      const ephemeralPublicKey = Uint8Array.from(Buffer.from(publicJwk.x, 'base64url'));
      const sharedZ = guarded('INVALID_KEY', lowOrder, () =>
        Uint8Array.from(
          diffieHellman({ privateKey: pair.privateKey, publicKey: x25519PublicKey(hnPublicKey) }),
        ),
      );
      return seal(ephemeralPublicKey, sharedZ, plaintext);
    }
    // A given ephemeral key (test vectors): any 32 octets are one (RFC 7748 clamps them).
    requirePrivateKey('ephemeral', ephemeralPrivateKey);
    const ephemeralPublicKey = x25519PublicKeyOf(ephemeralPrivateKey);
    const sharedZ = guarded('INVALID_KEY', lowOrder, () =>
      x25519(ephemeralPrivateKey, hnPublicKey),
    );
    return seal(ephemeralPublicKey, sharedZ, plaintext);
  },
  decrypt(hnPrivateKey, output) {
    requirePrivateKey('home network', hnPrivateKey);
    checkOutput(PROFILE_A, output);
    const sharedZ = guarded('INVALID_SUCI', 'the ephemeral public key is of low order', () =>
      x25519(hnPrivateKey, output.ephemeralPublicKey),
    );
    return open(sharedZ, output);
  },
};

function p256(privateKey: Uint8Array, what: string): ECDH {
  requirePrivateKey(what, privateKey);
  const ecdh = createECDH('prime256v1');
  guarded('INVALID_KEY', `the ${what} private key is not a valid P-256 scalar`, () =>
    ecdh.setPrivateKey(privateKey),
  );
  return ecdh;
}

function compressedPublicKey(ecdh: ECDH): Uint8Array {
  return Uint8Array.from(ecdh.getPublicKey(null, 'compressed'));
}

/** Profile B: secp256r1 with point compression (C.3.4.2). */
export const eciesProfileB: EciesProfile = {
  ...PROFILE_B,
  publicKey(privateKey) {
    return compressedPublicKey(p256(privateKey, 'P-256'));
  },
  encrypt(hnPublicKey, plaintext, ephemeralPrivateKey) {
    // The home network key may be provisioned compressed (33 octets) or not (65).
    const form =
      hnPublicKey instanceof Uint8Array
        ? (hnPublicKey.length === 33 && (hnPublicKey[0] === 2 || hnPublicKey[0] === 3)) ||
          (hnPublicKey.length === 65 && hnPublicKey[0] === 4)
        : false;
    if (!form) {
      throw new AkaError(
        'INVALID_KEY',
        'a Profile B home network public key is a P-256 point of 33 (compressed) or 65 bytes',
      );
    }
    requirePlaintext(plaintext);
    let ecdh: ECDH;
    if (ephemeralPrivateKey === undefined) {
      ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
    } else {
      ecdh = p256(ephemeralPrivateKey, 'ephemeral');
    }
    const sharedZ = guarded('INVALID_KEY', 'the home network public key is not on P-256', () =>
      Uint8Array.from(ecdh.computeSecret(hnPublicKey)),
    );
    return seal(compressedPublicKey(ecdh), sharedZ, plaintext);
  },
  decrypt(hnPrivateKey, output) {
    const ecdh = p256(hnPrivateKey, 'home network');
    checkOutput(PROFILE_B, output);
    const prefix = output.ephemeralPublicKey[0];
    if (prefix !== 2 && prefix !== 3) {
      throw new AkaError('INVALID_SUCI', 'a Profile B ephemeral public key must be compressed');
    }
    const sharedZ = guarded('INVALID_SUCI', 'the ephemeral public key is not on P-256', () =>
      Uint8Array.from(ecdh.computeSecret(output.ephemeralPublicKey)),
    );
    return open(sharedZ, output);
  },
};

export function eciesProfile(scheme: 'A' | 'B'): EciesProfile {
  return scheme === 'A' ? eciesProfileA : eciesProfileB;
}
