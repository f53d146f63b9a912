// CBOR (RFC 8949) for the CWT form of the EAT profile, through cborg.
//
// Why cborg (6.1.5) and not cbor-x: cborg is a small, dependency-free, pure JavaScript codec whose
// decoder has the switches untrusted input needs (strict minimal integers, allowIndefinite:false,
// allowUndefined:false, rejectDuplicateMapKeys, useMaps for integer keys, an explicit tag table
// that rejects every tag not in it, no trailing bytes in decode()) and an RFC 8949 deterministic
// encoder (rfc8949EncodeOptions). cbor-x is faster but decodes unknown tags and records by
// default and is tuned for throughput, not for refusing input.
//
// cborg has no depth option and decodes recursively, so every token goes through a tokenizer of
// ours (cborg's `tokenizer` option) that counts the open containers and stops at MAX_CBOR_DEPTH
// before cborg can recurse any deeper: no input can overflow the stack. The same tokenizer
// rejects map keys other than integers and text (COSE labels and claim keys are int / tstr, and
// cborg can only detect duplicates of keys that compare by value), refuses text that is not
// UTF-8, and wraps floating-point values in CborFloat, so that 1.0 is never taken for 1.
import { Tagged, Token, Tokenizer, Type, decode, encode, rfc8949EncodeOptions } from 'cborg';
import type { DecodeOptions, TagDecoder } from 'cborg';
import { fail, ok, type Result } from './errors.js';

/** Largest Evidence (a whole CWT) the decoder looks at. */
export const MAX_EVIDENCE_BYTES = 16 * 1024;

/**
 * Deepest nesting of arrays, maps and tags accepted. The profile needs 3 (tag 61, tag 18, the
 * COSE array; claims map, cnf, COSE_Key): the rest is room for unknown claims.
 */
export const MAX_CBOR_DEPTH = 16;

/** CBOR tags of the profile: CWT (RFC 8392), COSE_Sign1 and COSE_Mac0 (RFC 9052). */
export const CBOR_TAG = { CWT: 61, COSE_Sign1: 18, COSE_Mac0: 17 } as const;

/** The tags the profile allows around a token. */
export const PROFILE_TAGS: readonly number[] = [
  CBOR_TAG.CWT,
  CBOR_TAG.COSE_Sign1,
  CBOR_TAG.COSE_Mac0,
];

export { Tagged };

/** A decoded floating-point value, kept apart from integers. */
export class CborFloat {
  constructor(readonly value: number) {}
}

export interface DecodeCborOptions {
  /** tag numbers to accept (each decodes to a Tagged); default: none */
  tags?: readonly number[];
  /** default MAX_EVIDENCE_BYTES */
  maxBytes?: number;
  /** default MAX_CBOR_DEPTH */
  maxDepth?: number;
}

class LimitError extends Error {}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

interface Open {
  remaining: number;
  isMap: boolean;
}

/**
 * Wraps cborg's tokenizer: counts depth without recursion (a stack of open containers with the
 * number of items each still expects), checks map key types, and wraps floats.
 */
class GuardedTokenizer extends Tokenizer {
  private readonly open: Open[] = [];
  constructor(
    data: Uint8Array,
    options: DecodeOptions,
    private readonly maxDepth: number,
  ) {
    super(data, options);
  }

  override next(): Token {
    const start = this.pos();
    const token = super.next();
    const { open } = this;
    // containers whose items have all been read are closed before this token takes a slot
    while (open.length > 0 && open[open.length - 1]!.remaining === 0) open.pop();
    const parent = open[open.length - 1];
    if (parent !== undefined) {
      // in a map, an even count of remaining items means this token is a key
      if (parent.isMap && parent.remaining % 2 === 0) {
        const t = token.type;
        if (
          !Type.equals(t, Type.uint) &&
          !Type.equals(t, Type.negint) &&
          !Type.equals(t, Type.string)
        ) {
          throw new LimitError(`map key of type ${t.name}; only integer and text keys are allowed`);
        }
      }
      parent.remaining--;
    }
    const t = token.type;
    const isArray = Type.equals(t, Type.array);
    const isMap = Type.equals(t, Type.map);
    const isTag = Type.equals(t, Type.tag);
    if (isArray || isMap || isTag) {
      if (open.length + 1 > this.maxDepth) {
        throw new LimitError(`nesting deeper than ${this.maxDepth}`);
      }
      const count = isTag ? 1 : isMap ? 2 * Number(token.value) : Number(token.value);
      // indefinite lengths are refused by cborg itself (allowIndefinite:false)
      if (!Number.isSafeInteger(count)) throw new LimitError('container length out of range');
      if (count > 0) open.push({ remaining: count, isMap });
    }
    // cborg decodes text leniently (invalid UTF-8 becomes U+FFFD); RFC 8949 3.1 requires UTF-8
    if (Type.equals(t, Type.string) && (token.value as string).includes('\uFFFD')) {
      const minor = this.data[start]! & 0x1f;
      const head = minor < 24 ? 1 : 1 + 2 ** (minor - 24);
      try {
        utf8Fatal.decode(this.data.subarray(start + head, start + token.encodedLength!));
      } catch {
        throw new LimitError('text string that is not valid UTF-8');
      }
    }
    if (Type.equals(t, Type.float)) {
      return new Token(Type.float, new CborFloat(token.value as number), token.encodedLength);
    }
    return token;
  }
}

/**
 * Strict decoding of untrusted bytes. Never throws: EVIDENCE_MALFORMED names what is wrong.
 * Maps decode to Map (integer and text keys), byte strings to Uint8Array, integers to number
 * (bigint beyond 2^53), floats to CborFloat, allowed tags to Tagged.
 */
export function decodeCbor(bytes: Uint8Array, options: DecodeCborOptions = {}): Result<unknown> {
  const maxBytes = options.maxBytes ?? MAX_EVIDENCE_BYTES;
  const maxDepth = options.maxDepth ?? MAX_CBOR_DEPTH;
  if (!(bytes instanceof Uint8Array)) return fail('EVIDENCE_MALFORMED', 'CBOR: not a byte array');
  if (bytes.length === 0) return fail('EVIDENCE_MALFORMED', 'CBOR: no bytes');
  if (bytes.length > maxBytes) {
    return fail(
      'EVIDENCE_MALFORMED',
      `CBOR: ${bytes.length} bytes, more than the ${maxBytes} allowed`,
    );
  }
  const tags: Record<number, TagDecoder> = {};
  for (const tag of options.tags ?? []) tags[tag] = Tagged.decoder(tag);
  const decodeOptions: DecodeOptions = {
    strict: true,
    allowIndefinite: false,
    allowUndefined: false,
    allowNaN: false,
    allowInfinity: false,
    allowBigInt: true,
    useMaps: true,
    rejectDuplicateMapKeys: true,
    tags,
  };
  // a copy: the decoded byte strings must not change when the caller reuses its buffer
  const data = Uint8Array.from(bytes);
  decodeOptions.tokenizer = new GuardedTokenizer(data, decodeOptions, maxDepth);
  try {
    return ok(decode(data, decodeOptions));
  } catch (e) {
    const reason = e instanceof Error ? e.message.replace(/^CBOR decode error: /, '') : String(e);
    return fail('EVIDENCE_MALFORMED', `CBOR: ${reason}`);
  }
}

/**
 * Deterministic encoding (RFC 8949 clause 4.2.1: preferred serialization, definite lengths, map
 * keys sorted bytewise). Maps with integer keys are JavaScript Maps; Tagged for tags.
 */
export function encodeCbor(value: unknown): Uint8Array {
  return encode(value, rfc8949EncodeOptions);
}
