// The device's USIM over the delivered credentials (TS 33.102 6.3.3, TS 33.501 6.1.3.2): it holds
// K, OPc, the AMF and the SQN array, checks AUTN, and answers RES (and RES* given a serving
// network name), CK and IK, or AUTS on a synchronisation failure, or reports a MAC failure. The
// AKA computations are src/lib/aka/usim.ts; this object adds the state: the SQN array, loaded from
// and saved to the device's credential store, so an accepted SQN stays accepted across restarts.
import { fromHex } from '../lib/bytes.js';
import { sqnToNumber, UsimSqnArray, type SqnVerdict } from '../lib/aka/sqn.js';
import { checkAuthentication } from '../lib/aka/usim.js';
import type { CredentialBundle } from '../lib/onboarding/credential-bundle.js';
import type { UsimSqnStore } from './credential-store.js';

export type UsimResult =
  | {
      result: 'ok';
      res: Uint8Array;
      ck: Uint8Array;
      ik: Uint8Array;
      /** present when a serving network name was given (5G AKA) */
      resStar?: Uint8Array;
    }
  /** AUTN was not made with this K (or was tampered with): the network is not authenticated */
  | { result: 'mac_failure' }
  /** AUTN is genuine but its SQN is not acceptable: AUTS lets the home network resynchronise */
  | { result: 'sync_failure'; auts: Uint8Array; reason: Exclude<SqnVerdict, 'accepted'> };

export interface UsimParameters {
  /** 16 bytes */
  k: Uint8Array;
  /** 16 bytes */
  opc: Uint8Array;
  /** the AMF the home network uses, 2 bytes */
  amf: Uint8Array;
  sqnArray: UsimSqnArray;
  /**
   * Called with the SQN array after each accepted challenge, before RES is released: a USIM
   * must not answer a challenge whose SQN it could not record, or it could answer it again.
   */
  onSqnAccepted?: (array: UsimSqnArray) => void;
}

export class Usim {
  readonly #k: Uint8Array;
  readonly #opc: Uint8Array;
  readonly #amf: Uint8Array;
  readonly #sqnArray: UsimSqnArray;
  readonly #onSqnAccepted: ((array: UsimSqnArray) => void) | undefined;

  constructor(parameters: UsimParameters) {
    if (parameters.k.length !== 16) throw new RangeError('K must be 16 bytes');
    if (parameters.opc.length !== 16) throw new RangeError('OPc must be 16 bytes');
    if (parameters.amf.length !== 2) throw new RangeError('the AMF must be 2 bytes');
    this.#k = Uint8Array.from(parameters.k);
    this.#opc = Uint8Array.from(parameters.opc);
    this.#amf = Uint8Array.from(parameters.amf);
    this.#sqnArray = parameters.sqnArray;
    this.#onSqnAccepted = parameters.onSqnAccepted;
  }

  /**
   * The USIM of a credential bundle: its SQN array as `store` saved it for this bundle, or, the
   * first time, every slot at the bundle's SQN (the SQN the home network starts from, so its
   * first vector, one SEQ above, is accepted). With a store, each accepted SQN is saved there.
   */
  static fromBundle(bundle: CredentialBundle, store?: UsimSqnStore): Usim {
    const sqnArray =
      store?.loadSqnArray(bundle) ?? UsimSqnArray.fromSqnMs(sqnToNumber(fromHex(bundle.sqn)));
    return new Usim({
      k: fromHex(bundle.k),
      opc: fromHex(bundle.opc),
      amf: fromHex(bundle.amf),
      sqnArray,
      ...(store !== undefined
        ? { onSqnAccepted: (array: UsimSqnArray) => store.saveSqnArray(bundle, array) }
        : {}),
    });
  }

  /** The AMF the home network was provisioned with (AUTN carries the one actually used). */
  get amf(): Uint8Array {
    return Uint8Array.from(this.#amf);
  }

  /** SQN_MS: the highest SQN accepted so far (what AUTS would report). */
  get sqnMs(): number {
    return this.#sqnArray.sqnMs();
  }

  /**
   * Runs AKA on (RAND, AUTN). `snn`, the serving network name, adds RES* for 5G AKA; omit it for
   * EAP-AKA', which derives CK' and IK' from CK and IK instead.
   */
  authenticate(rand: Uint8Array, autn: Uint8Array, snn?: string): UsimResult {
    if (rand.length !== 16) throw new RangeError('RAND must be 16 bytes');
    if (autn.length !== 16) throw new RangeError('AUTN must be 16 bytes');
    const checked = checkAuthentication({
      k: this.#k,
      opc: this.#opc,
      rand,
      autn,
      sqnArray: this.#sqnArray,
      ...(snn !== undefined ? { snn } : {}),
    });
    switch (checked.result) {
      case 'mac_failure':
        return { result: 'mac_failure' };
      case 'sync_failure':
        return { result: 'sync_failure', auts: checked.auts, reason: checked.reason };
      case 'ok': {
        this.#onSqnAccepted?.(this.#sqnArray);
        const { res, ck, ik, resStar } = checked;
        return { result: 'ok', res, ck, ik, ...(resStar !== undefined ? { resStar } : {}) };
      }
    }
  }
}
