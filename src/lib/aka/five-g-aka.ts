// 5G AKA key material, TS 33.501 clause 6.1.3.2 and Annex A.
import { concat, equalBytes, utf8 } from '../bytes.js';
import { requireLength } from './errors.js';
import { FC, kdf } from './kdf.js';
import { Milenage } from './milenage.js';
import { absorb, absorbByte, begin, finish, hmacStates, SHA256_IV, sha256 } from './sha256.js';

/** AUTN = (SQN XOR AK) || AMF || MAC-A (TS 33.102 6.3.2) */
export function buildAutn(sqnXorAk: Uint8Array, amf: Uint8Array, macA: Uint8Array): Uint8Array {
  return concat(sqnXorAk, amf, macA);
}

/** Splits AUTN into its three fields. */
export function splitAutn(autn: Uint8Array): {
  sqnXorAk: Uint8Array;
  amf: Uint8Array;
  macA: Uint8Array;
} {
  requireLength('AUTN', autn, 16);
  return { sqnXorAk: autn.slice(0, 6), amf: autn.slice(6, 8), macA: autn.slice(8, 16) };
}

/** CK || IK, the key of RES*, XRES* and KAUSF. */
function ckIk(ck: Uint8Array, ik: Uint8Array): Uint8Array {
  requireLength('CK', ck, 16);
  requireLength('IK', ik, 16);
  return concat(ck, ik);
}

/** RES* / XRES* (A.4): the 128 least significant bits of KDF(CK||IK, 0x6B, SNN, RAND, RES). */
export function resStar(
  ck: Uint8Array,
  ik: Uint8Array,
  snn: string,
  rand: Uint8Array,
  res: Uint8Array,
): Uint8Array {
  requireLength('RAND', rand, 16);
  return kdf(ckIk(ck, ik), FC.RES_STAR, [utf8(snn), rand, res]).slice(16, 32);
}

/** HRES* / HXRES* (A.5): the 128 least significant bits of SHA-256(RAND || XRES*). */
export function hxresStar(rand: Uint8Array, xresStar: Uint8Array): Uint8Array {
  requireLength('RAND', rand, 16);
  requireLength('XRES*', xresStar, 16);
  return sha256(concat(rand, xresStar)).slice(16, 32);
}

/** KAUSF (A.2) = KDF(CK||IK, 0x6A, SNN, SQN XOR AK). */
export function kausf(
  ck: Uint8Array,
  ik: Uint8Array,
  snn: string,
  sqnXorAk: Uint8Array,
): Uint8Array {
  requireLength('SQN XOR AK', sqnXorAk, 6);
  return kdf(ckIk(ck, ik), FC.KAUSF, [utf8(snn), sqnXorAk]);
}

/** KSEAF (A.6) = KDF(KAUSF, 0x6C, SNN). */
export function kseaf(kausfValue: Uint8Array, snn: string): Uint8Array {
  requireLength('KAUSF', kausfValue, 32);
  return kdf(kausfValue, FC.KSEAF, [utf8(snn)]);
}

/**
 * KAMF (A.7) = KDF(KSEAF, 0x6D, SUPI, ABBA). `supi` is the SUPI's value without its type prefix:
 * the IMSI digits, or the NAI.
 */
export function kamf(kseafValue: Uint8Array, supi: string, abba: Uint8Array): Uint8Array {
  requireLength('KSEAF', kseafValue, 32);
  return kdf(kseafValue, FC.KAMF, [utf8(supi), abba]);
}

/** A 5G HE authentication vector (TS 33.501 6.1.3.2, step 2) plus what the UDM keeps of it. */
export interface HeAv5g {
  rand: Uint8Array;
  autn: Uint8Array;
  xresStar: Uint8Array;
  hxresStar: Uint8Array;
  kausf: Uint8Array;
}

export interface HeAvInput {
  k: Uint8Array;
  opc: Uint8Array;
  rand: Uint8Array;
  sqn: Uint8Array;
  amf: Uint8Array;
  /** serving network name, see servingNetworkName() */
  snn: string;
}

// Scratch for generateHeAv (synchronous, never re-entered).
const INNER = new Int32Array(8);
const OUTER = new Int32Array(8);
const DIGEST = new Uint8Array(32);
let lastSnn = '';
let lastSnnBytes: Uint8Array = new Uint8Array(0);

/** MAC with the INNER/OUTER states over the message absorbed since begin(INNER, 64). */
function finishHmac(out: Uint8Array, at: number): void {
  finish(DIGEST);
  begin(OUTER, 64);
  absorb(DIGEST);
  finish(out, at);
}

/**
 * Generates a 5G HE AV. The same composition as resStar(), hxresStar() and kausf() (a test holds
 * them equal), written for speed: one Milenage run read in place, one HMAC key (CK||IK) for XRES*
 * and KAUSF, the KDF strings absorbed without being built, and only the outputs allocated.
 */
export function generateHeAv(input: HeAvInput): HeAv5g {
  const { rand, sqn, amf } = input;
  requireLength('RAND', rand, 16);
  const out = new Milenage(input.k, input.opc).computeBlocks(rand, sqn, amf);
  if (input.snn !== lastSnn) {
    lastSnnBytes = utf8(input.snn);
    lastSnn = input.snn;
  }
  const snn = lastSnnBytes;
  const snnHigh = snn.length >>> 8;
  const snnLow = snn.length & 0xff;
  hmacStates(out, INNER, OUTER, 32, 64); // CK || IK

  const autn = new Uint8Array(16);
  for (let i = 0; i < 6; i++) autn[i] = sqn[i]! ^ out[16 + i]!; // SQN XOR AK
  autn[6] = amf[0]!;
  autn[7] = amf[1]!;
  for (let i = 0; i < 8; i++) autn[8 + i] = out[i]!; // MAC-A

  // XRES* = last 128 bits of KDF(CK||IK, 0x6B, SNN, RAND, RES)
  begin(INNER, 64);
  absorbByte(FC.RES_STAR);
  absorb(snn);
  absorbByte(snnHigh);
  absorbByte(snnLow);
  absorb(rand);
  absorbByte(0);
  absorbByte(16);
  absorb(out, 24, 32);
  absorbByte(0);
  absorbByte(8);
  const full = new Uint8Array(32);
  finishHmac(full, 0);
  const xresStar = full.slice(16, 32);

  // HXRES* = last 128 bits of SHA-256(RAND || XRES*)
  begin(SHA256_IV, 0);
  absorb(rand);
  absorb(xresStar);
  finish(full);
  const hxres = full.slice(16, 32);

  // KAUSF = KDF(CK||IK, 0x6A, SNN, SQN XOR AK)
  const kausfValue = new Uint8Array(32);
  begin(INNER, 64);
  absorbByte(FC.KAUSF);
  absorb(snn);
  absorbByte(snnHigh);
  absorbByte(snnLow);
  absorb(autn, 0, 6);
  absorbByte(0);
  absorbByte(6);
  finishHmac(kausfValue, 0);

  return { rand, autn, xresStar, hxresStar: hxres, kausf: kausfValue };
}

/** The SEAF's check of TS 33.501 6.1.3.2 step 10: HRES* computed from RES* equals HXRES*. */
export function checkHresStar(
  rand: Uint8Array,
  resStarValue: Uint8Array,
  hxres: Uint8Array,
): boolean {
  return equalBytes(hxresStar(rand, resStarValue), hxres);
}
