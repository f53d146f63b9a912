// Typed errors of the RATS library. `code` is what the DCS maps to a ProblemDetails cause (or to
// an EAR outcome); `message` is the detail a device developer can act on. Never key material.

export type RatsErrorCode =
  /** the bytes or text are not a token of the profile: CBOR/JSON/JWS/COSE structure, claims */
  | 'EVIDENCE_MALFORMED'
  /** the structure is fine but the signature or MAC does not verify with the key */
  | 'SIGNATURE_INVALID'
  /** an algorithm the profile does not allow (alg, curve, key type) */
  | 'UNSUPPORTED_ALGORITHM'
  /** a key (JWK, COSE_Key) that is malformed or does not fit the algorithm */
  | 'KEY_INVALID'
  /** an Attestation Result that does not parse or verify */
  | 'EAR_INVALID';

export class RatsError extends Error {
  override readonly name = 'RatsError';
  constructor(
    readonly code: RatsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What decoders return instead of throwing: a value, or the precise reason there is none. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: RatsError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(code: RatsErrorCode, message: string): Result<T> {
  return { ok: false, error: new RatsError(code, message) };
}
