// Milenage, TS 35.206: the authentication functions f1, f1*, f2, f3, f4, f5, f5* over AES-128.
//
// AES runs in OpenSSL (constant-time with AES-NI; a table-based AES in JavaScript would leak K
// through cache timing). One ECB cipher object is keyed with K and reused for every block, and
// blocks that do not depend on each other go through one update() call, because creating a
// cipher costs more than encrypting a handful of blocks.
import { createCipheriv, type Cipher } from 'node:crypto';
import { requireLength } from './errors.js';

export interface MilenageOutput {
  /** f1: network authentication code MAC-A, 8 bytes */
  macA: Uint8Array;
  /** f1*: resynchronisation authentication code MAC-S, 8 bytes */
  macS: Uint8Array;
  /** f2: RES, 8 bytes */
  res: Uint8Array;
  /** f3: cipher key CK, 16 bytes */
  ck: Uint8Array;
  /** f4: integrity key IK, 16 bytes */
  ik: Uint8Array;
  /** f5: anonymity key AK, 6 bytes */
  ak: Uint8Array;
  /** f5*: anonymity key for resynchronisation AK*, 6 bytes */
  akStar: Uint8Array;
}

// Rotation amounts r1..r5 in bytes (64, 0, 32, 64, 96 bits) and the last byte of c1..c5.
const ROT = [8, 0, 4, 8, 12] as const;
const C_LAST = [0x00, 0x01, 0x02, 0x04, 0x08] as const;

// ECB encryption with padding left on: update() returns every complete block at once (only
// final() would pad, and it is never called), and skipping setAutoPadding saves a native call.
function aesEcb(k: Uint8Array): Cipher {
  return createCipheriv('aes-128-ecb', k, null);
}

// Input blocks are assembled here: a fresh typed array over 64 bytes is an off-heap allocation
// that costs more than the AES it feeds. update() copies its input, so reuse is safe.
const INPUT = new Uint8Array(80);

/** A copy of bytes [start, end) as a plain, small Uint8Array (not a view into a Buffer). */
function copyOf(src: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  for (let i = start; i < end; i++) out[i - start] = src[i]!;
  return out;
}

/** OPc = E_K(OP) XOR OP (TS 35.206 clause 4.1). */
export function opcFromOp(k: Uint8Array, op: Uint8Array): Uint8Array {
  requireLength('K', k, 16);
  requireLength('OP', op, 16);
  const e = aesEcb(k).update(op);
  const opc = new Uint8Array(16);
  for (let i = 0; i < 16; i++) opc[i] = e[i]! ^ op[i]!;
  return opc;
}

/** Milenage keyed with one subscriber's K and OPc. */
export class Milenage {
  readonly #cipher: Cipher;
  readonly #opc: Uint8Array;

  constructor(k: Uint8Array, opc: Uint8Array) {
    requireLength('K', k, 16);
    requireLength('OPc', opc, 16);
    this.#cipher = aesEcb(k);
    this.#opc = opc.slice();
  }

  /** All seven outputs for one RAND, SQN and AMF (two AES calls in all). */
  compute(rand: Uint8Array, sqn: Uint8Array, amf: Uint8Array): MilenageOutput {
    const out = this.computeBlocks(rand, sqn, amf);
    return {
      macA: copyOf(out, 0, 8),
      macS: copyOf(out, 8, 16),
      res: copyOf(out, 24, 32),
      ck: copyOf(out, 32, 48),
      ik: copyOf(out, 48, 64),
      ak: copyOf(out, 16, 22),
      akStar: copyOf(out, 64, 70),
    };
  }

  /**
   * OUT1..OUT5 of TS 35.206 as one 80-byte block, for callers that read the fields in place:
   * MAC-A [0,8), MAC-S [8,16), AK [16,22), RES [24,32), CK [32,48), IK [48,64), AK* [64,70).
   */
  computeBlocks(rand: Uint8Array, sqn: Uint8Array, amf: Uint8Array): Uint8Array {
    requireLength('SQN', sqn, 6);
    requireLength('AMF', amf, 2);
    const temp = this.#temp(rand);
    this.#out1Input(temp, sqn, amf, INPUT, 0);
    for (let n = 1; n < 5; n++) this.#outNInput(temp, n, INPUT, n * 16);
    return this.#encryptXorOpc(INPUT);
  }

  /**
   * f2..f5 and f5*: what a USIM needs before it knows SQN (it recovers SQN from AUTN with AK).
   * Returns TEMP too, so that f1/f1* can follow without another AES call for it.
   */
  keystream(rand: Uint8Array): {
    temp: Uint8Array;
    res: Uint8Array;
    ck: Uint8Array;
    ik: Uint8Array;
    ak: Uint8Array;
    akStar: Uint8Array;
  } {
    const temp = this.#temp(rand);
    for (let n = 1; n < 5; n++) this.#outNInput(temp, n, INPUT, (n - 1) * 16);
    const out = this.#encryptXorOpc(INPUT.subarray(0, 64));
    return {
      temp,
      res: copyOf(out, 8, 16),
      ck: copyOf(out, 16, 32),
      ik: copyOf(out, 32, 48),
      ak: copyOf(out, 0, 6),
      akStar: copyOf(out, 48, 54),
    };
  }

  /** f1 and f1* for a TEMP from keystream() (or `rand`, computing TEMP first). */
  f1f1star(
    randOrTemp: { rand: Uint8Array } | { temp: Uint8Array },
    sqn: Uint8Array,
    amf: Uint8Array,
  ): { macA: Uint8Array; macS: Uint8Array } {
    requireLength('SQN', sqn, 6);
    requireLength('AMF', amf, 2);
    const temp = 'temp' in randOrTemp ? randOrTemp.temp : this.#temp(randOrTemp.rand);
    this.#out1Input(temp, sqn, amf, INPUT, 0);
    const out = this.#encryptXorOpc(INPUT.subarray(0, 16));
    return { macA: copyOf(out, 0, 8), macS: copyOf(out, 8, 16) };
  }

  f1(rand: Uint8Array, sqn: Uint8Array, amf: Uint8Array): Uint8Array {
    return this.f1f1star({ rand }, sqn, amf).macA;
  }

  f1star(rand: Uint8Array, sqn: Uint8Array, amf: Uint8Array): Uint8Array {
    return this.f1f1star({ rand }, sqn, amf).macS;
  }

  f2(rand: Uint8Array): Uint8Array {
    return this.keystream(rand).res;
  }

  f3(rand: Uint8Array): Uint8Array {
    return this.keystream(rand).ck;
  }

  f4(rand: Uint8Array): Uint8Array {
    return this.keystream(rand).ik;
  }

  f5(rand: Uint8Array): Uint8Array {
    return this.keystream(rand).ak;
  }

  f5star(rand: Uint8Array): Uint8Array {
    return this.keystream(rand).akStar;
  }

  /** TEMP = E_K(RAND XOR OPc) */
  #temp(rand: Uint8Array): Uint8Array {
    requireLength('RAND', rand, 16);
    for (let i = 0; i < 16; i++) INPUT[i] = rand[i]! ^ this.#opc[i]!;
    return this.#cipher.update(INPUT.subarray(0, 16));
  }

  /** Input block of OUT1: TEMP XOR rot(IN1 XOR OPc, r1) XOR c1, IN1 = SQN||AMF||SQN||AMF. */
  #out1Input(temp: Uint8Array, sqn: Uint8Array, amf: Uint8Array, to: Uint8Array, at: number) {
    const in1 = new Uint8Array(16);
    in1.set(sqn, 0);
    in1.set(amf, 6);
    in1.set(sqn, 8);
    in1.set(amf, 14);
    const r = ROT[0];
    for (let i = 0; i < 16; i++) {
      const j = (i + r) % 16;
      to[at + i] = temp[i]! ^ in1[j]! ^ this.#opc[j]!;
    }
  }

  /** Input block of OUT(n+1), n = 1..4: rot(TEMP XOR OPc, r) XOR c. */
  #outNInput(temp: Uint8Array, n: number, to: Uint8Array, at: number) {
    const r = ROT[n]!;
    for (let i = 0; i < 16; i++) {
      const j = (i + r) % 16;
      to[at + i] = temp[j]! ^ this.#opc[j]!;
    }
    to[at + 15] = to[at + 15]! ^ C_LAST[n]!;
  }

  /** E_K over each 16-byte block, each XORed with OPc afterwards (in place: the Buffer is ours). */
  #encryptXorOpc(blocks: Uint8Array): Uint8Array {
    const out = this.#cipher.update(blocks);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! ^ this.#opc[i % 16]!;
    return out;
  }
}
