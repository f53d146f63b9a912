// The UDM/ARPF's authentication vectors (TS 33.501 6.1.3, TS 33.102 6.3) and the SQN state they
// draw on, shared by the Nudm_UEAU generate-auth-data route (5G HE AV, EAP-AKA' AV) and by the
// HLR/AuC gateway for hostapd (hlr-auc-gw.ts: plain UMTS AKA vectors, from which hostapd derives
// CK' and IK' itself). One subscription, one SQN_HE, whichever path asks.
//
// SQN_HE (TS 33.102 Annex C.3) is kept per SUPI in sqn_states, apart from the provisioned
// subscription: on first use it starts at the subscription's initial SQN; each vector takes
// nextSqn() (SEQ + 1, the next IND). The step is a compare-and-swap on (SQN_HE, credential id),
// retried on contention, so two vectors for one SUPI never get the same SQN, on SQLite and on
// PostgreSQL, in one process or several. A row of another credential id (K, OPc or the initial
// SQN were re-provisioned, or the SUPI was deleted and provisioned anew) counts as absent.
//
// AMF: every vector carries the subscription's AMF with the separation bit (bit 0, 0x8000) set,
// as TS 33.501 6.1.3.2 / 6.1.3.1 (per TS 33.102 Annex H) require of 5G AKA and EAP-AKA' vectors,
// whatever the operator provisioned; the USIM's MAC check takes the AMF from AUTN, so it holds.
// The UMTS vectors for hostapd set it too: EAP-AKA' peers refuse AUTN without it, and plain
// EAP-AKA ignores it.
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { fromHex, toHex, xor } from '../../lib/bytes.js';
import { ckIkPrime } from '../../lib/aka/eap-aka-prime.js';
import { AkaError } from '../../lib/aka/errors.js';
import { buildAutn, generateHeAv } from '../../lib/aka/five-g-aka.js';
import { Milenage } from '../../lib/aka/milenage.js';
import {
  parseServingNetworkName,
  servingNetworkName,
  type SnpnId,
} from '../../lib/aka/serving-network-name.js';
import {
  DEFAULT_SQN_PROFILE,
  UsimSqnArray,
  nextSqn,
  sqnToBytes,
  sqnToNumber,
  type SqnProfile,
} from '../../lib/aka/sqn.js';
import { resynchronise } from '../../lib/aka/usim.js';
import {
  checkSupiText,
  type AuthenticationCredentials,
  type AuthenticationSubscriptionService,
} from './authentication-subscriptions.js';
import { isSuciText, type Sidf } from './sidf.js';
import { prepareQuery } from '../../store/prepared-query.js';
import type { UdmStore } from './store.js';
import { UdmAuthError } from './ueau-errors.js';
import type {
  AuthenticationInfoRequest,
  AuthenticationInfoResult,
  ResynchronizationInfo,
} from './ueau-types.js';

export { UdmAuthError, type UdmAuthCause } from './ueau-errors.js';

/** The UMTS AKA vector of TS 33.102 6.3.2 (what hostapd's eap_sim_db takes), bytes. */
export interface UmtsVector {
  rand: Uint8Array;
  autn: Uint8Array;
  ik: Uint8Array;
  ck: Uint8Array;
  res: Uint8Array;
}

export interface AuthVectorOptions {
  /** the SNPNs this UDM serves; absent: any well-formed serving network name is accepted */
  servingNetworks?: readonly SnpnId[];
  /** TS 33.102 C.3 parameters; default IND 5 bits, Δ 2^28 (the UE side must use the same) */
  sqnProfile?: SqnProfile;
  /** where RAND comes from; default node:crypto randomBytes (a test may pin a vector's RAND) */
  random?: (length: number) => Uint8Array;
  /** milliseconds since the epoch; default Date.now (a test may move past a notAfter) */
  clock?: () => number;
}

/** Compare-and-swap rounds before a SQN step gives up (each lets one contender through). */
const MAX_SQN_ATTEMPTS = 200;
const IMSI_DIGITS = /^[0-9]{5,15}$/;
const RAND_HEX = /^[0-9A-Fa-f]{32}$/;
const AUTS_HEX = /^[0-9A-Fa-f]{28}$/;

const sqnHex = (sqn: number) => toHex(sqnToBytes(sqn));

/** The AMF with the separation bit set (TS 33.102 Annex H: bit 0 is the MSB of the first octet). */
function amfFor5g(amfHex: string): Uint8Array {
  const amf = fromHex(amfHex);
  amf[0] = amf[0]! | 0x80;
  return amf;
}

function pause(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(2 ** attempt, 16);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class AuthVectorService {
  readonly #servingNetworkNames: ReadonlySet<string> | undefined;
  readonly #profile: SqnProfile;
  readonly #random: (length: number) => Uint8Array;
  readonly #clock: () => number;
  readonly #q;

  constructor(
    private readonly store: UdmStore,
    private readonly subscriptions: AuthenticationSubscriptionService,
    private readonly sidf: Sidf,
    private readonly log: FastifyBaseLogger,
    options: AuthVectorOptions = {},
  ) {
    this.#servingNetworkNames =
      options.servingNetworks === undefined
        ? undefined
        : new Set(options.servingNetworks.map((snpn) => servingNetworkName(snpn)));
    this.#profile = { ...(options.sqnProfile ?? DEFAULT_SQN_PROFILE) };
    this.#random = options.random ?? ((length) => new Uint8Array(randomBytes(length)));
    this.#clock = options.clock ?? Date.now;
    type SqnState = { supi: string; sqn: string; credential_id: string };
    this.#q = {
      state: prepareQuery(store.db, (db, p: { supi: string }) =>
        db.selectFrom('sqn_states').select(['sqn', 'credential_id']).where('supi', '=', p.supi),
      ),
      create: prepareQuery(store.db, (db, p: SqnState & { updated_at: string }) =>
        db
          .insertInto('sqn_states')
          .values({
            supi: p.supi,
            sqn: p.sqn,
            credential_id: p.credential_id,
            updated_at: p.updated_at,
          })
          .onConflict((oc) => oc.column('supi').doNothing()),
      ),
      swap: prepareQuery(
        store.db,
        (db, p: SqnState & { updated_at: string; wasSqn: string; wasCredentialId: string }) =>
          db
            .updateTable('sqn_states')
            .set({ sqn: p.sqn, credential_id: p.credential_id, updated_at: p.updated_at })
            .where('supi', '=', p.supi)
            .where('sqn', '=', p.wasSqn)
            .where('credential_id', '=', p.wasCredentialId),
      ),
    };
  }

  /**
   * Nudm_UEAU generate-auth-data: the SUPI (de-concealed when a SUCI is given), a resynchronisation
   * first when the AUSF passes AUTS, then a fresh vector of the subscription's method.
   */
  async generateAuthData(
    supiOrSuci: string,
    request: AuthenticationInfoRequest,
  ): Promise<AuthenticationInfoResult> {
    const snn = request.servingNetworkName;
    this.checkServingNetwork(snn);
    const supi = await this.resolveSupi(supiOrSuci);
    const creds = await this.#credentials(supi);
    try {
      const resync = request.resynchronizationInfo;
      if (resync !== undefined) await this.#resynchronise(creds, ...resyncBytes(resync));
      const sqn = await this.#advance(creds);
      const rand = this.#random(16);
      const amf = amfFor5g(creds.amf);
      let result: AuthenticationInfoResult;
      if (creds.authenticationMethod === '5G_AKA') {
        const av = generateHeAv({ k: creds.k, opc: creds.opc, rand, sqn, amf, snn });
        result = {
          authType: '5G_AKA',
          authenticationVector: {
            avType: '5G_HE_AKA',
            rand: toHex(rand),
            xresStar: toHex(av.xresStar),
            autn: toHex(av.autn),
            kausf: toHex(av.kausf),
          },
          supi,
        };
      } else {
        const m = new Milenage(creds.k, creds.opc).compute(rand, sqn, amf);
        const sqnXorAk = xor(sqn, m.ak);
        const { ckPrime, ikPrime } = ckIkPrime(m.ck, m.ik, snn, sqnXorAk);
        result = {
          authType: 'EAP_AKA_PRIME',
          authenticationVector: {
            avType: 'EAP_AKA_PRIME',
            rand: toHex(rand),
            xres: toHex(m.res),
            autn: toHex(buildAutn(sqnXorAk, amf, m.macA)),
            ckPrime: toHex(ckPrime),
            ikPrime: toHex(ikPrime),
          },
          supi,
        };
      }
      this.log.info(
        {
          supi,
          authType: result.authType,
          servingNetworkName: snn,
          resynchronised: resync !== undefined,
        },
        'authentication vector generated',
      );
      return result;
    } finally {
      wipe(creds);
    }
  }

  /**
   * A plain UMTS AKA vector for imsi-<digits> (TS 33.102 6.3.2) from the same subscription and
   * SQN state, for hostapd's AKA-REQ-AUTH. Any authentication method of the subscription will do:
   * hostapd runs EAP-AKA or EAP-AKA' on it.
   */
  async umtsVector(imsiDigits: string): Promise<UmtsVector> {
    const creds = await this.#credentials(imsiSupi(imsiDigits));
    try {
      const sqn = await this.#advance(creds);
      const rand = this.#random(16);
      const amf = amfFor5g(creds.amf);
      const m = new Milenage(creds.k, creds.opc).compute(rand, sqn, amf);
      const autn = buildAutn(xor(sqn, m.ak), amf, m.macA);
      return { rand, autn, ik: m.ik, ck: m.ck, res: m.res };
    } finally {
      wipe(creds);
    }
  }

  /**
   * hostapd's AKA-AUTS: verifies MAC-S in AUTS for imsi-<digits> and moves SQN_HE as TS 33.102
   * 6.3.5 says (the next vector will be accepted). UdmAuthError AUTHENTICATION_REJECTED when
   * MAC-S does not verify.
   */
  async resynchronise(imsiDigits: string, rand: Uint8Array, auts: Uint8Array): Promise<void> {
    const creds = await this.#credentials(imsiSupi(imsiDigits));
    try {
      await this.#resynchronise(creds, rand, auts);
    } finally {
      wipe(creds);
    }
  }

  /** 403 SERVING_NETWORK_NOT_AUTHORIZED unless this UDM serves the named network. */
  checkServingNetwork(snn: string): void {
    try {
      parseServingNetworkName(snn);
    } catch (err) {
      throw new UdmAuthError(
        'MANDATORY_IE_INCORRECT',
        `the serving network name is malformed: ${(err as Error).message}`,
        'servingNetworkName',
      );
    }
    if (this.#servingNetworkNames !== undefined && !this.#servingNetworkNames.has(snn)) {
      throw new UdmAuthError(
        'SERVING_NETWORK_NOT_AUTHORIZED',
        `this UDM does not serve the network ${snn}`,
      );
    }
  }

  /** The SUPI a path parameter names: itself, or the one the SIDF de-conceals from a SUCI. */
  async resolveSupi(supiOrSuci: string): Promise<string> {
    if (isSuciText(supiOrSuci)) {
      return this.sidf.deconceal(supiOrSuci, (supi) => this.subscriptions.exists(supi));
    }
    try {
      checkSupiText(supiOrSuci);
    } catch {
      throw new UdmAuthError(
        'MANDATORY_IE_INCORRECT',
        'expected a SUPI (imsi-<digits>, nai-<username>@<realm>) or a SUCI (suci-..., type<t>.rid...)',
        'supiOrSuci',
      );
    }
    return supiOrSuci;
  }

  /** The SQN state of a SUPI, for tests and operators: SQN_HE, or undefined before first use. */
  async sqnState(supi: string): Promise<{ sqn: string; credentialId: string } | undefined> {
    const row = await this.#state(supi);
    return row && { sqn: row.sqn, credentialId: row.credential_id };
  }

  async #credentials(supi: string): Promise<AuthenticationCredentials> {
    const creds = await this.subscriptions.credentials(supi);
    if (!creds)
      throw new UdmAuthError('USER_NOT_FOUND', `no authentication subscription for ${supi}`);
    // Credentials past the end of their validity (the bundle's notAfter) authenticate no one,
    // whoever holds a copy of them.
    if (creds.notAfter !== undefined && Date.parse(creds.notAfter) <= this.#clock()) {
      wipe(creds);
      throw new UdmAuthError(
        'AUTHENTICATION_REJECTED',
        `the credentials of ${supi} expired at ${creds.notAfter}`,
      );
    }
    return creds;
  }

  /** Takes the next SQN (C.3.2) for the subscription: SQN_HE := nextSqn(SQN_HE). */
  async #advance(creds: AuthenticationCredentials): Promise<Uint8Array> {
    for (let attempt = 0; attempt < MAX_SQN_ATTEMPTS; attempt++) {
      const row = await this.#state(creds.supi);
      const current = this.#current(creds, row);
      const next = nextSqn(current, this.#profile);
      if (await this.#swap(creds, row, next)) return sqnToBytes(next);
      await pause(attempt);
    }
    throw this.#congested(creds.supi);
  }

  /**
   * TS 33.102 6.3.5 and C.3.4: SQN_MS from AUTS (MAC-S verified); SQN_HE stays when the next SQN
   * from it would be accepted by a USIM at SQN_MS, and becomes SQN_MS otherwise.
   */
  async #resynchronise(
    creds: AuthenticationCredentials,
    rand: Uint8Array,
    auts: Uint8Array,
  ): Promise<void> {
    if (rand.length !== 16 || auts.length !== 14) {
      throw new UdmAuthError(
        'MANDATORY_IE_INCORRECT',
        'RAND is 16 bytes and AUTS 14',
        'resynchronizationInfo',
      );
    }
    let sqnMs: number;
    try {
      sqnMs = sqnToNumber(resynchronise({ k: creds.k, opc: creds.opc, rand, auts }));
    } catch (err) {
      if (err instanceof AkaError && err.code === 'AUTS_MAC_FAILURE') {
        this.log.warn({ supi: creds.supi }, 'resynchronisation refused: MAC-S does not verify');
        throw new UdmAuthError(
          'AUTHENTICATION_REJECTED',
          'MAC-S in AUTS does not verify for this subscriber and RAND',
        );
      }
      throw err;
    }
    const usim = UsimSqnArray.fromSqnMs(sqnMs, this.#profile);
    for (let attempt = 0; attempt < MAX_SQN_ATTEMPTS; attempt++) {
      const row = await this.#state(creds.supi);
      const current = this.#current(creds, row);
      if (usim.verify(nextSqn(current, this.#profile)) === 'accepted') return;
      if (await this.#swap(creds, row, sqnMs)) {
        this.log.info(
          { supi: creds.supi, sqnHe: sqnHex(current), sqnMs: sqnHex(sqnMs) },
          'SQN_HE resynchronised to SQN_MS',
        );
        return;
      }
      await pause(attempt);
    }
    throw this.#congested(creds.supi);
  }

  #state(supi: string) {
    return this.#q.state.takeFirst(this.store.db, { supi });
  }

  /** SQN_HE: the state of this credential, or the subscription's initial SQN. */
  #current(
    creds: AuthenticationCredentials,
    row: { sqn: string; credential_id: string } | undefined,
  ): number {
    const hex = row && row.credential_id === creds.credentialId ? row.sqn : creds.sqn;
    return sqnToNumber(fromHex(hex));
  }

  /** SQN_HE := `next` if the state is still `row` (absent: nobody created it meanwhile). */
  async #swap(
    creds: AuthenticationCredentials,
    row: { sqn: string; credential_id: string } | undefined,
    next: number,
  ): Promise<boolean> {
    const values = {
      supi: creds.supi,
      sqn: sqnHex(next),
      credential_id: creds.credentialId,
      updated_at: new Date().toISOString(),
    };
    const changed = row
      ? await this.#q.swap.affected(this.store.db, {
          ...values,
          wasSqn: row.sqn,
          wasCredentialId: row.credential_id,
        })
      : await this.#q.create.affected(this.store.db, values);
    return changed > 0n;
  }

  #congested(supi: string): UdmAuthError {
    this.log.warn({ supi }, 'SQN state under contention: gave up');
    return new UdmAuthError('NF_CONGESTION', `too many concurrent requests for ${supi}; try again`);
  }
}

function imsiSupi(imsiDigits: string): string {
  if (typeof imsiDigits !== 'string' || !IMSI_DIGITS.test(imsiDigits)) {
    throw new UdmAuthError('MANDATORY_IE_INCORRECT', 'an IMSI is 5 to 15 decimal digits', 'imsi');
  }
  return `imsi-${imsiDigits}`;
}

function resyncBytes(info: ResynchronizationInfo): [Uint8Array, Uint8Array] {
  if (
    typeof info !== 'object' ||
    info === null ||
    typeof info.rand !== 'string' ||
    typeof info.auts !== 'string' ||
    !RAND_HEX.test(info.rand) ||
    !AUTS_HEX.test(info.auts)
  ) {
    throw new UdmAuthError(
      'MANDATORY_IE_INCORRECT',
      'resynchronizationInfo needs rand (32 hex digits) and auts (28 hex digits)',
      'resynchronizationInfo',
    );
  }
  return [fromHex(info.rand), fromHex(info.auts)];
}

/** K and OPc leave memory with the request. */
function wipe(creds: AuthenticationCredentials): void {
  creds.k.fill(0);
  creds.opc.fill(0);
}
