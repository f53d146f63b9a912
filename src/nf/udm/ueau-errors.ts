// The failures of UE authentication in the UDM, each with the TS 29.503 application error cause
// (Table 6.3.7.3-1, and TS 29.500 for the generic ones) and its HTTP status. The SIDF and the
// AuthVectorService throw UdmAuthError; the ueau routes turn it into ProblemDetails, the hostapd
// gateway logs its cause. Messages name no key, no K, OPc, CK or IK.
import { problem, type ProblemError } from '../../sbi/problem-details.js';

export const UDM_AUTH_CAUSES = {
  /** no authentication subscription for the SUPI */
  USER_NOT_FOUND: 404,
  /** the serving network name is not one this UDM serves */
  SERVING_NETWORK_NOT_AUTHORIZED: 403,
  /** MAC-S in AUTS does not verify for this K and RAND; or the credentials expired (notAfter) */
  AUTHENTICATION_REJECTED: 403,
  /** the SUCI names a home network key (scheme and id) this UDM does not hold */
  INVALID_HN_PUBLIC_KEY_IDENTIFIER: 403,
  /** the SUCI's ECIES output does not verify (MAC), or holds no MSIN or username */
  INVALID_SCHEME_OUTPUT: 403,
  /** protection schemes 3 to 15 (spare or HPLMN proprietary) */
  UNSUPPORTED_PROTECTION_SCHEME: 501,
  /** a malformed SUCI, SUPI, IMSI, RAND or AUTS */
  MANDATORY_IE_INCORRECT: 400,
  /** the SQN state of one SUPI could not be advanced under contention; try again */
  NF_CONGESTION: 503,
} as const;

export type UdmAuthCause = keyof typeof UDM_AUTH_CAUSES;

export class UdmAuthError extends Error {
  override readonly name = 'UdmAuthError';
  override readonly cause: UdmAuthCause;
  /** for MANDATORY_IE_INCORRECT: the input at fault (supiOrSuci, resynchronizationInfo, ...) */
  readonly param: string | undefined;
  constructor(cause: UdmAuthCause, message: string, param?: string) {
    super(message);
    this.cause = cause;
    this.param = param;
  }

  get status(): number {
    return UDM_AUTH_CAUSES[this.cause];
  }

  /** The ProblemDetails of this failure. */
  toProblem(): ProblemError {
    const { param } = this;
    return problem(
      this.status,
      this.cause,
      this.message,
      param !== undefined ? [{ param, reason: 'incorrect' }] : undefined,
    );
  }
}
