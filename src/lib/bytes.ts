// Byte helpers shared by the pure libraries. Uint8Array everywhere; Buffer only where Node's
// crypto hands one back (a Buffer is a Uint8Array, so callers never need to care).

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

/** True when `text` is an even-length string of hex digits (either case). */
export function isHex(text: string): boolean {
  return HEX_RE.test(text);
}

/** Decodes hex (either case). Throws RangeError on odd length or a non-hex digit. */
export function fromHex(text: string): Uint8Array {
  if (!isHex(text)) throw new RangeError('not an even-length hex string');
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

const BASE64URL_RE = /^[A-Za-z0-9_-]*$/;

/** True when `text` holds only base64url characters (RFC 4648 table 2), no padding. */
export function isBase64url(text: string): boolean {
  return BASE64URL_RE.test(text);
}

/** The value of each base64url character (RFC 4648 table 2). */
const BASE64URL_VALUE = new Map(
  [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].map((c, i) => [c, i]),
);

/**
 * Canonical unpadded base64url (RFC 4648 clause 5) to bytes, or undefined. Canonical: a last
 * character with spare bits set decodes to the same bytes as another text, so it is refused, as
 * is anything Buffer would silently skip. Returns a copy, never a view into Buffer's pool.
 */
export function fromBase64url(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string' || !isBase64url(text) || text.length % 4 === 1) {
    return undefined;
  }
  // A last character carrying 2 (length % 4 = 2) or 4 (length % 4 = 3) bits of data has 4 or
  // 2 spare low bits, which must be zero (RFC 4648 clause 3.5).
  const spareBits = [0, 0, 0x0f, 0x03][text.length % 4]!;
  if (spareBits !== 0 && (BASE64URL_VALUE.get(text[text.length - 1]!)! & spareBits) !== 0) {
    return undefined;
  }
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

export function toBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Lower-case hex, as the toolbox and the APIs print it. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** a XOR b; both must have the same length. */
export function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new RangeError(`xor of ${a.length} and ${b.length} bytes`);
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** Constant-time equality for MACs and RES values. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const encoder = new TextEncoder();

/**
 * UTF-8 bytes of `text`. Short ASCII strings (serving network names, SUPIs) are encoded in
 * JavaScript: TextEncoder allocates off the V8 heap, which costs more than the KDF using them.
 */
export function utf8(text: string): Uint8Array {
  if (text.length <= 64) {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code > 0x7f) return encoder.encode(text);
      out[i] = code;
    }
    return out;
  }
  return encoder.encode(text);
}

/** Big-endian unsigned integer of up to 48 bits (SQN, SEQ) to bytes. */
export function uintToBytes(value: number, length: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0 || value >= 2 ** (8 * length)) {
    throw new RangeError(`${value} does not fit in ${length} bytes`);
  }
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

/** Big-endian bytes (at most 6, so the value stays a safe integer) to a number. */
export function bytesToUint(bytes: Uint8Array): number {
  if (bytes.length > 6) throw new RangeError('more than 48 bits');
  let v = 0;
  for (const b of bytes) v = v * 256 + b;
  return v;
}
