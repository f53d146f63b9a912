// The PS's first look at Evidence, before any appraisal: decoded without a key, to find the
// nonce it answers (the PS checks its own challenges), the UEID (for idempotency and the logs)
// and whether its cnf key can receive the credentials. The signature is the DCS's business.
import type { JWK } from 'jose';
import { toBase64url, toHex } from '../../lib/bytes.js';
import { INTUSE, type EatClaims } from '../../lib/rats/eat-claims.js';
import { parseEatCwt } from '../../lib/rats/eat-cwt.js';
import { parseEatJwt } from '../../lib/rats/eat-jwt.js';
import { OnboardingFailure } from './causes.js';

export const EVIDENCE_MEDIA_TYPES = ['application/eat+cwt', 'application/eat+jwt'] as const;
export type EvidenceMediaType = (typeof EVIDENCE_MEDIA_TYPES)[number];
/** Largest Evidence accepted, bytes (the JWT form's limit; a CWT is smaller). */
export const EVIDENCE_MAX_BYTES = 16 * 1024;

export interface ReceivedEvidence {
  type: EvidenceMediaType;
  /** base64url of the Evidence bytes, as the DCS's verification API takes it */
  value: string;
  /** lower-case hex of the UEID */
  ueid: string;
  /** base64url of eat_nonce */
  nonce: string;
  /** iat, milliseconds since the epoch */
  issuedAt: number;
  claims: EatClaims;
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

/** Decodes Evidence of either form; throws OnboardingFailure EVIDENCE_MALFORMED with the reason. */
export function readEvidence(type: EvidenceMediaType, body: Uint8Array): ReceivedEvidence {
  let claims: EatClaims;
  if (type === 'application/eat+cwt') {
    const parsed = parseEatCwt(body);
    if (!parsed.ok) throw new OnboardingFailure('EVIDENCE_MALFORMED', parsed.error.message);
    claims = parsed.value.claims;
  } else {
    let text: string;
    try {
      text = utf8Fatal.decode(body);
    } catch {
      throw new OnboardingFailure('EVIDENCE_MALFORMED', 'an EAT in JWT form is ASCII text');
    }
    const parsed = parseEatJwt(text.trim());
    if (!parsed.ok) throw new OnboardingFailure('EVIDENCE_MALFORMED', parsed.error.message);
    claims = parsed.value.claims;
  }
  if (claims.intuse !== undefined && claims.intuse !== INTUSE.provisioning) {
    throw new OnboardingFailure(
      'EVIDENCE_MALFORMED',
      `claim intuse: expected ${INTUSE.provisioning} (provisioning) or absent, got ${claims.intuse}`,
    );
  }
  const cnfProblem = encryptionKeyProblem(claims.cnf);
  if (cnfProblem !== undefined) {
    throw new OnboardingFailure('EVIDENCE_MALFORMED', `claim cnf: ${cnfProblem}`);
  }
  return {
    type,
    value: toBase64url(body),
    ueid: toHex(claims.ueid),
    nonce: toBase64url(claims.nonce),
    issuedAt: claims.iat * 1000,
    claims,
  };
}

/** The credentials are encrypted with ECDH-ES to the cnf key: it must be an EC P-256 key. */
export function encryptionKeyProblem(cnf: JWK | undefined): string | undefined {
  if (cnf === undefined) return 'expected the key the credentials are to be encrypted to';
  if (
    cnf.kty !== 'EC' ||
    cnf.crv !== 'P-256' ||
    typeof cnf.x !== 'string' ||
    typeof cnf.y !== 'string'
  ) {
    return 'expected an EC P-256 public key (the credentials are encrypted to it with ECDH-ES)';
  }
  return undefined;
}
