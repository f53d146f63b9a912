// What a UE holding a credential bundle derives from one challenge, computed here with node:crypto
// alone (no code from src/), so the end-to-end tests check the network's keys and SQNs against an
// independent implementation: Milenage f2-f5 (TS 35.206 4.1), the KDF of TS 33.220 B.2, PRF' of
// RFC 9048 3.4, and the key hierarchy of TS 33.501 (A.2 KAUSF, A.6 KSEAF, A.7 KAMF; 6.1.3.1 and
// F.3 for EAP-AKA'). Values are hex strings, lower case.
import { createCipheriv } from 'node:crypto';
import { kdfHere, prfPrime } from '../reference-kdf.js';

const hex = (text: string) => Buffer.from(text, 'hex');

function aes(k: Buffer, block: Buffer): Buffer {
  const c = createCipheriv('aes-128-ecb', k, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

function xor(a: Buffer, b: Buffer): Buffer {
  return Buffer.from(a.map((x, i) => x ^ b[i]!));
}

/** Cyclic rotation of a 128-bit block towards the most significant end by `bits` (a multiple of 8). */
function rot(x: Buffer, bits: number): Buffer {
  return Buffer.concat([x.subarray(bits / 8), x.subarray(0, bits / 8)]);
}

/** OUTn = E_K(rot(TEMP xor OPc, rn) xor cn) xor OPc, with cn = n-1's bit set in the last byte. */
function out(k: Buffer, opc: Buffer, temp: Buffer, r: number, c: number): Buffer {
  const cn = Buffer.alloc(16);
  cn[15] = c;
  return xor(aes(k, xor(rot(xor(temp, opc), r), cn)), opc);
}

/** Milenage f2 (RES), f3 (CK), f4 (IK), f5 (AK) for K, OPc and RAND. */
export function milenageHere(kHex: string, opcHex: string, randHex: string) {
  const [k, opc] = [hex(kHex), hex(opcHex)];
  const temp = aes(k, xor(hex(randHex), opc));
  const out2 = out(k, opc, temp, 0, 1);
  return {
    res: out2.subarray(8, 16),
    ak: out2.subarray(0, 6),
    ck: out(k, opc, temp, 32, 2),
    ik: out(k, opc, temp, 64, 4),
  };
}

/** The SQN a challenge carries: the first 48 bits of AUTN are SQN xor AK (TS 33.102 6.3.2). */
export function sqnOf(bundle: UeKeys, randHex: string, autnHex: string): number {
  const { ak } = milenageHere(bundle.k, bundle.opc, randHex);
  return xor(hex(autnHex).subarray(0, 6), ak).readUIntBE(0, 6);
}

/** What of a credential bundle the derivations need. */
export interface UeKeys {
  supi: string;
  k: string;
  opc: string;
}

/**
 * KAUSF of a run with CK, IK and the challenge's SQN xor AK: by 5G AKA (A.2: FC 0x6A over the
 * serving network name and SQN xor AK) or by EAP-AKA' (CK', IK' of TS 33.402 A.2 with FC 0x20,
 * MK = PRF'(IK'|CK', "EAP-AKA'"|Identity), KAUSF = the first 256 bits of EMSK).
 */
export function kausfHere(
  method: '5G_AKA' | 'EAP_AKA_PRIME',
  keys: { ck: Buffer; ik: Buffer; sqnXorAk: Buffer; snn: string; identity: string },
): Buffer {
  const { ck, ik, sqnXorAk, snn, identity } = keys;
  if (method === '5G_AKA') return kdfHere(Buffer.concat([ck, ik]), 0x6a, [snn, sqnXorAk]);
  const ckIkPrime = kdfHere(Buffer.concat([ck, ik]), 0x20, [snn, sqnXorAk]);
  // MK = PRF'(IK' | CK', "EAP-AKA'" | Identity)
  const key = Buffer.concat([ckIkPrime.subarray(16), ckIkPrime.subarray(0, 16)]);
  // K_encr 16 | K_aut 32 | K_re 32 | MSK 64 | EMSK 64 bytes
  return prfPrime(key, Buffer.from(`EAP-AKA'${identity}`, 'utf8'), 176).subarray(144);
}

/**
 * KAMF (TS 33.501 A.7, ABBA 0x0000) of a challenge the UE accepted, from K and OPc alone: KAUSF
 * as above, KSEAF (A.6: FC 0x6C over the serving network name), KAMF (A.7: FC 0x6D over the SUPI
 * and ABBA). The Identity of MK and the SUPI of KAMF are the IMSI digits or the NAI (F.3, A.7.0).
 */
export function kamfHere(
  ue: UeKeys,
  method: '5G_AKA' | 'EAP_AKA_PRIME',
  snn: string,
  randHex: string,
  autnHex: string,
): string {
  const { ck, ik } = milenageHere(ue.k, ue.opc, randHex);
  const identity = ue.supi.replace(/^(?:imsi|nai)-/, '');
  const sqnXorAk = hex(autnHex).subarray(0, 6);
  const kausf = kausfHere(method, { ck, ik, sqnXorAk, snn, identity });
  const kseaf = kdfHere(kausf, 0x6c, [snn]);
  return kdfHere(kseaf, 0x6d, [identity, Buffer.alloc(2)]).toString('hex');
}

/** AT_RAND and AT_AUTN of an EAP-Request/AKA'-Challenge (RFC 9048 3, RFC 4187 10), else undefined. */
export function akaPrimeChallengeOf(
  eapPayload: string,
): { rand: string; autn: string } | undefined {
  const p = Buffer.from(eapPayload, 'base64');
  // Code 1 (Request), Type 50 (EAP-AKA'), Subtype 1 (AKA-Challenge)
  if (p.length < 8 || p[0] !== 1 || p[4] !== 50 || p[5] !== 1) return undefined;
  const found: Record<number, string> = {};
  for (let i = 8; i + 2 <= p.length && p[i + 1]! > 0; i += p[i + 1]! * 4) {
    // AT_RAND (1) and AT_AUTN (2): type, length, 2 reserved bytes, 16 bytes
    if (p[i] === 1 || p[i] === 2) found[p[i]!] = p.subarray(i + 4, i + 20).toString('hex');
  }
  const [rand, autn] = [found[1], found[2]];
  return rand !== undefined && autn !== undefined ? { rand, autn } : undefined;
}
