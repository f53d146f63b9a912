// The AMF's registration logic (no HTTP): the SEAF's part of primary authentication (TS 33.501
// 6.1.3), with the AUSF reached through its client. A UE names the SNPN it selected and sends its
// SUCI; the AMF, if it serves that SNPN, asks the AUSF to authenticate the UE on the SNPN's
// serving network name and relays 5G AKA (RAND, AUTN; RES*, or AUTS) or EAP-AKA' packets until
// the AUSF decides. On success it keeps KAMF, derived from KSEAF with ABBA 0x0000 (A.7), and
// answers only the result and the SUPI.
//
// Registration state lives in memory, with a deadline: it is the short-lived state of one
// authentication exchange (seconds), like a real AMF's NAS procedure state, and a UE whose
// registration was lost to a restart simply registers again. The map is bounded, and ordered by
// creation, which with one fixed lifetime is also the order of expiry.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { fromHex, toHex } from '../../lib/bytes.js';
import { checkHresStar, kamf } from '../../lib/aka/five-g-aka.js';
import { servingNetworkName } from '../../lib/aka/serving-network-name.js';
import type { SnpnId } from '../../lib/onboarding/credential-bundle.js';
import { SbiClientError } from '../../sbi/client.js';
import { problem, ProblemError, type ProblemDetails } from '../../sbi/problem-details.js';
import type { AusfApi, AusfAuthenticationCtx } from './ausf-consumer.js';

/** ABBA for this release (TS 33.501 A.7.1): 0x0000. */
export const ABBA = new Uint8Array(2);
export const DEFAULT_REGISTRATION_TTL_MS = 120_000;
export const DEFAULT_MAX_REGISTRATIONS = 100_000;
/** Synchronisation failures one registration may report before the AMF gives up. */
export const MAX_RESYNCS = 2;

export type AuthMethod = '5G_AKA' | 'EAP_AKA_PRIME';

export type RegistrationChallenge =
  | { id: string; authMethod: '5G_AKA'; rand: string; autn: string; abba: string }
  | { id: string; authMethod: 'EAP_AKA_PRIME'; eapPayload: string };

export interface RegistrationAccepted {
  result: 'AUTHENTICATION_SUCCESS';
  supi: string;
}

export interface FreshChallenge {
  rand: string;
  autn: string;
  abba: string;
}

export interface EapSessionAnswer {
  eapPayload: string;
  result?: 'AUTHENTICATION_SUCCESS';
  supi?: string;
}

interface Registration {
  id: string;
  suci: string;
  snpn: SnpnId;
  snn: string;
  authMethod: AuthMethod;
  authCtxId: string;
  /** 5G AKA: the challenge outstanding and its HXRES* (hex) */
  rand?: string;
  hxresStar?: string;
  resyncs: number;
  state: 'authenticating' | 'registered';
  /** a request on this registration is being handled */
  busy: boolean;
  expiresAt: number;
  supi?: string;
  /** the AMF's key (A.7); never leaves this object */
  kamf?: Uint8Array;
}

const abbaHex = toHex(ABBA);

function sameSnpn(a: SnpnId, b: SnpnId): boolean {
  return a.mcc === b.mcc && a.mnc === b.mnc && a.nid.toUpperCase() === b.nid.toUpperCase();
}

/** The SUPI without its type prefix, as KAMF takes it (A.7.0): IMSI digits, or the NAI. */
function supiForKdf(supi: string): string {
  return supi.replace(/^(?:imsi|nai)-/, '');
}

/**
 * An AUSF refusal passed on with its status and cause (the UDM's causes reach the UE this way:
 * USER_NOT_FOUND, INVALID_HN_PUBLIC_KEY_IDENTIFIER, ...); an AUSF that fails without a cause or
 * does not answer becomes 502 UPSTREAM_SERVER_ERROR or 504 TARGET_NF_NOT_REACHABLE.
 */
function fromAusf(err: unknown): never {
  if (err instanceof SbiClientError) {
    if (err.status === 0) {
      throw problem(504, 'TARGET_NF_NOT_REACHABLE', 'the AUSF does not answer');
    }
    const p = err.problem;
    const passOn = p?.cause !== undefined && err.status >= 400 && err.status !== 500;
    if (passOn || (err.status >= 400 && err.status < 500)) {
      throw new ProblemError({
        title: p?.title ?? 'Error',
        status: err.status,
        detail: `the AUSF refused: ${p?.detail ?? `HTTP ${err.status}`}`,
        cause: p?.cause ?? 'AUTHENTICATION_REJECTED',
        ...(p?.invalidParams ? { invalidParams: p.invalidParams } : {}),
      });
    }
    throw problem(502, 'UPSTREAM_SERVER_ERROR', `the AUSF failed (HTTP ${err.status})`);
  }
  throw err;
}

function rejected(detail: string, extra: Record<string, unknown> = {}): ProblemError {
  const p = problem(403, 'AUTHENTICATION_REJECTED', detail).problem;
  return new ProblemError({ ...p, ...extra } as ProblemDetails);
}

export interface RegistrationServiceOptions {
  /** how long a registration is kept, from its creation (default 120 s) */
  ttlMs?: number;
  /** registrations kept at most; beyond, new ones get 503 (default 100 000) */
  maxRegistrations?: number;
  /** for tests: the clock */
  now?: () => number;
}

export class RegistrationService {
  readonly #ausf: AusfApi;
  readonly #snpns: SnpnId[];
  readonly #log: FastifyBaseLogger;
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #registrations = new Map<string, Registration>();

  constructor(
    ausf: AusfApi,
    snpns: readonly SnpnId[],
    log: FastifyBaseLogger,
    options: RegistrationServiceOptions = {},
  ) {
    if (snpns.length === 0) throw new RangeError('the AMF must serve at least one SNPN');
    for (const s of snpns) servingNetworkName(s); // throws on a malformed SNPN
    this.#ausf = ausf;
    this.#snpns = snpns.map((s) => ({ mcc: s.mcc, mnc: s.mnc, nid: s.nid.toUpperCase() }));
    this.#log = log;
    this.#ttlMs = options.ttlMs ?? DEFAULT_REGISTRATION_TTL_MS;
    this.#max = options.maxRegistrations ?? DEFAULT_MAX_REGISTRATIONS;
    this.#now = options.now ?? Date.now;
  }

  /** The SNPNs this AMF serves. */
  get snpns(): SnpnId[] {
    return this.#snpns.map((s) => ({ ...s }));
  }

  /** Registrations held now (expired ones are dropped first). */
  get size(): number {
    this.#expire();
    return this.#registrations.size;
  }

  /** Starts a registration: the first challenge (5G AKA) or EAP-Request (EAP-AKA'). */
  async register(suci: string, requested: SnpnId): Promise<RegistrationChallenge> {
    const snpn = this.#snpns.find((s) => sameSnpn(s, requested));
    if (snpn === undefined) {
      throw problem(
        403,
        'SNPN_NOT_SERVED',
        `this AMF does not serve SNPN ${requested.mcc}-${requested.mnc}:${requested.nid.toUpperCase()}`,
      );
    }
    this.#expire();
    if (this.#registrations.size >= this.#max) {
      throw problem(503, 'NF_CONGESTION', 'too many registrations in progress; try again later');
    }
    const snn = servingNetworkName(snpn);
    let ctx: AusfAuthenticationCtx;
    try {
      ctx = await this.#ausf.authenticate({ supiOrSuci: suci, servingNetworkName: snn });
    } catch (err) {
      fromAusf(err);
    }
    const id = randomUUID();
    const registration: Registration = {
      id,
      suci,
      snpn,
      snn,
      authMethod: ctx.authType,
      authCtxId: ctx.authCtxId,
      resyncs: 0,
      state: 'authenticating',
      busy: false,
      expiresAt: this.#now() + this.#ttlMs,
    };
    this.#registrations.set(id, registration);
    this.#log.info({ registration: id, snn, authMethod: ctx.authType }, 'registration started');
    if (ctx.authType === '5G_AKA') {
      const { rand, autn, hxresStar } = ctx.av;
      Object.assign(registration, { rand, hxresStar });
      return { id, authMethod: '5G_AKA', rand, autn, abba: abbaHex };
    }
    return { id, authMethod: 'EAP_AKA_PRIME', eapPayload: ctx.eapPayload };
  }

  /** 5G AKA, the UE's RES*: the SEAF's HRES* check and the AUSF's confirmation. */
  async confirm5gAka(id: string, resStar: string): Promise<RegistrationAccepted> {
    return this.#exclusive(id, '5G_AKA', async (r) => {
      // TS 33.501 6.1.3.2.2: whatever HRES* says, the AUSF is asked (it records the attempt);
      // the UE is accepted only when both checks pass.
      const hresOk = checkHresStar(fromHex(r.rand!), fromHex(resStar), fromHex(r.hxresStar!));
      let confirmation;
      try {
        confirmation = await this.#ausf.confirm5gAka(r.authCtxId, resStar.toLowerCase());
      } catch (err) {
        this.#registrations.delete(r.id);
        fromAusf(err);
      }
      const { authResult, supi, kseaf } = confirmation;
      if (!hresOk || authResult !== 'AUTHENTICATION_SUCCESS' || !supi || !kseaf) {
        this.#registrations.delete(r.id);
        this.#log.info({ registration: r.id, hresOk, authResult }, 'registration rejected');
        throw rejected('RES* does not verify: the UE is not authenticated');
      }
      return this.#accept(r, supi, kseaf);
    });
  }

  /** 5G AKA, a synchronisation failure: AUTS goes to the home network, a fresh challenge back. */
  async resynchronise5gAka(id: string, auts: string): Promise<FreshChallenge> {
    return this.#exclusive(id, '5G_AKA', async (r) => {
      if (r.resyncs >= MAX_RESYNCS) {
        this.#registrations.delete(r.id);
        throw rejected(`more than ${MAX_RESYNCS} synchronisation failures in one registration`);
      }
      r.resyncs += 1;
      let ctx: AusfAuthenticationCtx;
      try {
        ctx = await this.#ausf.authenticate({
          supiOrSuci: r.suci,
          servingNetworkName: r.snn,
          resynchronizationInfo: { rand: r.rand!, auts: auts.toLowerCase() },
        });
      } catch (err) {
        this.#registrations.delete(r.id);
        fromAusf(err);
      }
      if (ctx.authType !== '5G_AKA') {
        this.#registrations.delete(r.id);
        throw problem(502, 'UPSTREAM_SERVER_ERROR', 'the AUSF changed the authentication method');
      }
      const { rand, autn, hxresStar } = ctx.av;
      Object.assign(r, { authCtxId: ctx.authCtxId, rand, hxresStar });
      this.#log.info({ registration: r.id, resyncs: r.resyncs }, 'resynchronised');
      return { rand, autn, abba: abbaHex };
    });
  }

  /** EAP-AKA': relays the UE's EAP-Response; the AUSF's next packet back. */
  async eapSession(id: string, eapPayload: string): Promise<EapSessionAnswer> {
    return this.#exclusive(id, 'EAP_AKA_PRIME', async (r) => {
      let answer;
      try {
        answer = await this.#ausf.eapSession(r.authCtxId, eapPayload);
      } catch (err) {
        this.#registrations.delete(r.id);
        fromAusf(err);
      }
      if (answer.authResult === undefined || answer.authResult === 'AUTHENTICATION_ONGOING') {
        return { eapPayload: answer.eapPayload };
      }
      if (answer.authResult === 'AUTHENTICATION_SUCCESS' && answer.supi && answer.kSeaf) {
        const accepted = this.#accept(r, answer.supi, answer.kSeaf);
        return { eapPayload: answer.eapPayload, ...accepted };
      }
      this.#registrations.delete(r.id);
      this.#log.info(
        { registration: r.id, authResult: answer.authResult },
        'registration rejected',
      );
      throw rejected("EAP-AKA' failed: the UE is not authenticated", {
        eapPayload: answer.eapPayload,
      });
    });
  }

  /**
   * The security context of a completed registration: in-process only (what NAS security would
   * start from), never on the API. Undefined while authenticating, after a rejection or expiry.
   */
  securityContext(id: string): { supi: string; snpn: SnpnId; kamf: Uint8Array } | undefined {
    const r = this.#live(id);
    if (r?.state !== 'registered' || r.kamf === undefined) return undefined;
    return { supi: r.supi!, snpn: { ...r.snpn }, kamf: Uint8Array.from(r.kamf) };
  }

  #accept(r: Registration, supi: string, kseafHex: string): RegistrationAccepted {
    r.kamf = kamf(fromHex(kseafHex), supiForKdf(supi), ABBA);
    r.supi = supi;
    r.state = 'registered';
    this.#log.info({ registration: r.id, snn: r.snn, supi }, 'registration accepted');
    return { result: 'AUTHENTICATION_SUCCESS', supi };
  }

  /** Runs `step` on a live registration of `method`, one request at a time. */
  async #exclusive<T>(
    id: string,
    method: AuthMethod,
    step: (r: Registration) => Promise<T>,
  ): Promise<T> {
    const r = this.#live(id);
    if (r === undefined) {
      throw problem(404, 'CONTEXT_NOT_FOUND', 'no such registration (unknown, ended or expired)');
    }
    if (r.authMethod !== method) {
      throw problem(
        409,
        'AUTH_METHOD_MISMATCH',
        `this registration authenticates with ${r.authMethod}, not ${method}`,
      );
    }
    if (r.state !== 'authenticating') {
      throw problem(409, 'REGISTRATION_COMPLETE', 'this registration is already authenticated');
    }
    if (r.busy) {
      throw problem(409, 'REQUEST_IN_PROGRESS', 'a request on this registration is in progress');
    }
    r.busy = true;
    try {
      return await step(r);
    } finally {
      r.busy = false;
    }
  }

  #live(id: string): Registration | undefined {
    const r = this.#registrations.get(id);
    if (r === undefined) return undefined;
    if (r.expiresAt <= this.#now()) {
      this.#registrations.delete(id);
      return undefined;
    }
    return r;
  }

  #expire(): void {
    const now = this.#now();
    for (const [id, r] of this.#registrations) {
      if (r.expiresAt > now) break;
      this.#registrations.delete(id);
    }
  }
}
