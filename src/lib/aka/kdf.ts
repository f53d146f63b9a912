// The generic key derivation function of TS 33.220 Annex B.2:
//   S = FC || P0 || L0 || P1 || L1 || ... || Pn || Ln,  Ln = length of Pn in bytes, 2 bytes big-endian
//   derived key = HMAC-SHA-256(Key, S)
import { HmacSha256Key, type MessagePart } from './sha256.js';
import { AkaError } from './errors.js';

/** Builds the KDF input string S for function code `fc` and parameters P0..Pn. */
export function kdfInput(fc: number, params: readonly Uint8Array[]): Uint8Array {
  checkFc(fc);
  let length = 1;
  for (const p of params) {
    checkParamLength(p);
    length += p.length + 2;
  }
  const s = new Uint8Array(length);
  s[0] = fc;
  let offset = 1;
  for (const p of params) {
    s.set(p, offset);
    offset += p.length;
    s[offset++] = p.length >>> 8;
    s[offset++] = p.length & 0xff;
  }
  return s;
}

function checkFc(fc: number): void {
  if (!Number.isInteger(fc) || fc < 0 || fc > 0xff) {
    throw new AkaError('INVALID_LENGTH', 'FC must be one byte');
  }
}

function checkParamLength(p: Uint8Array): void {
  if (p.length > 0xffff)
    throw new AkaError('INVALID_LENGTH', 'a KDF parameter exceeds 65535 bytes');
}

/** KDF(key, S) per TS 33.220 B.2: HMAC-SHA-256 over S built from FC and the parameters. */
export function kdf(key: Uint8Array, fc: number, params: readonly Uint8Array[]): Uint8Array {
  // The same bytes as kdfInput(), fed in parts: S is often over 64 bytes, and V8 allocates
  // typed arrays that large off its heap, at more than the cost of the hashing.
  checkFc(fc);
  const parts: MessagePart[] = [fc];
  for (const p of params) {
    checkParamLength(p);
    parts.push(p, p.length >>> 8, p.length & 0xff);
  }
  return new HmacSha256Key(key).macParts(parts);
}

/** The function codes (FC) of the derivations this library performs. */
export const FC = {
  /** TS 33.402 A.2: CK' and IK' for EAP-AKA' */
  CK_PRIME_IK_PRIME: 0x20,
  /** TS 33.501 A.2: KAUSF for 5G AKA */
  KAUSF: 0x6a,
  /** TS 33.501 A.4: RES* and XRES* */
  RES_STAR: 0x6b,
  /** TS 33.501 A.6: KSEAF */
  KSEAF: 0x6c,
  /** TS 33.501 A.7: KAMF */
  KAMF: 0x6d,
} as const;
