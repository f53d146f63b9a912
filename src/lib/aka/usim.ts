// The USIM's side of AKA (TS 33.102 6.3.3, TS 33.501 6.1.3.2): check AUTN, tell a MAC failure
// from a synchronisation failure, compute RES (and RES* for 5G) or AUTS; and the home network's
// resynchronisation from AUTS (TS 33.102 6.3.5).
import { concat, equalBytes, xor } from '../bytes.js';
import { AkaError, requireLength } from './errors.js';
import { resStar, splitAutn } from './five-g-aka.js';
import { Milenage } from './milenage.js';
import { sqnToBytes, sqnToNumber, type SqnVerdict, type UsimSqnArray } from './sqn.js';

/** TS 33.102 6.3.3: the AMF used for MAC-S is a dummy of all zeros. */
const AMF_RESYNC = new Uint8Array(2);

export type AuthCheckResult =
  | {
      result: 'ok';
      sqn: Uint8Array;
      res: Uint8Array;
      ck: Uint8Array;
      ik: Uint8Array;
      /** present when a serving network name was given (5G AKA) */
      resStar?: Uint8Array;
    }
  | { result: 'mac_failure' }
  | {
      result: 'sync_failure';
      /** the SQN the network sent, recovered from AUTN */
      sqn: Uint8Array;
      auts: Uint8Array;
      reason: Exclude<SqnVerdict, 'accepted'>;
    };

export interface AuthCheckInput {
  k: Uint8Array;
  opc: Uint8Array;
  rand: Uint8Array;
  autn: Uint8Array;
  /** the USIM's SQN array; updated when the challenge is accepted */
  sqnArray: UsimSqnArray;
  /** serving network name, for RES* (5G AKA); omit for plain AKA / EAP-AKA' */
  snn?: string;
}

/** AUTS = (SQN_MS XOR AK*) || MAC-S, with MAC-S = f1*(K, SQN_MS, RAND, AMF = 0000). */
export function computeAuts(milenage: Milenage, rand: Uint8Array, sqnMs: Uint8Array): Uint8Array {
  requireLength('SQN_MS', sqnMs, 6);
  const { temp, akStar } = milenage.keystream(rand);
  const { macS } = milenage.f1f1star({ temp }, sqnMs, AMF_RESYNC);
  return concat(xor(sqnMs, akStar), macS);
}

/** The USIM's verdict on a challenge (RAND, AUTN). */
export function checkAuthentication(input: AuthCheckInput): AuthCheckResult {
  const milenage = new Milenage(input.k, input.opc);
  const { sqnXorAk, amf, macA } = splitAutn(input.autn);
  const ks = milenage.keystream(input.rand);
  const sqn = xor(sqnXorAk, ks.ak);
  const { macA: xmacA } = milenage.f1f1star({ temp: ks.temp }, sqn, amf);
  // MAC first: a SQN check on an unauthenticated AUTN would let anyone probe the USIM's state.
  if (!equalBytes(macA, xmacA)) return { result: 'mac_failure' };
  const verdict = input.sqnArray.verify(sqnToNumber(sqn));
  if (verdict !== 'accepted') {
    const sqnMs = sqnToBytes(input.sqnArray.sqnMs());
    const auts = computeAuts(milenage, input.rand, sqnMs);
    return { result: 'sync_failure', sqn, auts, reason: verdict };
  }
  input.sqnArray.accept(sqnToNumber(sqn));
  const ok: AuthCheckResult = { result: 'ok', sqn, res: ks.res, ck: ks.ck, ik: ks.ik };
  if (input.snn !== undefined) ok.resStar = resStar(ks.ck, ks.ik, input.snn, input.rand, ks.res);
  return ok;
}

/**
 * The home network's side of resynchronisation: verifies MAC-S in AUTS and returns SQN_MS.
 * Throws AUTS_MAC_FAILURE when AUTS was not made with this K for this RAND.
 */
export function resynchronise(input: {
  k: Uint8Array;
  opc: Uint8Array;
  rand: Uint8Array;
  auts: Uint8Array;
}): Uint8Array {
  requireLength('AUTS', input.auts, 14);
  const milenage = new Milenage(input.k, input.opc);
  const { temp, akStar } = milenage.keystream(input.rand);
  const sqnMs = xor(input.auts.subarray(0, 6), akStar);
  const { macS } = milenage.f1f1star({ temp }, sqnMs, AMF_RESYNC);
  if (!equalBytes(macS, input.auts.subarray(6, 14))) {
    throw new AkaError('AUTS_MAC_FAILURE', 'MAC-S in AUTS does not verify for this RAND');
  }
  return sqnMs;
}
