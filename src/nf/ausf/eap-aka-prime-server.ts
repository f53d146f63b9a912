// The EAP-AKA' server's judgement of one EAP-Response (RFC 9048, RFC 4187 6.3.1 and 9): what the
// AUSF does next, decided from the context alone, with no I/O. The service carries it out (asks
// the UDM again, builds the next packet, stores the context).
import { equalBytes } from '../../lib/bytes.js';
import {
  AKA_SUBTYPE,
  EAP_CODE,
  EAP_TYPE,
  decodeEapAka,
  verifyAkaMac,
  type DecodedEapPacket,
} from '../../lib/eap/index.js';
import type { EapAkaPrimeContext } from './auth-contexts.js';

/** Resynchronisations one context allows: a USIM still out of step after that is not retried. */
export const MAX_RESYNCS = 2;

export type EapVerdict =
  /** not an answer to the outstanding request (RFC 3748 4.1: silently discarded) */
  | { kind: 'discard'; detail: string }
  /** AT_MAC and AT_RES verified: EAP-Success */
  | { kind: 'success' }
  /** EAP-Failure now (the peer rejected, reported an error, or answered the notification) */
  | { kind: 'failure'; reason: string }
  /** the peer failed authentication: AKA'-Notification General Failure, then EAP-Failure */
  | { kind: 'notify-failure'; reason: string }
  /** AKA'-Synchronization-Failure: resynchronise with the UDM and challenge again */
  | { kind: 'resynchronise'; auts: Uint8Array };

/** Judges `packet`, an EAP packet already decoded, against the context's outstanding request. */
export function judgeEapResponse(
  context: EapAkaPrimeContext,
  packet: DecodedEapPacket,
): EapVerdict {
  if (packet.code !== EAP_CODE.RESPONSE) {
    return { kind: 'discard', detail: 'the EAP packet is not a Response' };
  }
  if (packet.identifier !== context.eapIdentifier) {
    return {
      kind: 'discard',
      detail: `the EAP-Response has Identifier ${packet.identifier}, the outstanding request ${context.eapIdentifier}`,
    };
  }
  // After the failure notification, whatever the peer answers ends in EAP-Failure.
  if (context.eapState === 'failure-notification') {
    return { kind: 'failure', reason: 'the failure notification was answered' };
  }
  if (packet.type === EAP_TYPE.NAK) {
    return { kind: 'failure', reason: "the peer refused EAP-AKA' (Nak)" };
  }
  if (packet.type !== EAP_TYPE.AKA_PRIME) {
    return { kind: 'failure', reason: `the peer answered with EAP type ${packet.type}` };
  }
  const decoded = decodeEapAka(packet.raw);
  if (!decoded.ok) return { kind: 'notify-failure', reason: decoded.detail };
  const message = decoded.value;
  const a = message.attributes;
  switch (message.subtype) {
    case AKA_SUBTYPE.CHALLENGE: {
      // No AKA'-Identity round ran, so a checkcode, if sent, must be the empty one.
      if (a.checkcode !== undefined && a.checkcode.length !== 0) {
        return {
          kind: 'notify-failure',
          reason: 'AT_CHECKCODE does not match (no identity round)',
        };
      }
      if (!verifyAkaMac(message, context.secrets.kAut)) {
        return { kind: 'notify-failure', reason: 'AT_MAC is missing or does not verify' };
      }
      const { xres } = context.secrets;
      if (a.res === undefined || a.resBits !== xres.length * 8 || !equalBytes(a.res, xres)) {
        return { kind: 'notify-failure', reason: 'AT_RES is missing or does not equal XRES' };
      }
      return { kind: 'success' };
    }
    case AKA_SUBTYPE.SYNCHRONIZATION_FAILURE:
      if (a.auts === undefined) {
        return { kind: 'notify-failure', reason: 'Synchronization-Failure without AT_AUTS' };
      }
      if (context.resyncs >= MAX_RESYNCS) {
        return {
          kind: 'notify-failure',
          reason: `still out of synchronisation after ${MAX_RESYNCS} resynchronisations`,
        };
      }
      return { kind: 'resynchronise', auts: a.auts };
    case AKA_SUBTYPE.AUTHENTICATION_REJECT:
      return {
        kind: 'failure',
        reason: 'the peer rejected the authentication (AUTN or network name)',
      };
    case AKA_SUBTYPE.CLIENT_ERROR:
      return {
        kind: 'failure',
        reason: `the peer reported client error ${a.clientErrorCode ?? 'without a code'}`,
      };
    default:
      return { kind: 'notify-failure', reason: `unexpected subtype ${message.subtype}` };
  }
}
