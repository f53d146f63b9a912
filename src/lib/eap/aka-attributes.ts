// The attributes of EAP-AKA (RFC 4187 clauses 8 and 10) and EAP-AKA' (RFC 9048 clause 3):
// Type (1 octet), Length (1 octet, in multiples of 4 octets, the header included), Value.
// Decoding checks every known attribute's exact length and never throws; an unknown attribute
// is skipped when its type is 128-255 and refused when it is 0-127 (RFC 4187 8.1).
import { EAP_TYPE, type EapResult } from './packet.js';

/** Attribute types (RFC 4187 11, RFC 9048 3.1/3.2, RFC 5448 for AT_BIDDING). */
export const AT = {
  RAND: 1,
  AUTN: 2,
  RES: 3,
  AUTS: 4,
  PADDING: 6,
  PERMANENT_ID_REQ: 10,
  MAC: 11,
  NOTIFICATION: 12,
  ANY_ID_REQ: 13,
  IDENTITY: 14,
  FULLAUTH_ID_REQ: 17,
  COUNTER: 19,
  COUNTER_TOO_SMALL: 20,
  NONCE_S: 21,
  CLIENT_ERROR_CODE: 22,
  KDF_INPUT: 23,
  KDF: 24,
  IV: 129,
  ENCR_DATA: 130,
  NEXT_PSEUDONYM: 132,
  NEXT_REAUTH_ID: 133,
  CHECKCODE: 134,
  RESULT_IND: 135,
  BIDDING: 136,
} as const;

/** RAND and AUTN are 16 octets, AUTS 14, the MAC value 16 (RFC 4187 10.6-10.15). */
export const RAND_LENGTH = 16;
export const AUTN_LENGTH = 16;
export const AUTS_LENGTH = 14;
export const MAC_LENGTH = 16;
/** RES is 32 to 128 bits (RFC 4187 10.8). */
export const RES_MIN_BITS = 32;
export const RES_MAX_BITS = 128;

/** What a message's attributes said, one field per known attribute. */
export interface AkaAttributes {
  rand?: Uint8Array;
  autn?: Uint8Array;
  /** RES in ceil(resBits / 8) octets */
  res?: Uint8Array;
  /** the RES Length field: the length of RES in bits */
  resBits?: number;
  auts?: Uint8Array;
  /** the 16 MAC octets */
  mac?: Uint8Array;
  /** where the 16 MAC octets start in the packet (to zero them when verifying) */
  macOffset?: number;
  /** every AT_KDF in order of appearance (the server's order is its preference) */
  kdf: number[];
  /** AT_KDF_INPUT: the network name, UTF-8 */
  kdfInput?: string;
  notification?: number;
  clientErrorCode?: number;
  /** AT_IDENTITY, UTF-8 */
  identity?: string;
  /** AT_PERMANENT_ID_REQ, AT_FULLAUTH_ID_REQ or AT_ANY_ID_REQ */
  idReq?: 'permanent' | 'fullauth' | 'any';
  /** AT_CHECKCODE: empty, or the 20 (AKA) or 32 (AKA') octet hash */
  checkcode?: Uint8Array;
  resultInd?: boolean;
  /** AT_BIDDING's first two value octets (the D bit is 0x8000); EAP-AKA' ignores it */
  bidding?: number;
  /** the unknown skippable attribute types met, ignored */
  skipped: number[];
}

/** One attribute to encode, in the order given. */
export type AkaAttribute =
  | { type: 'AT_RAND'; rand: Uint8Array }
  | { type: 'AT_AUTN'; autn: Uint8Array }
  /** `bits` defaults to 8 × res.length */
  | { type: 'AT_RES'; res: Uint8Array; bits?: number }
  | { type: 'AT_AUTS'; auts: Uint8Array }
  /** a placeholder: the message encoder computes the value */
  | { type: 'AT_MAC' }
  | { type: 'AT_KDF'; kdf: number }
  | { type: 'AT_KDF_INPUT'; networkName: string }
  | { type: 'AT_NOTIFICATION'; code: number }
  | { type: 'AT_CLIENT_ERROR_CODE'; code: number }
  | { type: 'AT_IDENTITY'; identity: string }
  | { type: 'AT_PERMANENT_ID_REQ' }
  | { type: 'AT_FULLAUTH_ID_REQ' }
  | { type: 'AT_ANY_ID_REQ' }
  | { type: 'AT_RESULT_IND' }
  | { type: 'AT_CHECKCODE'; checkcode: Uint8Array }
  | { type: 'AT_BIDDING'; flags: number }
  /** any attribute as raw octets: `value` is everything after Type and Length (tests, extensions) */
  | { type: 'raw'; attributeType: number; value: Uint8Array };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function u16(value: number, what: string): [number, number] {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new RangeError(`${what} is a 16-bit unsigned integer`);
  }
  return [value >>> 8, value & 0xff];
}

function exact(what: string, value: Uint8Array, length: number): Uint8Array {
  if (value.length !== length) throw new RangeError(`${what} must be ${length} octets`);
  return value;
}

/** The Value octets (after Type and Length, before padding) of one attribute. */
function valueOf(a: Exclude<AkaAttribute, { type: 'raw' }>): [number, Uint8Array] {
  const reserved = new Uint8Array(2);
  const withReserved = (v: Uint8Array) => Uint8Array.of(0, 0, ...v);
  switch (a.type) {
    case 'AT_RAND':
      return [AT.RAND, withReserved(exact('RAND', a.rand, RAND_LENGTH))];
    case 'AT_AUTN':
      return [AT.AUTN, withReserved(exact('AUTN', a.autn, AUTN_LENGTH))];
    case 'AT_RES': {
      const bits = a.bits ?? a.res.length * 8;
      if (bits < RES_MIN_BITS || bits > RES_MAX_BITS || Math.ceil(bits / 8) !== a.res.length) {
        throw new RangeError('RES is 32 to 128 bits, in ceil(bits / 8) octets');
      }
      return [AT.RES, Uint8Array.of(...u16(bits, 'the RES length'), ...a.res)];
    }
    case 'AT_AUTS':
      return [AT.AUTS, exact('AUTS', a.auts, AUTS_LENGTH)];
    case 'AT_MAC':
      return [AT.MAC, new Uint8Array(2 + MAC_LENGTH)];
    case 'AT_KDF':
      return [AT.KDF, Uint8Array.of(...u16(a.kdf, 'a KDF'))];
    case 'AT_KDF_INPUT':
      return [AT.KDF_INPUT, withLength(encoder.encode(a.networkName), 'the network name')];
    case 'AT_NOTIFICATION':
      return [AT.NOTIFICATION, Uint8Array.of(...u16(a.code, 'a notification code'))];
    case 'AT_CLIENT_ERROR_CODE':
      return [AT.CLIENT_ERROR_CODE, Uint8Array.of(...u16(a.code, 'a client error code'))];
    case 'AT_IDENTITY':
      return [AT.IDENTITY, withLength(encoder.encode(a.identity), 'the identity')];
    case 'AT_PERMANENT_ID_REQ':
      return [AT.PERMANENT_ID_REQ, reserved];
    case 'AT_FULLAUTH_ID_REQ':
      return [AT.FULLAUTH_ID_REQ, reserved];
    case 'AT_ANY_ID_REQ':
      return [AT.ANY_ID_REQ, reserved];
    case 'AT_RESULT_IND':
      return [AT.RESULT_IND, reserved];
    case 'AT_CHECKCODE':
      if (![0, 20, 32].includes(a.checkcode.length)) {
        throw new RangeError('a checkcode is 0, 20 or 32 octets');
      }
      return [AT.CHECKCODE, withReserved(a.checkcode)];
    case 'AT_BIDDING':
      return [AT.BIDDING, Uint8Array.of(...u16(a.flags, 'the bidding flags'))];
  }
}

/** Actual Length (2 octets) then the octets: AT_IDENTITY and AT_KDF_INPUT. */
function withLength(bytes: Uint8Array, what: string): Uint8Array {
  return Uint8Array.of(...u16(bytes.length, `the length of ${what}`), ...bytes);
}

/**
 * Encodes attributes in order; returns the octets and where the AT_MAC value starts in them
 * (-1 without AT_MAC). Throws RangeError on values no attribute can carry (a caller's bug).
 */
export function encodeAkaAttributes(attributes: readonly AkaAttribute[]): {
  bytes: Uint8Array;
  macAt: number;
} {
  const parts: Uint8Array[] = [];
  let length = 0;
  let macAt = -1;
  for (const a of attributes) {
    let type: number;
    let value: Uint8Array;
    if (a.type === 'raw') {
      if (!Number.isInteger(a.attributeType) || a.attributeType < 0 || a.attributeType > 0xff) {
        throw new RangeError('an attribute type is 0..255');
      }
      if ((a.value.length + 2) % 4 !== 0) {
        throw new RangeError('a raw attribute value is 2 octets short of a multiple of 4');
      }
      [type, value] = [a.attributeType, a.value];
    } else {
      if (a.type === 'AT_MAC') {
        if (macAt >= 0) throw new RangeError('one AT_MAC per message');
        macAt = length + 4;
      }
      [type, value] = valueOf(a);
    }
    const total = Math.ceil((2 + value.length) / 4) * 4;
    if (total / 4 > 0xff) throw new RangeError('an attribute is at most 1020 octets');
    const bytes = new Uint8Array(total);
    bytes[0] = type;
    bytes[1] = total / 4;
    bytes.set(value, 2);
    parts.push(bytes);
    length += total;
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    bytes.set(p, offset);
    offset += p.length;
  }
  return { bytes, macAt };
}

function fail<T>(
  cause: 'BAD_ATTRIBUTE' | 'UNKNOWN_ATTRIBUTE' | 'DUPLICATE_ATTRIBUTE',
  detail: string,
): EapResult<T> {
  return { ok: false, cause, detail };
}

const NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(AT).map(([name, type]) => [type, `AT_${name}`]),
);

function name(type: number): string {
  return NAMES[type] ?? `attribute ${type}`;
}

/** Attributes that only appear inside AT_ENCR_DATA, never in the clear (RFC 4187 10.12-10.16). */
const ENCRYPTED_ONLY = new Set<number>([AT.PADDING, AT.COUNTER, AT.COUNTER_TOO_SMALL, AT.NONCE_S]);

/**
 * Decodes the attributes of an EAP-AKA or EAP-AKA' message. `attrs` are the octets after the
 * Reserved field; `baseOffset` is where they start in the packet (for macOffset); `method` is
 * the EAP type, since AT_KDF and AT_KDF_INPUT exist only in EAP-AKA'.
 */
export function decodeAkaAttributes(
  attrs: Uint8Array,
  baseOffset: number,
  method: number,
): EapResult<AkaAttributes> {
  const out: AkaAttributes = { kdf: [], skipped: [] };
  const seen = new Set<number>();
  let pos = 0;
  while (pos < attrs.length) {
    if (attrs.length - pos < 2) return fail('BAD_ATTRIBUTE', 'an attribute header is cut short');
    const type = attrs[pos]!;
    const total = attrs[pos + 1]! * 4;
    if (total === 0) return fail('BAD_ATTRIBUTE', `${name(type)} has Length 0`);
    if (pos + total > attrs.length) {
      return fail('BAD_ATTRIBUTE', `${name(type)} runs past the end of the message`);
    }
    // AT_KDF repeats by design; an unknown skippable attribute is not ours to judge.
    if (type !== AT.KDF && type in NAMES) {
      if (seen.has(type)) {
        return fail('DUPLICATE_ATTRIBUTE', `${name(type)} appears more than once`);
      }
      seen.add(type);
    }
    const value = attrs.subarray(pos + 2, pos + total);
    const problem = readAttribute(out, type, value, baseOffset + pos, method);
    if (problem !== undefined) return problem;
    pos += total;
  }
  return { ok: true, value: out };
}

/** Reads one attribute into `out`; returns a failure, or undefined when it was fine. */
function readAttribute(
  out: AkaAttributes,
  type: number,
  value: Uint8Array,
  at: number,
  method: number,
): EapResult<AkaAttributes> | undefined {
  const bad = (why: string) => fail<AkaAttributes>('BAD_ATTRIBUTE', `${name(type)}: ${why}`);
  const fixed = (length: number) => value.length === length;
  const word = () => (value[0]! << 8) | value[1]!;
  switch (type) {
    case AT.RAND:
      if (!fixed(2 + RAND_LENGTH)) return bad('RAND is 16 octets');
      out.rand = value.slice(2);
      return undefined;
    case AT.AUTN:
      if (!fixed(2 + AUTN_LENGTH)) return bad('AUTN is 16 octets');
      out.autn = value.slice(2);
      return undefined;
    case AT.RES: {
      const bits = word();
      if (bits < RES_MIN_BITS || bits > RES_MAX_BITS) return bad('RES is 32 to 128 bits');
      const octets = Math.ceil(bits / 8);
      // Exactly the octets of RES and the padding to the next multiple of 4, no more.
      if (value.length !== Math.ceil((4 + octets) / 4) * 4 - 2) {
        return bad(`the attribute length does not match a RES of ${bits} bits`);
      }
      out.resBits = bits;
      out.res = value.slice(2, 2 + octets);
      return undefined;
    }
    case AT.AUTS:
      if (!fixed(AUTS_LENGTH)) return bad('AUTS is 14 octets');
      out.auts = value.slice();
      return undefined;
    case AT.MAC:
      if (!fixed(2 + MAC_LENGTH)) return bad('the MAC is 16 octets');
      out.mac = value.slice(2);
      out.macOffset = at + 4;
      return undefined;
    case AT.KDF:
      if (method !== EAP_TYPE.AKA_PRIME) return bad("only EAP-AKA' has it");
      if (!fixed(2)) return bad('the KDF is 2 octets');
      out.kdf.push(word());
      return undefined;
    case AT.KDF_INPUT:
    case AT.IDENTITY: {
      if (type === AT.KDF_INPUT && method !== EAP_TYPE.AKA_PRIME) {
        return bad("only EAP-AKA' has it");
      }
      const length = word();
      if (value.length !== Math.ceil((4 + length) / 4) * 4 - 2) {
        return bad(`the attribute length does not match its Actual Length ${length}`);
      }
      let text: string;
      try {
        text = decoder.decode(value.subarray(2, 2 + length));
      } catch {
        return bad('not UTF-8');
      }
      if (type === AT.KDF_INPUT) out.kdfInput = text;
      else out.identity = text;
      return undefined;
    }
    case AT.NOTIFICATION:
      if (!fixed(2)) return bad('the code is 2 octets');
      out.notification = word();
      return undefined;
    case AT.CLIENT_ERROR_CODE:
      if (!fixed(2)) return bad('the code is 2 octets');
      out.clientErrorCode = word();
      return undefined;
    case AT.PERMANENT_ID_REQ:
    case AT.FULLAUTH_ID_REQ:
    case AT.ANY_ID_REQ:
      if (!fixed(2)) return bad('it has only its Reserved field');
      if (out.idReq !== undefined) return bad('only one identity request per message');
      out.idReq =
        type === AT.PERMANENT_ID_REQ ? 'permanent' : type === AT.ANY_ID_REQ ? 'any' : 'fullauth';
      return undefined;
    case AT.RESULT_IND:
      if (!fixed(2)) return bad('it has only its Reserved field');
      out.resultInd = true;
      return undefined;
    case AT.CHECKCODE:
      if (!fixed(2) && !fixed(22) && !fixed(34)) return bad('the checkcode is 0, 20 or 32 octets');
      out.checkcode = value.slice(2);
      return undefined;
    case AT.BIDDING:
      if (!fixed(2)) return bad('it is 2 octets');
      out.bidding = word();
      return undefined;
    default:
      if (ENCRYPTED_ONLY.has(type)) return bad('it may only appear inside AT_ENCR_DATA');
      if (type < 128) {
        return fail('UNKNOWN_ATTRIBUTE', `non-skippable attribute ${type} is not known here`);
      }
      out.skipped.push(type);
      return undefined;
  }
}
