// The EAP packet of RFC 3748 clause 4: Code, Identifier, Length, then (Request and Response only)
// Type and Type-Data. Decoding never throws: a packet from the network is untrusted, so every
// defect comes back as a result with a cause the caller can map to its own error.

/** RFC 3748 4.1/4.2 codes. */
export const EAP_CODE = { REQUEST: 1, RESPONSE: 2, SUCCESS: 3, FAILURE: 4 } as const;

/** The method types this project meets (RFC 3748 5, RFC 4187, RFC 9048). */
export const EAP_TYPE = { IDENTITY: 1, NOTIFICATION: 2, NAK: 3, AKA: 23, AKA_PRIME: 50 } as const;

/** Why a packet (or an EAP-AKA/AKA' message inside it) was refused. */
export type EapCause =
  /** fewer octets than the header or the Length field says */
  | 'TRUNCATED'
  /** the Length field is impossible for the code (below 4, not 4 for Success/Failure, ...) */
  | 'BAD_LENGTH'
  /** a code other than 1 to 4 */
  | 'UNKNOWN_CODE'
  /** a Request/Response of another method than the one expected */
  | 'UNEXPECTED_TYPE'
  /** an EAP-AKA(') message shorter than its Subtype and Reserved fields */
  | 'BAD_AKA_HEADER'
  /** an attribute whose length or value does not fit its definition */
  | 'BAD_ATTRIBUTE'
  /** an unknown attribute in the non-skippable range 0-127 (RFC 4187 8.1) */
  | 'UNKNOWN_ATTRIBUTE'
  /** an attribute that may appear once appeared again */
  | 'DUPLICATE_ATTRIBUTE';

export type EapResult<T> = { ok: true; value: T } | { ok: false; cause: EapCause; detail: string };

/** A Request or Response: Type and its Type-Data. */
export interface EapMethodPacket {
  code: typeof EAP_CODE.REQUEST | typeof EAP_CODE.RESPONSE;
  /** 0..255 */
  identifier: number;
  /** the method type, 1..255 */
  type: number;
  /** the octets after the Type field */
  typeData: Uint8Array;
}

/** A Success or Failure: no data. */
export interface EapResultPacket {
  code: typeof EAP_CODE.SUCCESS | typeof EAP_CODE.FAILURE;
  identifier: number;
}

export type EapPacket = EapMethodPacket | EapResultPacket;

/** A decoded packet with the exact octets it was read from (what a MAC covers). */
export type DecodedEapPacket = EapPacket & { raw: Uint8Array };

const HEADER = 4;
const MAX_LENGTH = 0xffff;

function fail<T>(cause: EapCause, detail: string): EapResult<T> {
  return { ok: false, cause, detail };
}

/**
 * Decodes one EAP packet. Octets beyond the Length field are link-layer padding and ignored
 * (RFC 3748 4.1); a Length beyond the octets received is refused.
 */
export function decodeEapPacket(bytes: Uint8Array): EapResult<DecodedEapPacket> {
  if (!(bytes instanceof Uint8Array)) return fail('TRUNCATED', 'an EAP packet must be bytes');
  if (bytes.length < HEADER) {
    return fail('TRUNCATED', `an EAP packet has at least ${HEADER} octets, got ${bytes.length}`);
  }
  const code = bytes[0]!;
  const identifier = bytes[1]!;
  const length = (bytes[2]! << 8) | bytes[3]!;
  if (length < HEADER) return fail('BAD_LENGTH', `the Length field ${length} is below 4`);
  if (length > bytes.length) {
    return fail('TRUNCATED', `the Length field says ${length} octets, ${bytes.length} arrived`);
  }
  const raw = bytes.subarray(0, length);
  switch (code) {
    case EAP_CODE.SUCCESS:
    case EAP_CODE.FAILURE:
      if (length !== HEADER) {
        return fail('BAD_LENGTH', `a Success or Failure has Length 4, got ${length}`);
      }
      return { ok: true, value: { code, identifier, raw } };
    case EAP_CODE.REQUEST:
    case EAP_CODE.RESPONSE:
      if (length < HEADER + 1) {
        return fail('BAD_LENGTH', 'a Request or Response carries a Type octet');
      }
      return {
        ok: true,
        value: { code, identifier, type: raw[HEADER]!, typeData: raw.subarray(HEADER + 1), raw },
      };
    default:
      return fail('UNKNOWN_CODE', `EAP code ${code} is not Request, Response, Success or Failure`);
  }
}

function checkIdentifier(identifier: number): void {
  if (!Number.isInteger(identifier) || identifier < 0 || identifier > 0xff) {
    throw new RangeError('an EAP identifier is an integer 0..255');
  }
}

/** Encodes a packet. Throws RangeError on arguments no packet can carry (a caller's bug). */
export function encodeEapPacket(packet: EapPacket): Uint8Array {
  checkIdentifier(packet.identifier);
  if (packet.code === EAP_CODE.SUCCESS || packet.code === EAP_CODE.FAILURE) {
    return Uint8Array.of(packet.code, packet.identifier, 0, HEADER);
  }
  if (packet.code !== EAP_CODE.REQUEST && packet.code !== EAP_CODE.RESPONSE) {
    throw new RangeError('an EAP code is 1 to 4');
  }
  if (!Number.isInteger(packet.type) || packet.type < 1 || packet.type > 0xff) {
    throw new RangeError('an EAP type is an integer 1..255');
  }
  const length = HEADER + 1 + packet.typeData.length;
  if (length > MAX_LENGTH) throw new RangeError('an EAP packet is at most 65535 octets');
  const out = new Uint8Array(length);
  out[0] = packet.code;
  out[1] = packet.identifier;
  out[2] = length >>> 8;
  out[3] = length & 0xff;
  out[4] = packet.type;
  out.set(packet.typeData, HEADER + 1);
  return out;
}

/** EAP-Success (RFC 3748 4.2); its identifier is that of the Response it answers. */
export function eapSuccess(identifier: number): Uint8Array {
  return encodeEapPacket({ code: EAP_CODE.SUCCESS, identifier });
}

/** EAP-Failure (RFC 3748 4.2); its identifier is that of the Response it answers. */
export function eapFailure(identifier: number): Uint8Array {
  return encodeEapPacket({ code: EAP_CODE.FAILURE, identifier });
}

const encoder = new TextEncoder();

/** EAP-Response/Identity (RFC 3748 5.1) carrying `identity` in UTF-8. */
export function eapIdentityResponse(identifier: number, identity: string): Uint8Array {
  return encodeEapPacket({
    code: EAP_CODE.RESPONSE,
    identifier,
    type: EAP_TYPE.IDENTITY,
    typeData: encoder.encode(identity),
  });
}

/** EAP-Response/Nak (RFC 3748 5.3.1): the peer proposes `desired` method types instead. */
export function eapNak(identifier: number, desired: readonly number[]): Uint8Array {
  // A Nak with no acceptable method carries the single octet 0.
  const typeData = Uint8Array.from(desired.length > 0 ? desired : [0]);
  return encodeEapPacket({ code: EAP_CODE.RESPONSE, identifier, type: EAP_TYPE.NAK, typeData });
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** An EAP packet as TS 29.509's EapPayload: standard base64 with padding (RFC 4648 4). */
export function toEapPayload(packet: Uint8Array): string {
  return Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength).toString('base64');
}

/**
 * EapPayload text back to octets, or undefined unless it is canonical padded base64 (so one
 * packet has one text, and nothing Buffer would silently skip gets through).
 */
export function fromEapPayload(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string' || !BASE64_RE.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? new Uint8Array(bytes) : undefined;
}
