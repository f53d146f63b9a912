// The AUSF's UE authentication (TS 33.501 6.1.3, TS 29.509 5.2.2): the logic behind the three
// operations, without HTTP. 5G AKA: the 5G HE AV from the UDM becomes a 5G SE AV (HXRES* in
// place of XRES*), and the confirmation compares RES* with XRES*. EAP-AKA': the AUSF is the EAP
// server of RFC 9048, with AT_KDF_INPUT the serving network name. Either way the result goes to
// the UDM as an AuthEvent, and KSEAF = KDF(KAUSF, serving network name) goes to the SEAF.
import { randomInt } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { equalBytes, fromHex, isHex, toHex } from '../../lib/bytes.js';
import { hxresStar, kseaf } from '../../lib/aka/five-g-aka.js';
import {
  NOTIFICATION,
  akaNotificationRequest,
  akaPrimeChallengeRequest,
  decodeEapPacket,
  eapFailure,
  eapSuccess,
  fromEapPayload,
  kausfFromEmsk,
  serverKeys,
  toEapPayload,
} from '../../lib/eap/index.js';
import { SbiClientError } from '../../sbi/client.js';
import { problem } from '../../sbi/problem-details.js';
import type {
  AuthEvent,
  AuthenticationInfoRequest,
  AuthenticationInfoResult,
  AvEapAkaPrime,
} from '../udm/ueau-types.js';
import type { AuthContextStore, EapAkaPrimeContext, EapAkaPrimeSecrets } from './auth-contexts.js';
import { judgeEapResponse } from './eap-aka-prime-server.js';
import { fromUdm } from './udm-errors.js';
import {
  UE_AUTHENTICATION_PREFIX,
  type AuthType,
  type AuthenticationInfo,
  type ConfirmationDataResponse,
  type EapSession,
  type UEAuthenticationCtx,
} from './ue-authentication-types.js';

/** What the AUSF needs of the UDM (UdmUeauClient, src/nf/udm/ueau-client.ts). */
export interface UdmUeau {
  generateAuthData(
    supiOrSuci: string,
    request: AuthenticationInfoRequest,
  ): Promise<AuthenticationInfoResult>;
  authEvent(supi: string, event: AuthEvent): Promise<void>;
}

export interface UeAuthenticationOptions {
  contexts: AuthContextStore;
  udm: UdmUeau;
  /** this AUSF's NF instance id, sent to the UDM */
  instanceId: string;
  /** the serving network names this AUSF accepts; undefined: any (the UDM still checks) */
  servingNetworkNames?: readonly string[] | undefined;
  log: FastifyBaseLogger;
  clock: () => number;
}

const SNN_RE = /^5G:mnc\d{3}\.mcc\d{3}\.3gppnetwork\.org(?::[0-9A-F]{11})?$/;

const contextPath = (id: string) => `${UE_AUTHENTICATION_PREFIX}/ue-authentications/${id}`;

function hexParam(value: unknown, octets: number, param: string): Uint8Array {
  if (typeof value !== 'string' || value.length !== octets * 2 || !isHex(value)) {
    throw problem(400, 'MANDATORY_IE_INCORRECT', `${param} must be ${octets * 2} hex digits`, [
      { param, reason: `${octets * 2} hex digits` },
    ]);
  }
  return fromHex(value);
}

export class UeAuthenticationService {
  readonly #contexts: AuthContextStore;
  readonly #udm: UdmUeau;
  readonly #instanceId: string;
  readonly #snns: ReadonlySet<string> | undefined;
  readonly #log: FastifyBaseLogger;
  readonly #clock: () => number;

  constructor(options: UeAuthenticationOptions) {
    this.#contexts = options.contexts;
    this.#udm = options.udm;
    this.#instanceId = options.instanceId;
    this.#snns =
      options.servingNetworkNames !== undefined ? new Set(options.servingNetworkNames) : undefined;
    this.#log = options.log;
    this.#clock = options.clock;
  }

  /**
   * POST /ue-authentications: fetches a vector from the UDM (with resynchronizationInfo after a
   * 5G AKA synchronisation failure), keeps what the confirmation needs, and answers with the
   * 5G SE AV or the EAP-Request/AKA'-Challenge. The SUPI is not revealed until success.
   */
  async authenticate(
    info: AuthenticationInfo,
  ): Promise<{ authCtxId: string; body: UEAuthenticationCtx }> {
    const snn = info.servingNetworkName;
    if (typeof snn !== 'string' || !SNN_RE.test(snn)) {
      throw problem(
        400,
        'MANDATORY_IE_INCORRECT',
        'servingNetworkName must be 5G:mncXXX.mccYYY.3gppnetwork.org, for an SNPN with :<NID> (11 upper-case hex digits)',
        [{ param: '/servingNetworkName', reason: 'TS 29.503 ServingNetworkName' }],
      );
    }
    if (this.#snns !== undefined && !this.#snns.has(snn)) {
      throw problem(403, 'SERVING_NETWORK_NOT_AUTHORIZED', `this AUSF does not serve ${snn}`);
    }
    const resync = info.resynchronizationInfo;
    if (resync !== undefined) {
      hexParam(resync.rand, 16, '/resynchronizationInfo/rand');
      hexParam(resync.auts, 14, '/resynchronizationInfo/auts');
    }
    const result = await this.#generateAuthData(info.supiOrSuci, {
      servingNetworkName: snn,
      ausfInstanceId: this.#instanceId,
      ...(resync !== undefined
        ? {
            resynchronizationInfo: {
              rand: resync.rand.toLowerCase(),
              auts: resync.auts.toLowerCase(),
            },
          }
        : {}),
    });

    if (result.authType === '5G_AKA') {
      const av = result.authenticationVector;
      const rand = fromHex(av.rand);
      const xresStar = fromHex(av.xresStar);
      const id = await this.#contexts.create({
        authType: '5G_AKA',
        supi: result.supi,
        servingNetworkName: snn,
        rand,
        secrets: { xresStar, kausf: fromHex(av.kausf) },
      });
      return {
        authCtxId: id,
        body: {
          authType: '5G_AKA',
          '5gAuthData': {
            rand: av.rand.toLowerCase(),
            autn: av.autn.toLowerCase(),
            hxresStar: toHex(hxresStar(rand, xresStar)),
          },
          _links: { '5g-aka': { href: `${contextPath(id)}/5g-aka-confirmation` } },
          servingNetworkName: snn,
        },
      };
    }

    const identifier = randomInt(0, 256);
    const { secrets, challenge } = this.#challenge(
      result.authenticationVector,
      result.supi,
      snn,
      identifier,
    );
    const id = await this.#contexts.create({
      authType: 'EAP_AKA_PRIME',
      supi: result.supi,
      servingNetworkName: snn,
      rand: fromHex(result.authenticationVector.rand),
      secrets,
      eapIdentifier: identifier,
    });
    return {
      authCtxId: id,
      body: {
        authType: 'EAP_AKA_PRIME',
        '5gAuthData': toEapPayload(challenge),
        _links: { 'eap-session': { href: `${contextPath(id)}/eap-session` } },
        servingNetworkName: snn,
      },
    };
  }

  /** PUT .../5g-aka-confirmation: RES* against XRES*, once per context. */
  async confirm5gAka(authCtxId: string, resStarHex: string): Promise<ConfirmationDataResponse> {
    const resStar = hexParam(resStarHex, 16, '/resStar');
    const context = await this.#contexts.pending(authCtxId, '5G_AKA');
    const success = equalBytes(resStar, context.secrets.xresStar);
    await this.#contexts.update(context, { status: success ? 'succeeded' : 'failed' });
    await this.#reportAuthEvent(context.supi, '5G_AKA', context.servingNetworkName, success);
    if (!success) {
      this.#log.info({ authCtxId, authType: '5G_AKA' }, 'authentication failed: RES* is not XRES*');
      return { authResult: 'AUTHENTICATION_FAILURE' };
    }
    return {
      authResult: 'AUTHENTICATION_SUCCESS',
      supi: context.supi,
      kseaf: toHex(kseaf(context.secrets.kausf, context.servingNetworkName)),
    };
  }

  /** POST .../eap-session: one EAP-Response in, the server's next packet out. */
  async eapSession(authCtxId: string, eapPayload: string): Promise<EapSession> {
    const bytes = fromEapPayload(eapPayload);
    if (bytes === undefined) {
      throw problem(400, 'MANDATORY_IE_INCORRECT', 'eapPayload is not canonical padded base64', [
        { param: '/eapPayload', reason: 'base64 (RFC 4648 4)' },
      ]);
    }
    const context = await this.#contexts.pending(authCtxId, 'EAP_AKA_PRIME');
    const packet = decodeEapPacket(bytes);
    if (!packet.ok) {
      throw problem(400, 'MANDATORY_IE_INCORRECT', `eapPayload: ${packet.detail}`, [
        { param: '/eapPayload', reason: packet.cause },
      ]);
    }
    const verdict = judgeEapResponse(context, packet.value);
    const identifier = packet.value.identifier;
    switch (verdict.kind) {
      case 'discard':
        // RFC 3748 4.1 discards it; the context waits for the right answer.
        throw problem(400, 'MANDATORY_IE_INCORRECT', `eapPayload: ${verdict.detail}`, [
          { param: '/eapPayload', reason: 'not an answer to the outstanding EAP-Request' },
        ]);
      case 'success': {
        await this.#contexts.update(context, { status: 'succeeded' });
        await this.#reportAuthEvent(
          context.supi,
          'EAP_AKA_PRIME',
          context.servingNetworkName,
          true,
        );
        return {
          eapPayload: toEapPayload(eapSuccess(identifier)),
          authResult: 'AUTHENTICATION_SUCCESS',
          supi: context.supi,
          kSeaf: toHex(kseaf(context.secrets.kausf, context.servingNetworkName)),
        };
      }
      case 'failure':
        return this.#fail(context, identifier, verdict.reason);
      case 'notify-failure':
        return this.#notifyFailure(context, identifier, verdict.reason);
      case 'resynchronise':
        return this.#resynchronise(context, identifier, verdict.auts);
    }
  }

  async #generateAuthData(
    supiOrSuci: string,
    request: AuthenticationInfoRequest,
  ): Promise<AuthenticationInfoResult> {
    try {
      return await this.#udm.generateAuthData(supiOrSuci, request);
    } catch (err) {
      throw fromUdm(err, 'generate-auth-data');
    }
  }

  /** The EAP-Request/AKA'-Challenge for a vector, and the secrets its answer is checked with. */
  #challenge(
    av: AvEapAkaPrime,
    supi: string,
    snn: string,
    identifier: number,
  ): { secrets: EapAkaPrimeSecrets; challenge: Uint8Array } {
    const keys = serverKeys(fromHex(av.ckPrime), fromHex(av.ikPrime), supi);
    const challenge = akaPrimeChallengeRequest({
      identifier,
      rand: fromHex(av.rand),
      autn: fromHex(av.autn),
      networkName: snn,
      kAut: keys.kAut,
    });
    return {
      secrets: { xres: fromHex(av.xres), kAut: keys.kAut, kausf: kausfFromEmsk(keys.emsk) },
      challenge,
    };
  }

  async #fail(
    context: EapAkaPrimeContext,
    identifier: number,
    reason: string,
  ): Promise<EapSession> {
    await this.#contexts.update(context, { status: 'failed' });
    await this.#reportAuthEvent(context.supi, 'EAP_AKA_PRIME', context.servingNetworkName, false);
    this.#log.info(
      { authCtxId: context.id, authType: 'EAP_AKA_PRIME' },
      `authentication failed: ${reason}`,
    );
    return {
      eapPayload: toEapPayload(eapFailure(identifier)),
      authResult: 'AUTHENTICATION_FAILURE',
    };
  }

  /** RFC 4187 6.3.1: General Failure (P bit 1, no AT_MAC) first; EAP-Failure follows its answer. */
  async #notifyFailure(
    context: EapAkaPrimeContext,
    identifier: number,
    reason: string,
  ): Promise<EapSession> {
    const next = (identifier + 1) & 0xff;
    await this.#contexts.update(context, { eapState: 'failure-notification', eapIdentifier: next });
    this.#log.info(
      { authCtxId: context.id, authType: 'EAP_AKA_PRIME' },
      `authentication failing: ${reason}`,
    );
    return this.#ongoing(
      context.id,
      akaNotificationRequest({ identifier: next, notification: NOTIFICATION.GENERAL_FAILURE }),
    );
  }

  /**
   * AKA'-Synchronization-Failure: the UDM checks AUTS against the RAND of the refused challenge
   * and hands out a vector with a fresh SQN; the peer gets a new challenge. A UDM that rejects
   * the AUTS (MAC-S) ends the exchange; one that does not answer leaves the context as it was,
   * so the same EAP-Response can be sent again.
   */
  async #resynchronise(
    context: EapAkaPrimeContext,
    identifier: number,
    auts: Uint8Array,
  ): Promise<EapSession> {
    let result: AuthenticationInfoResult;
    try {
      result = await this.#udm.generateAuthData(context.supi, {
        servingNetworkName: context.servingNetworkName,
        ausfInstanceId: this.#instanceId,
        resynchronizationInfo: { rand: toHex(context.rand), auts: toHex(auts) },
      });
    } catch (err) {
      const failure = fromUdm(err, 'the resynchronisation');
      if (failure.problem.status === 504) throw failure;
      return this.#notifyFailure(
        context,
        identifier,
        `resynchronisation refused: ${failure.problem.cause}`,
      );
    }
    if (result.authType !== 'EAP_AKA_PRIME' || result.supi !== context.supi) {
      return this.#notifyFailure(
        context,
        identifier,
        'the subscription changed during the exchange',
      );
    }
    const next = (identifier + 1) & 0xff;
    const { secrets, challenge } = this.#challenge(
      result.authenticationVector,
      context.supi,
      context.servingNetworkName,
      next,
    );
    await this.#contexts.update(context, {
      rand: fromHex(result.authenticationVector.rand),
      secrets,
      eapIdentifier: next,
      resyncs: context.resyncs + 1,
      expires: true,
    });
    return this.#ongoing(context.id, challenge);
  }

  #ongoing(id: string, packet: Uint8Array): EapSession {
    return {
      eapPayload: toEapPayload(packet),
      _links: { 'eap-session': { href: `${contextPath(id)}/eap-session` } },
    };
  }

  /** The result to the UDM (TS 33.501 6.1.4); the UE's result stands whether or not it lands. */
  async #reportAuthEvent(
    supi: string,
    authType: AuthType,
    servingNetworkName: string,
    success: boolean,
  ): Promise<void> {
    try {
      await this.#udm.authEvent(supi, {
        nfInstanceId: this.#instanceId,
        success,
        timeStamp: new Date(this.#clock()).toISOString(),
        authType,
        servingNetworkName,
      });
    } catch (err) {
      // The status and cause only: the message names the SUPI.
      const why =
        err instanceof SbiClientError ? `${err.status} ${err.problemCause ?? ''}` : 'error';
      this.#log.warn(
        { authType, success },
        `the UDM did not record the auth event (${why.trim()})`,
      );
    }
  }
}
