// What the AUSF tells the AMF when the UDM refuses or does not answer (TS 29.509 6.1.7.3): the
// UDM's own cause where it is about the UE or the serving network (the AMF can act on it), and
// UPSTREAM_SERVER_ERROR (504) where the UDM failed, is unreachable, or refused the AUSF itself.
import { SbiClientError } from '../../sbi/client.js';
import { ProblemError, problem } from '../../sbi/problem-details.js';

/** The UDM causes (TS 29.503 6.3.7.3, src/nf/udm/ueau-errors.ts) passed on as they are. */
const PASSED_ON = new Set([
  'USER_NOT_FOUND',
  'SERVING_NETWORK_NOT_AUTHORIZED',
  'AUTHENTICATION_REJECTED',
  'INVALID_HN_PUBLIC_KEY_IDENTIFIER',
  'INVALID_SCHEME_OUTPUT',
  'UNSUPPORTED_PROTECTION_SCHEME',
  'MANDATORY_IE_INCORRECT',
  'NF_CONGESTION',
]);

/** The ProblemError for a failed call to the UDM; rethrows anything that is not one. */
export function fromUdm(err: unknown, operation: string): ProblemError {
  if (!(err instanceof SbiClientError)) throw err;
  const p = err.problem;
  if (err.status === 0) {
    return problem(504, 'UPSTREAM_SERVER_ERROR', `the UDM does not answer (${operation})`);
  }
  if (p?.cause !== undefined && PASSED_ON.has(p.cause)) {
    return new ProblemError({
      title: p.title,
      status: err.status,
      cause: p.cause,
      detail: `the UDM refused ${operation}${p.detail !== undefined ? `: ${p.detail}` : ''}`,
      ...(p.invalidParams !== undefined ? { invalidParams: p.invalidParams } : {}),
    });
  }
  return problem(
    504,
    'UPSTREAM_SERVER_ERROR',
    `the UDM answered ${operation} with ${err.status}${p?.cause !== undefined ? ` (${p.cause})` : ''}`,
  );
}
