// Secrets at rest (K, OPc, symmetric AKM, passwords): AES-256-GCM under the key-encryption key
// (KEK) from configuration. The additional authenticated data names what the secret belongs to
// (table and key), so a sealed value copied onto another row does not open there.
// Format: "v1." + base64url(12-byte IV || ciphertext || 16-byte tag).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export class SealError extends Error {
  override readonly name = 'SealError';
}

const VERSION = 'v1.';

function checkKek(kek: Uint8Array): void {
  if (kek.length !== 32) throw new SealError('the key-encryption key must be 32 bytes');
}

export function seal(kek: Uint8Array, plaintext: Uint8Array, aad: string): string {
  checkKek(kek);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return VERSION + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** Opens a sealed value; SealError if it was not sealed with this KEK for this `aad`. */
export function unseal(kek: Uint8Array, sealed: string, aad: string): Uint8Array {
  checkKek(kek);
  if (!sealed.startsWith(VERSION)) throw new SealError('not a sealed value of a known version');
  const raw = Buffer.from(sealed.slice(VERSION.length), 'base64url');
  if (raw.length < 12 + 16) throw new SealError('a sealed value is too short');
  const decipher = createDecipheriv('aes-256-gcm', kek, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  try {
    return new Uint8Array(
      Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]),
    );
  } catch {
    throw new SealError('the sealed value does not open with this key-encryption key here');
  }
}
