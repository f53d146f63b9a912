// SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104) over short inputs.
//
// Why not node:crypto: every createHmac/createHash call costs 2-4 µs of binding overhead here,
// more than the hashing itself, and a 5G HE authentication vector needs three of them. This
// implementation runs one 64-byte block in about 0.3 µs and lets one key's padded inner and
// outer states be computed once and reused for XRES* and KAUSF (both keyed with CK||IK).
// SHA-256 uses only additions, rotations and XORs, so it has no secret-dependent branches or
// table lookups: it is constant-time in the same sense as OpenSSL's portable C code.
// Tests compare it with node:crypto on random inputs and with the FIPS 180-2 examples.

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

// Scratch space, reused by every call: typed arrays over 64 bytes are allocated off the V8 heap
// and cost more than a compression each. Safe because nothing here awaits or re-enters.
const W = new Int32Array(64);
const BLOCK = new Uint8Array(64);
let blockLength = 0;
let totalLength = 0;
const STATE = new Int32Array(8);

// One SHA-256 compression. The round loop is unrolled by eight so that the working variables
// a..h never have to be shifted: each round writes the two that change in place (28% faster).
function compress(state: Int32Array, block: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + i * 4;
    W[i] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15]!;
    const w2 = W[i - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  let t1: number;
  let t2: number;
  for (let i = 0; i < 64; i += 8) {
    t1 =
      (h +
        (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
        (g ^ (e & (f ^ g))) +
        K[i + 0]! +
        W[i + 0]!) |
      0;
    t2 =
      ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
        ((a & b) | (c & (a | b)))) |
      0;
    d = (d + t1) | 0;
    h = (t1 + t2) | 0;
    t1 =
      (g +
        (((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7))) +
        (f ^ (d & (e ^ f))) +
        K[i + 1]! +
        W[i + 1]!) |
      0;
    t2 =
      ((((h >>> 2) | (h << 30)) ^ ((h >>> 13) | (h << 19)) ^ ((h >>> 22) | (h << 10))) +
        ((h & a) | (b & (h | a)))) |
      0;
    c = (c + t1) | 0;
    g = (t1 + t2) | 0;
    t1 =
      (f +
        (((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7))) +
        (e ^ (c & (d ^ e))) +
        K[i + 2]! +
        W[i + 2]!) |
      0;
    t2 =
      ((((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10))) +
        ((g & h) | (a & (g | h)))) |
      0;
    b = (b + t1) | 0;
    f = (t1 + t2) | 0;
    t1 =
      (e +
        (((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7))) +
        (d ^ (b & (c ^ d))) +
        K[i + 3]! +
        W[i + 3]!) |
      0;
    t2 =
      ((((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10))) +
        ((f & g) | (h & (f | g)))) |
      0;
    a = (a + t1) | 0;
    e = (t1 + t2) | 0;
    t1 =
      (d +
        (((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7))) +
        (c ^ (a & (b ^ c))) +
        K[i + 4]! +
        W[i + 4]!) |
      0;
    t2 =
      ((((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10))) +
        ((e & f) | (g & (e | f)))) |
      0;
    h = (h + t1) | 0;
    d = (t1 + t2) | 0;
    t1 =
      (c +
        (((h >>> 6) | (h << 26)) ^ ((h >>> 11) | (h << 21)) ^ ((h >>> 25) | (h << 7))) +
        (b ^ (h & (a ^ b))) +
        K[i + 5]! +
        W[i + 5]!) |
      0;
    t2 =
      ((((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10))) +
        ((d & e) | (f & (d | e)))) |
      0;
    g = (g + t1) | 0;
    c = (t1 + t2) | 0;
    t1 =
      (b +
        (((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7))) +
        (a ^ (g & (h ^ a))) +
        K[i + 6]! +
        W[i + 6]!) |
      0;
    t2 =
      ((((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10))) +
        ((c & d) | (e & (c | d)))) |
      0;
    f = (f + t1) | 0;
    b = (t1 + t2) | 0;
    t1 =
      (a +
        (((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7))) +
        (h ^ (f & (g ^ h))) +
        K[i + 7]! +
        W[i + 7]!) |
      0;
    t2 =
      ((((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10))) +
        ((b & c) | (d & (b | c)))) |
      0;
    e = (e + t1) | 0;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

/** Starts a hash in the scratch state from `initial`, `prefixLength` bytes already absorbed. */
export function begin(initial: Int32Array, prefixLength: number): void {
  STATE.set(initial);
  blockLength = 0;
  totalLength = prefixLength;
}

/** Absorbs data[start, end) into the hash begun last. */
export function absorb(data: Uint8Array, start = 0, end = data.length): void {
  let i = start;
  totalLength += end - start;
  if (blockLength > 0) {
    while (i < end && blockLength < 64) BLOCK[blockLength++] = data[i++]!;
    if (blockLength < 64) return;
    compress(STATE, BLOCK, 0);
    blockLength = 0;
  }
  for (; i + 64 <= end; i += 64) compress(STATE, data, i);
  while (i < end) BLOCK[blockLength++] = data[i++]!;
}

export function absorbByte(byte: number): void {
  BLOCK[blockLength++] = byte;
  totalLength += 1;
  if (blockLength === 64) {
    compress(STATE, BLOCK, 0);
    blockLength = 0;
  }
}

/** Pads, compresses the last block(s) and writes the 32-byte digest into out[at, at + 32). */
export function finish(out: Uint8Array, at = 0): Uint8Array {
  const bits = totalLength * 8;
  BLOCK[blockLength++] = 0x80;
  if (blockLength > 56) {
    BLOCK.fill(0, blockLength);
    compress(STATE, BLOCK, 0);
    blockLength = 0;
  }
  BLOCK.fill(0, blockLength, 56);
  // Inputs here are far below 2^32 bytes, so the high length word is bits / 2^32 < 2^21.
  const high = Math.floor(bits / 0x100000000);
  BLOCK[56] = high >>> 24;
  BLOCK[57] = high >>> 16;
  BLOCK[58] = high >>> 8;
  BLOCK[59] = high;
  BLOCK[60] = bits >>> 24;
  BLOCK[61] = bits >>> 16;
  BLOCK[62] = bits >>> 8;
  BLOCK[63] = bits;
  compress(STATE, BLOCK, 0);
  for (let i = 0; i < 8; i++) {
    const v = STATE[i]!;
    out[at + i * 4] = v >>> 24;
    out[at + i * 4 + 1] = v >>> 16;
    out[at + i * 4 + 2] = v >>> 8;
    out[at + i * 4 + 3] = v;
  }
  return out;
}

export const SHA256_IV: Readonly<Int32Array> = IV;

const KEY_PAD = new Uint8Array(64);

/**
 * HMAC's keyed states for key[start, end): `inner` after compressing K XOR ipad, `outer` after
 * K XOR opad. A MAC is then begin(inner, 64), absorb(message), finish, begin(outer, 64),
 * absorb(inner hash), finish.
 */
export function hmacStates(
  key: Uint8Array,
  inner: Int32Array,
  outer: Int32Array,
  start = 0,
  end = key.length,
): void {
  KEY_PAD.fill(0);
  if (end - start > 64) KEY_PAD.set(sha256(key.subarray(start, end)));
  else for (let i = start; i < end; i++) KEY_PAD[i - start] = key[i]!;
  for (let i = 0; i < 64; i++) KEY_PAD[i] = KEY_PAD[i]! ^ 0x36;
  inner.set(IV);
  compress(inner, KEY_PAD, 0);
  for (let i = 0; i < 64; i++) KEY_PAD[i] = KEY_PAD[i]! ^ 0x36 ^ 0x5c;
  outer.set(IV);
  compress(outer, KEY_PAD, 0);
  KEY_PAD.fill(0);
}

export function sha256(data: Uint8Array): Uint8Array {
  begin(IV, 0);
  absorb(data);
  return finish(new Uint8Array(32));
}

/**
 * A message given in parts, hashed as their concatenation; a number stands for one byte. Lets
 * the KDF feed FC, parameters and lengths without building the string S.
 */
export type MessagePart = Uint8Array | number;

/** An HMAC-SHA-256 key with its inner and outer states precomputed; reusable for many MACs. */
export class HmacSha256Key {
  readonly #inner = new Int32Array(8);
  readonly #outer = new Int32Array(8);

  constructor(key: Uint8Array) {
    hmacStates(key, this.#inner, this.#outer);
  }

  mac(message: Uint8Array): Uint8Array {
    begin(this.#inner, 64);
    absorb(message);
    return this.#outerHash();
  }

  /** The MAC of the concatenation of `parts`; a number part is one byte. */
  macParts(parts: readonly MessagePart[]): Uint8Array {
    begin(this.#inner, 64);
    for (const part of parts) {
      if (typeof part === 'number') absorbByte(part);
      else absorb(part);
    }
    return this.#outerHash();
  }

  #outerHash(): Uint8Array {
    const innerHash = finish(new Uint8Array(32));
    begin(this.#outer, 64);
    absorb(innerHash);
    return finish(innerHash);
  }
}

export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return new HmacSha256Key(key).mac(message);
}
