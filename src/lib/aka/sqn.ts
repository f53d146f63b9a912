// Sequence numbers as TS 33.102 Annex C describes them (the profile without time-based SEQ):
// SQN = SEQ || IND, 48 bits; IND (5 bits recommended) indexes an array of the highest SEQ the
// USIM has accepted per index, so that vectors handed to different serving nodes may be used
// out of order. Values are plain numbers: 48 bits fit a JavaScript safe integer.
import { bytesToUint, uintToBytes } from '../bytes.js';
import { AkaError, requireLength } from './errors.js';

export const SQN_MAX = 2 ** 48 - 1;

export interface SqnProfile {
  /** Bits of IND (TS 33.102 C.1.2 recommends 5, an array of 32). 0 disables the array. */
  indBits: number;
  /** Wrap-around protection Δ (C.2.2): SEQ may exceed the highest accepted SEQ by at most Δ. */
  delta: number;
  /**
   * Freshness limit L (C.2.2, optional): a SEQ older than the highest accepted SEQ by L or more
   * is refused even if its array slot would take it. `undefined` turns the check off.
   */
  freshnessLimit?: number;
}

/** The recommended parameters of TS 33.102 C.3: IND of 5 bits, Δ = 2^28, L unset. */
export const DEFAULT_SQN_PROFILE: Readonly<SqnProfile> = { indBits: 5, delta: 2 ** 28 };

export interface SeqInd {
  seq: number;
  ind: number;
}

export function sqnToNumber(sqn: Uint8Array): number {
  requireLength('SQN', sqn, 6);
  return bytesToUint(sqn);
}

export function sqnToBytes(sqn: number): Uint8Array {
  if (!Number.isSafeInteger(sqn) || sqn < 0 || sqn > SQN_MAX) {
    throw new AkaError('SQN_OUT_OF_RANGE', 'SQN must be an integer from 0 to 2^48-1');
  }
  return uintToBytes(sqn, 6);
}

export function splitSqn(sqn: number, indBits: number): SeqInd {
  const size = 2 ** indBits;
  return { seq: Math.floor(sqn / size), ind: sqn % size };
}

export function joinSqn(seq: number, ind: number, indBits: number): number {
  const size = 2 ** indBits;
  if (!Number.isSafeInteger(ind) || ind < 0 || ind >= size) {
    throw new AkaError('SQN_OUT_OF_RANGE', `IND must be from 0 to ${size - 1}`);
  }
  const sqn = seq * size + ind;
  if (!Number.isSafeInteger(seq) || seq < 0 || sqn > SQN_MAX) {
    throw new AkaError('SQN_OUT_OF_RANGE', 'SEQ does not fit in SQN');
  }
  return sqn;
}

/**
 * The home network's side (C.3.2, C.3.3): SQN_HE is the SQN of the last vector generated. The
 * next one takes SEQ + 1 and the next IND in turn, so consecutive vectors land in different
 * array slots of the USIM and can be used out of order.
 */
export function nextSqn(sqnHe: number, profile: SqnProfile = DEFAULT_SQN_PROFILE): number {
  const { seq, ind } = splitSqn(sqnHe, profile.indBits);
  return joinSqn(seq + 1, (ind + 1) % 2 ** profile.indBits, profile.indBits);
}

/**
 * After a resynchronisation (C.3.4): the HE continues above the SQN_MS the USIM reported, so the
 * next vector is accepted whatever slot it lands in.
 */
export function sqnAfterResync(sqnMs: number, profile: SqnProfile = DEFAULT_SQN_PROFILE): number {
  return nextSqn(sqnMs, profile);
}

export type SqnVerdict = 'accepted' | 'not_fresh' | 'too_far_ahead';

/** The USIM's side (C.2): the array of highest accepted SEQ per IND. */
export class UsimSqnArray {
  readonly profile: SqnProfile;
  readonly #seqMs: number[];
  /** The IND of the slot holding the highest SEQ: several slots may tie, SQN_MS names one. */
  #highestInd: number;

  /**
   * `seqMs` (and `highestInd`) restore a saved array (see toJSON); otherwise all slots start at
   * SEQ 0.
   */
  constructor(
    profile: SqnProfile = DEFAULT_SQN_PROFILE,
    seqMs?: readonly number[],
    highestInd?: number,
  ) {
    const size = 2 ** profile.indBits;
    if (seqMs !== undefined && seqMs.length !== size) {
      throw new AkaError('SQN_OUT_OF_RANGE', `the SQN array must have ${size} entries`);
    }
    this.profile = { ...profile };
    this.#seqMs = seqMs ? [...seqMs] : new Array<number>(size).fill(0);
    const highest = this.#highestSeq();
    this.#highestInd =
      highestInd !== undefined && this.#seqMs[highestInd] === highest
        ? highestInd
        : this.#seqMs.indexOf(highest);
  }

  /**
   * What is known when only SQN_MS is: every slot holds its SEQ, and SQN_MS itself (its IND
   * included) is what a synchronisation failure reports.
   */
  static fromSqnMs(sqnMs: number, profile: SqnProfile = DEFAULT_SQN_PROFILE): UsimSqnArray {
    const { seq, ind } = splitSqn(sqnMs, profile.indBits);
    return new UsimSqnArray(profile, new Array<number>(2 ** profile.indBits).fill(seq), ind);
  }

  /** C.2.2: is SQN acceptable? Does not change the array (see accept()). */
  verify(sqn: number): SqnVerdict {
    const { seq, ind } = splitSqn(sqn, this.profile.indBits);
    const highest = this.#highestSeq();
    if (seq - highest > this.profile.delta) return 'too_far_ahead';
    if (seq <= this.#seqMs[ind]!) return 'not_fresh';
    const limit = this.profile.freshnessLimit;
    if (limit !== undefined && highest - seq >= limit) return 'not_fresh';
    return 'accepted';
  }

  /** Records an SQN that verify() accepted: SEQ_MS(IND) := SEQ. */
  accept(sqn: number): void {
    const { seq, ind } = splitSqn(sqn, this.profile.indBits);
    if (seq >= this.#highestSeq()) this.#highestInd = ind;
    this.#seqMs[ind] = seq;
  }

  /**
   * SQN_MS for AUTS (C.2.3 / 6.3.5): the highest SEQ accepted so far, with the IND of its slot,
   * so that the HE's next SEQ is above every slot.
   */
  sqnMs(): number {
    return joinSqn(this.#highestSeq(), this.#highestInd, this.profile.indBits);
  }

  toJSON(): { profile: SqnProfile; seqMs: number[]; highestInd: number } {
    return { profile: { ...this.profile }, seqMs: [...this.#seqMs], highestInd: this.#highestInd };
  }

  #highestSeq(): number {
    let highest = 0;
    for (const s of this.#seqMs) if (s > highest) highest = s;
    return highest;
  }
}
