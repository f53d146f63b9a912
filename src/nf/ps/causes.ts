// The causes of the onboarding API (DESIGN.md): why a session was refused or failed, each with
// the HTTP status it answers with and what a device developer (or the operator) can do about it.
// A session that fails after it was accepted reports its cause in `failure` when polled.
import { problem, type ProblemError } from '../../sbi/problem-details.js';

export const ONBOARDING_CAUSES = {
  // The Evidence itself (answered on POST /sessions).
  EVIDENCE_MALFORMED: 400,
  /** iat is older than the nonce it carries: not made for this challenge */
  EVIDENCE_STALE: 400,
  NONCE_UNKNOWN: 400,
  NONCE_EXPIRED: 400,
  NONCE_REUSED: 409,
  /** the same Idempotency-Key came with a different body */
  IDEMPOTENCY_KEY_MISMATCH: 409,

  // The appraisal (the DCS's EAR) and the PS's policy.
  UEID_UNKNOWN: 403,
  SIGNATURE_INVALID: 403,
  DEVICE_REVOKED: 403,
  POLICY_REJECTED: 403,
  /** the policy wants pre-configured credentials and none (unused) are imported for the UEID */
  PRECONFIGURED_CREDENTIALS_MISSING: 403,
  /** the DCS could not be reached (the session stays attesting and is retried) or gave up */
  VERIFIER_UNAVAILABLE: 503,
  /** the EAR does not verify with the DCS's keys, or is not about this Evidence */
  VERIFIER_RESULT_INVALID: 502,

  // Provisioning (reported in `failure` of a session that was accepted).
  SUPI_RANGE_EXHAUSTED: 503,
  /** the credentials holder refused the push, or could not be reached within the attempts */
  PUSH_FAILED: 502,
  /** the UDM has no home network key of the SUCI scheme the policy asks for */
  SUCI_KEY_UNAVAILABLE: 502,
  /** a newer onboarding of the same UEID replaced this one */
  SUPERSEDED: 409,
  /** the credentials were ready but not acknowledged in time; they were withdrawn */
  DELIVERY_TIMEOUT: 410,
  /** the operator revoked the device's credentials */
  CREDENTIALS_REVOKED: 410,

  // Status and acknowledgement.
  SESSION_NOT_FOUND: 404,
  SESSION_NOT_READY: 409,
  SESSION_FAILED: 409,
  ACK_TOKEN_INVALID: 403,
} as const;

export type OnboardingCause = keyof typeof ONBOARDING_CAUSES;

/** A ProblemError for an onboarding cause, with its status. */
export function onboardingProblem(
  cause: OnboardingCause,
  detail: string,
  instance?: string,
): ProblemError {
  const p = problem(ONBOARDING_CAUSES[cause], cause, detail);
  if (instance !== undefined) p.problem.instance = instance;
  return p;
}

/** A failure decided inside the PS's services: a cause and a detail without secrets. */
export class OnboardingFailure extends Error {
  override readonly name = 'OnboardingFailure';
  constructor(
    readonly code: OnboardingCause,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
  }
}

/** A failure that may pass (a peer unreachable or overloaded): the work is retried later. */
export class TransientFailure extends Error {
  override readonly name = 'TransientFailure';
}
