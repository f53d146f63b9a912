// EAP-AKA' messages (RFC 9048; RFC 4187 clause 8 layout): an EAP Request or Response of type 50
// (23 for EAP-AKA) whose Type-Data is Subtype (1 octet), Reserved (2 octets), then attributes.
// AT_MAC covers the whole EAP packet with the MAC value zeroed: HMAC-SHA-256-128 keyed with
// K_aut for EAP-AKA' (RFC 9048 3.4.5), HMAC-SHA1-128 for EAP-AKA (RFC 4187 10.15).
import { createHmac } from 'node:crypto';
import { equalBytes } from '../bytes.js';
import { HmacSha256Key } from '../aka/sha256.js';
import {
  MAC_LENGTH,
  decodeAkaAttributes,
  encodeAkaAttributes,
  type AkaAttribute,
  type AkaAttributes,
} from './aka-attributes.js';
import { EAP_CODE, EAP_TYPE, decodeEapPacket, encodeEapPacket, type EapResult } from './packet.js';

/** EAP-AKA(') subtypes (RFC 4187 11). */
export const AKA_SUBTYPE = {
  CHALLENGE: 1,
  AUTHENTICATION_REJECT: 2,
  SYNCHRONIZATION_FAILURE: 4,
  IDENTITY: 5,
  NOTIFICATION: 12,
  REAUTHENTICATION: 13,
  CLIENT_ERROR: 14,
} as const;

/**
 * AT_NOTIFICATION codes (RFC 4187 10.19). Bit 0x8000 (S) set means success; bit 0x4000 (P) set
 * means "before the challenge round", and only then is the notification sent without AT_MAC.
 */
export const NOTIFICATION = {
  GENERAL_FAILURE_AFTER_AUTHENTICATION: 0,
  TEMPORARILY_DENIED: 1026,
  NOT_SUBSCRIBED: 1031,
  GENERAL_FAILURE: 16384,
  SUCCESS: 32768,
} as const;

/** AT_CLIENT_ERROR_CODE values (RFC 4187 10.20): EAP-AKA defines only this one. */
export const CLIENT_ERROR = { UNABLE_TO_PROCESS_PACKET: 0 } as const;

/** The KDF of RFC 9048 3.3: CK'/IK' by TS 33.402 Annex A.2 and MK by PRF'. */
export const KDF_AKA_PRIME = 1;

/** True when a notification code is sent (and answered) with AT_MAC: its P bit is 0. */
export function notificationHasMac(code: number): boolean {
  return (code & 0x4000) === 0;
}

/** True when a notification code reports success: its S bit is 1. */
export function notificationIsSuccess(code: number): boolean {
  return (code & 0x8000) !== 0;
}

export type AkaMethod = typeof EAP_TYPE.AKA | typeof EAP_TYPE.AKA_PRIME;

/** A decoded EAP-AKA' (or EAP-AKA) message. */
export interface EapAkaMessage {
  code: typeof EAP_CODE.REQUEST | typeof EAP_CODE.RESPONSE;
  identifier: number;
  method: AkaMethod;
  subtype: number;
  attributes: AkaAttributes;
  /** the packet's exact octets, which AT_MAC covers */
  raw: Uint8Array;
}

/** What encodeEapAka builds. */
export interface EapAkaMessageInput {
  code: typeof EAP_CODE.REQUEST | typeof EAP_CODE.RESPONSE;
  identifier: number;
  /** default EAP-AKA' (50) */
  method?: AkaMethod;
  subtype: number;
  attributes: readonly AkaAttribute[];
}

/** Octets before the first attribute: the EAP header, Type, Subtype and Reserved. */
const ATTRIBUTES_AT = 8;

/**
 * Decodes an EAP-AKA' message; never throws. `method` is the EAP type expected (default
 * EAP-AKA', 50): anything else, Success and Failure included, is UNEXPECTED_TYPE, so a caller
 * that may also receive those decodes with decodeEapPacket first.
 */
export function decodeEapAka(
  bytes: Uint8Array,
  method: AkaMethod = EAP_TYPE.AKA_PRIME,
): EapResult<EapAkaMessage> {
  const packet = decodeEapPacket(bytes);
  if (!packet.ok) return packet;
  const p = packet.value;
  if (p.code !== EAP_CODE.REQUEST && p.code !== EAP_CODE.RESPONSE) {
    return {
      ok: false,
      cause: 'UNEXPECTED_TYPE',
      detail: `an EAP-${p.code === EAP_CODE.SUCCESS ? 'Success' : 'Failure'}, not a method message`,
    };
  }
  if (p.type !== method) {
    return {
      ok: false,
      cause: 'UNEXPECTED_TYPE',
      detail: `EAP type ${p.type}, expected ${method}`,
    };
  }
  if (p.raw.length < ATTRIBUTES_AT) {
    return {
      ok: false,
      cause: 'BAD_AKA_HEADER',
      detail: 'an EAP-AKA message has Subtype and Reserved fields',
    };
  }
  const attributes = decodeAkaAttributes(p.raw.subarray(ATTRIBUTES_AT), ATTRIBUTES_AT, method);
  if (!attributes.ok) return attributes;
  return {
    ok: true,
    value: {
      code: p.code,
      identifier: p.identifier,
      method,
      subtype: p.raw[5]!,
      attributes: attributes.value,
      raw: p.raw,
    },
  };
}

function macOver(method: AkaMethod, kAut: Uint8Array, packet: Uint8Array): Uint8Array {
  if (method === EAP_TYPE.AKA_PRIME) {
    if (kAut.length !== 32) throw new RangeError("K_aut of EAP-AKA' is 32 octets");
    return new HmacSha256Key(kAut).mac(packet).subarray(0, MAC_LENGTH);
  }
  if (kAut.length !== 16) throw new RangeError('K_aut of EAP-AKA is 16 octets');
  return new Uint8Array(createHmac('sha1', kAut).update(packet).digest().subarray(0, MAC_LENGTH));
}

/**
 * Encodes a message. With AT_MAC among the attributes, `kAut` is required and the MAC is
 * computed over the finished packet. Throws RangeError/TypeError on a caller's bug only.
 */
export function encodeEapAka(message: EapAkaMessageInput, kAut?: Uint8Array): Uint8Array {
  const method = message.method ?? EAP_TYPE.AKA_PRIME;
  if (!Number.isInteger(message.subtype) || message.subtype < 0 || message.subtype > 0xff) {
    throw new RangeError('a subtype is 0..255');
  }
  const { bytes, macAt } = encodeAkaAttributes(message.attributes);
  const typeData = new Uint8Array(3 + bytes.length);
  typeData[0] = message.subtype;
  typeData.set(bytes, 3);
  const packet = encodeEapPacket({
    code: message.code,
    identifier: message.identifier,
    type: method,
    typeData,
  });
  if (macAt >= 0) {
    if (kAut === undefined) throw new TypeError('AT_MAC needs K_aut');
    packet.set(macOver(method, kAut, packet), ATTRIBUTES_AT + macAt);
  }
  return packet;
}

/**
 * True when the message carries AT_MAC and it verifies under `kAut` (constant-time compare).
 * A message without AT_MAC is false: where a MAC is required, its absence is a failure.
 */
export function verifyAkaMac(message: EapAkaMessage, kAut: Uint8Array): boolean {
  const { mac, macOffset } = message.attributes;
  if (mac === undefined || macOffset === undefined) return false;
  const zeroed = message.raw.slice();
  zeroed.fill(0, macOffset, macOffset + MAC_LENGTH);
  return equalBytes(macOver(message.method, kAut, zeroed), mac);
}

// Builders for the messages of a full authentication. Server side first, then the peer's.

const request = EAP_CODE.REQUEST;
const response = EAP_CODE.RESPONSE;

/** EAP-Request/AKA'-Challenge: AT_RAND, AT_AUTN, AT_KDF (each offered), AT_KDF_INPUT, AT_MAC. */
export function akaPrimeChallengeRequest(input: {
  identifier: number;
  rand: Uint8Array;
  autn: Uint8Array;
  /** the network name for AT_KDF_INPUT; in 5G the serving network name */
  networkName: string;
  kAut: Uint8Array;
  /** offered KDFs, preferred first; default [1] */
  kdfs?: readonly number[];
}): Uint8Array {
  const kdfs = input.kdfs ?? [KDF_AKA_PRIME];
  return encodeEapAka(
    {
      code: request,
      identifier: input.identifier,
      subtype: AKA_SUBTYPE.CHALLENGE,
      attributes: [
        { type: 'AT_RAND', rand: input.rand },
        { type: 'AT_AUTN', autn: input.autn },
        ...kdfs.map((kdf) => ({ type: 'AT_KDF', kdf }) as const),
        { type: 'AT_KDF_INPUT', networkName: input.networkName },
        { type: 'AT_MAC' },
      ],
    },
    input.kAut,
  );
}

/**
 * EAP-Request/AKA'-Notification. A code with the P bit 0 (after the challenge round) is
 * protected with AT_MAC and needs `kAut`; with the P bit 1 (e.g. 16384) it has no AT_MAC.
 */
export function akaNotificationRequest(input: {
  identifier: number;
  notification: number;
  kAut?: Uint8Array;
  method?: AkaMethod;
}): Uint8Array {
  const withMac = notificationHasMac(input.notification);
  return encodeEapAka(
    {
      code: request,
      identifier: input.identifier,
      ...(input.method !== undefined ? { method: input.method } : {}),
      subtype: AKA_SUBTYPE.NOTIFICATION,
      attributes: [
        { type: 'AT_NOTIFICATION', code: input.notification },
        ...(withMac ? [{ type: 'AT_MAC' } as const] : []),
      ],
    },
    input.kAut,
  );
}

/** EAP-Request/AKA'-Identity asking for an identity of the given kind. */
export function akaIdentityRequest(
  identifier: number,
  idReq: 'permanent' | 'fullauth' | 'any',
): Uint8Array {
  const type =
    idReq === 'permanent'
      ? 'AT_PERMANENT_ID_REQ'
      : idReq === 'any'
        ? 'AT_ANY_ID_REQ'
        : 'AT_FULLAUTH_ID_REQ';
  return encodeEapAka({
    code: request,
    identifier,
    subtype: AKA_SUBTYPE.IDENTITY,
    attributes: [{ type }],
  });
}

/** EAP-Response/AKA'-Identity with AT_IDENTITY. */
export function akaIdentityResponse(identifier: number, identity: string): Uint8Array {
  return encodeEapAka({
    code: response,
    identifier,
    subtype: AKA_SUBTYPE.IDENTITY,
    attributes: [{ type: 'AT_IDENTITY', identity }],
  });
}

/** EAP-Response/AKA'-Challenge: AT_RES (length in bits) and AT_MAC. */
export function akaPrimeChallengeResponse(input: {
  identifier: number;
  res: Uint8Array;
  kAut: Uint8Array;
}): Uint8Array {
  return encodeEapAka(
    {
      code: response,
      identifier: input.identifier,
      subtype: AKA_SUBTYPE.CHALLENGE,
      attributes: [{ type: 'AT_RES', res: input.res }, { type: 'AT_MAC' }],
    },
    input.kAut,
  );
}

/**
 * EAP-Response/AKA'-Synchronization-Failure: AT_AUTS and, for EAP-AKA', the AT_KDF values the
 * request offered (RFC 9048 3.2; hostapd's peer does the same). No AT_MAC: the peer has not
 * authenticated the network's keys yet.
 */
export function akaSynchronizationFailure(input: {
  identifier: number;
  auts: Uint8Array;
  kdfs?: readonly number[];
}): Uint8Array {
  return encodeEapAka({
    code: response,
    identifier: input.identifier,
    subtype: AKA_SUBTYPE.SYNCHRONIZATION_FAILURE,
    attributes: [
      { type: 'AT_AUTS', auts: input.auts },
      ...(input.kdfs ?? []).map((kdf) => ({ type: 'AT_KDF', kdf }) as const),
    ],
  });
}

/** EAP-Response/AKA'-Authentication-Reject (AUTN did not verify, or the network name is wrong). */
export function akaAuthenticationReject(identifier: number): Uint8Array {
  return encodeEapAka({
    code: response,
    identifier,
    subtype: AKA_SUBTYPE.AUTHENTICATION_REJECT,
    attributes: [],
  });
}

/** EAP-Response/AKA'-Client-Error with AT_CLIENT_ERROR_CODE (default 0, unable to process). */
export function akaClientError(
  identifier: number,
  code: number = CLIENT_ERROR.UNABLE_TO_PROCESS_PACKET,
): Uint8Array {
  return encodeEapAka({
    code: response,
    identifier,
    subtype: AKA_SUBTYPE.CLIENT_ERROR,
    attributes: [{ type: 'AT_CLIENT_ERROR_CODE', code }],
  });
}

/**
 * EAP-Response/AKA'-Notification answering a notification with code `notification`: empty
 * when its P bit is 1, with AT_MAC (and `kAut` required) when it is 0.
 */
export function akaNotificationResponse(input: {
  identifier: number;
  notification: number;
  kAut?: Uint8Array;
}): Uint8Array {
  const withMac = notificationHasMac(input.notification);
  return encodeEapAka(
    {
      code: response,
      identifier: input.identifier,
      subtype: AKA_SUBTYPE.NOTIFICATION,
      attributes: withMac ? [{ type: 'AT_MAC' }] : [],
    },
    input.kAut,
  );
}
