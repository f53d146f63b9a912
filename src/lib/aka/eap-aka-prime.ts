// EAP-AKA' key derivation: CK' and IK' (TS 33.402 Annex A.2, RFC 9048 clause 3.3) and the master
// key expansion with PRF' (RFC 9048 / RFC 5448 clause 3.3 and 3.4.1).
import { concat, utf8 } from '../bytes.js';
import { requireLength } from './errors.js';
import { FC, kdf } from './kdf.js';
import { HmacSha256Key } from './sha256.js';

/** CK' || IK' = KDF(CK||IK, 0x20, network name, SQN XOR AK); CK' is the first 128 bits. */
export function ckIkPrime(
  ck: Uint8Array,
  ik: Uint8Array,
  networkName: string,
  sqnXorAk: Uint8Array,
): { ckPrime: Uint8Array; ikPrime: Uint8Array } {
  requireLength('CK', ck, 16);
  requireLength('IK', ik, 16);
  requireLength('SQN XOR AK', sqnXorAk, 6);
  const out = kdf(concat(ck, ik), FC.CK_PRIME_IK_PRIME, [utf8(networkName), sqnXorAk]);
  return { ckPrime: out.slice(0, 16), ikPrime: out.slice(16, 32) };
}

/** PRF'(K, S) = T1 | T2 | ...; T1 = HMAC(K, S | 0x01), Tn = HMAC(K, Tn-1 | S | n). */
export function prfPrime(key: Uint8Array, s: Uint8Array, length: number): Uint8Array {
  if (length > 255 * 32) throw new RangeError("PRF' output limited to 255 blocks");
  const hmac = new HmacSha256Key(key);
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  for (let n = 1, offset = 0; offset < length; n++, offset += 32) {
    t = hmac.mac(concat(t, s, Uint8Array.of(n)));
    out.set(t.subarray(0, Math.min(32, length - offset)), offset);
  }
  return out;
}

export interface EapAkaPrimeKeys {
  kEncr: Uint8Array;
  kAut: Uint8Array;
  kRe: Uint8Array;
  msk: Uint8Array;
  emsk: Uint8Array;
}

/** MK = PRF'(IK'|CK', "EAP-AKA'"|Identity), split into K_encr, K_aut, K_re, MSK, EMSK. */
export function eapAkaPrimeKeys(
  ckPrime: Uint8Array,
  ikPrime: Uint8Array,
  identity: string,
): EapAkaPrimeKeys {
  requireLength("CK'", ckPrime, 16);
  requireLength("IK'", ikPrime, 16);
  const mk = prfPrime(concat(ikPrime, ckPrime), utf8(`EAP-AKA'${identity}`), 208);
  return {
    kEncr: mk.slice(0, 16),
    kAut: mk.slice(16, 48),
    kRe: mk.slice(48, 80),
    msk: mk.slice(80, 144),
    emsk: mk.slice(144, 208),
  };
}
