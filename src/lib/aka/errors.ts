// Typed errors in the jose style: a stable `code` that callers (the API, the CLI) map to a
// ProblemDetails cause or a CLI message. Messages never carry key material.

export type AkaErrorCode =
  | 'INVALID_LENGTH'
  | 'INVALID_SUPI'
  | 'INVALID_SUCI'
  | 'INVALID_SERVING_NETWORK'
  | 'INVALID_KEY'
  | 'UNSUPPORTED_SCHEME'
  | 'SUCI_MAC_FAILURE'
  | 'AUTS_MAC_FAILURE'
  | 'SQN_OUT_OF_RANGE';

export class AkaError extends Error {
  override readonly name = 'AkaError';
  constructor(
    readonly code: AkaErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Throws INVALID_LENGTH unless `value` has exactly `length` bytes; `what` names the parameter. */
export function requireLength(what: string, value: Uint8Array, length: number): void {
  if (value.length !== length) {
    throw new AkaError('INVALID_LENGTH', `${what} must be ${length} bytes, got ${value.length}`);
  }
}
