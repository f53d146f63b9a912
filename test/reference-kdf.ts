// Independent, plain key derivations for tests, sharing no code with src/: the KDF of TS 33.220
// B.2 (under KAUSF, KSEAF, KAMF, RES* and CK'/IK') and PRF' of RFC 9048 3.4.1 (EAP-AKA' keys).
import { createHmac } from 'node:crypto';

/** TS 33.220 B.2: HMAC-SHA-256(key, FC || P0 || L0 || P1 || L1 ...). */
export function kdfHere(key: Uint8Array, fc: number, params: (Uint8Array | string)[]): Buffer {
  const parts: Buffer[] = [Buffer.of(fc)];
  for (const p of params) {
    const bytes = typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length);
    parts.push(bytes, length);
  }
  return createHmac('sha256', key).update(Buffer.concat(parts)).digest();
}

/** PRF'(K, S) of RFC 9048 3.4.1: T1 | T2 | ..., Tn = HMAC-SHA-256(K, Tn-1 | S | n). */
export function prfPrime(key: Uint8Array, s: Uint8Array, length: number): Buffer {
  const out: Buffer[] = [];
  let t = Buffer.alloc(0);
  for (let n = 1; out.length * 32 < length; n++) {
    t = createHmac('sha256', key)
      .update(Buffer.concat([t, s, Buffer.of(n)]))
      .digest();
    out.push(t);
  }
  return Buffer.concat(out).subarray(0, length);
}
