// The device's side of onboarding (DESIGN.md, the flow): challenge, Evidence, submit, wait for the
// PS, open the credentials JWE with the cnf key only this Evidence attested, check and store the
// bundle, acknowledge. Each step is timed for the demo's ladder diagram.
import { randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import {
  BUNDLE_JWE_ALG,
  BUNDLE_JWE_ENC,
  BundleJweError,
  decryptBundleJwe,
} from '../lib/onboarding/bundle-jwe.js';
import {
  parseCredentialBundle,
  type CredentialBundle,
} from '../lib/onboarding/credential-bundle.js';
import type { OnboardingClient, OnboardingSession } from '../nf/ps/client.js';
import { parseRfc3339 } from '../lib/rfc3339.js';
import { SbiClientError } from '../sbi/client.js';
import type { CredentialStore } from './credential-store.js';
import { buildEvidence, type EvidenceForm, type EvidenceIdentity } from './evidence.js';
import type { KeyStore } from './key-store.js';

/** The longest credentials JWE opened (the JWE algorithms are DESIGN.md's; others are refused). */
const MAX_JWE_CHARS = 64 * 1024;

/** The causes the device itself gives (the PS's own causes pass through as they are). */
export type DeviceCause =
  | 'CREDENTIALS_UNREADABLE'
  | 'CREDENTIALS_INVALID'
  | 'ONBOARDING_TIMEOUT'
  | 'PS_UNREACHABLE'
  | 'UNEXPECTED_STATUS';

/** An onboarding that did not end with credentials, with the cause to act on. */
export class OnboardingError extends Error {
  override readonly name = 'OnboardingError';
  constructor(
    /** the PS's cause (NONCE_EXPIRED, POLICY_REJECTED, ...) or a DeviceCause */
    readonly problemCause: string,
    message: string,
    /** the HTTP status when the PS refused a request; undefined otherwise */
    readonly status?: number,
    /** the session, once there is one */
    readonly sessionId?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** How long each step took, in ms (the demo's ladder). */
export interface OnboardingTimings {
  /** POST /challenges */
  challenge: number;
  /** building and signing the Evidence */
  evidence: number;
  /** POST /sessions */
  submitted: number;
  /** polling until the session was ready */
  ready: number;
  /** opening the JWE and checking the bundle (and storing it) */
  decrypted: number;
  /** POST /sessions/{id}/ack */
  acked: number;
  total: number;
}

export interface OnboardOptions {
  form: EvidenceForm;
  credentialStore: CredentialStore;
  /** the whole onboarding; default 30 s */
  timeoutMs?: number;
}

export interface OnboardingResult {
  sessionId: string;
  bundle: CredentialBundle;
  timings: OnboardingTimings;
}

/** How long one poll may wait at the PS (its maximum is 30 s). */
const LONG_POLL_SECONDS = 10;
/** The first pause between polls the PS answered early; doubled up to POLL_CAP_MS. */
const SHORT_POLL_MS = 100;
const POLL_CAP_MS = 1_000;
const DEFAULT_TIMEOUT_MS = 30_000;

export async function onboard(
  client: OnboardingClient,
  keyStore: KeyStore,
  identity: EvidenceIdentity,
  options: OnboardOptions,
): Promise<OnboardingResult> {
  const started = performance.now();
  const deadline = started + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  let mark = started;
  const lap = (): number => {
    const now = performance.now();
    const ms = Math.round((now - mark) * 100) / 100;
    mark = now;
    return ms;
  };

  const challenge = await fromPs('challenge', () => client.createChallenge(), deadline);
  const tChallenge = lap();
  const evidence = await buildEvidence(keyStore, identity, challenge.nonce, options.form);
  const tEvidence = lap();
  const idempotencyKey = randomUUID();
  const submitted = await fromPs(
    'submit',
    () => client.submitEvidence(evidence.contentType, evidence.body, idempotencyKey),
    deadline,
  );
  const sessionId = submitted.id;
  const tSubmitted = lap();

  const session = await waitUntilReady(client, sessionId, deadline);
  const tReady = lap();
  const bundle = await openCredentials(session.credentials!, evidence.cnfPrivateJwk, sessionId);
  // Stored before the ack: once acknowledged, the PS will not deliver them again.
  options.credentialStore.save(bundle, { sessionId });
  const tDecrypted = lap();
  await fromPs('ack', () => client.ack(sessionId, bundle.ackToken), deadline, sessionId);
  const tAcked = lap();

  return {
    sessionId,
    bundle,
    timings: {
      challenge: tChallenge,
      evidence: tEvidence,
      submitted: tSubmitted,
      ready: tReady,
      decrypted: tDecrypted,
      acked: tAcked,
      total: Math.round((performance.now() - started) * 100) / 100,
    },
  };
}

async function waitUntilReady(
  client: OnboardingClient,
  sessionId: string,
  deadline: number,
): Promise<OnboardingSession & { credentials: string }> {
  let pause = SHORT_POLL_MS;
  for (;;) {
    // Long polling: the PS answers when the session moves on, or after the wait.
    const asked = performance.now();
    const left = deadline - asked;
    const wait = Math.max(0, Math.min(LONG_POLL_SECONDS, Math.floor(left / 1000) - 1));
    const session = await fromPs(
      'poll',
      () => client.getSession(sessionId, wait),
      deadline,
      sessionId,
    );
    if (session.status === 'ready' && session.credentials !== undefined) {
      return session as OnboardingSession & { credentials: string };
    }
    if (session.status === 'failed') {
      const cause = session.failure?.cause ?? 'UNKNOWN';
      const detail = session.failure?.detail ?? '';
      throw new OnboardingError(
        cause,
        `the onboarding failed (${cause})${detail ? `: ${detail}` : ''}`,
        undefined,
        sessionId,
      );
    }
    if (session.status === 'delivered') {
      throw new OnboardingError(
        'UNEXPECTED_STATUS',
        'the session is already delivered: its credentials went to an earlier request',
        undefined,
        sessionId,
      );
    }
    if (deadline - performance.now() <= 0) {
      throw new OnboardingError(
        'ONBOARDING_TIMEOUT',
        `the session was still ${session.status} when the onboarding timed out`,
        undefined,
        sessionId,
      );
    }
    // Still pending before the wait was over: the deadline is near, or the PS (an older one, or
    // one shutting down) did not wait. Pause, with backoff, rather than ask again at once.
    if (performance.now() - asked < wait * 1000 - 50 || wait === 0) {
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, POLL_CAP_MS);
    }
  }
}

/**
 * Opens the credentials JWE with the cnf private key and checks the bundle strictly. Throws
 * OnboardingError CREDENTIALS_UNREADABLE (wrong algorithms, wrong key, tampered) or
 * CREDENTIALS_INVALID (the bundle is not a valid one, or its notAfter has passed); never with a
 * secret in the message.
 */
export async function openCredentials(
  jwe: string,
  cnfPrivateJwk: JWK,
  sessionId?: string,
): Promise<CredentialBundle> {
  const unreadable = (why: string, cause?: unknown) =>
    new OnboardingError(
      'CREDENTIALS_UNREADABLE',
      `the credentials cannot be opened: ${why}`,
      undefined,
      sessionId,
      cause !== undefined ? { cause } : undefined,
    );
  if (typeof jwe !== 'string' || jwe.length > MAX_JWE_CHARS) {
    throw unreadable(`expected a compact JWE of at most ${MAX_JWE_CHARS} characters`);
  }
  let plaintext: Uint8Array;
  try {
    plaintext = decryptBundleJwe(jwe, cnfPrivateJwk).plaintext;
  } catch (err) {
    if (err instanceof BundleJweError && err.reason === 'ALGORITHM') {
      throw unreadable(`expected alg ${BUNDLE_JWE_ALG} and enc ${BUNDLE_JWE_ENC}`, err);
    }
    throw unreadable('not a JWE this device can decrypt (wrong key or tampered)', err);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
  } catch {
    throw new OnboardingError(
      'CREDENTIALS_INVALID',
      'the credential bundle is not JSON',
      undefined,
      sessionId,
    );
  }
  const parsed = parseCredentialBundle(json);
  if (!parsed.ok) {
    throw new OnboardingError(
      'CREDENTIALS_INVALID',
      `the credential bundle is invalid: ${parsed.detail}`,
      undefined,
      sessionId,
    );
  }
  // The bundle parsed, so its notAfter is a date-time; 0 would count as expired all the same.
  if ((parseRfc3339(parsed.bundle.notAfter) ?? 0) <= Date.now()) {
    throw new OnboardingError(
      'CREDENTIALS_INVALID',
      `the credential bundle expired at ${parsed.bundle.notAfter}`,
      undefined,
      sessionId,
    );
  }
  return parsed.bundle;
}

/**
 * Runs one call to the PS; a refusal becomes an OnboardingError with the PS's cause. A PS that
 * does not answer (restarting: no answer, or a gateway's 502, 503, 504) is asked again with backoff
 * until the deadline: every call the device makes is safe to repeat (a new challenge; the same
 * Evidence under the same Idempotency-Key; a status read; an ack).
 */
async function fromPs<T>(
  step: string,
  call: () => Promise<T>,
  deadline: number,
  sessionId?: string,
): Promise<T> {
  let delay = RETRY_START_MS;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof SbiClientError)) throw err;
      const left = deadline - performance.now();
      if (isTransient(err) && left > 0) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
        delay = Math.min(delay * 2, RETRY_CAP_MS);
        continue;
      }
      const cause =
        err.problemCause ?? (err.status === 0 ? 'PS_UNREACHABLE' : `HTTP_${err.status}`);
      throw new OnboardingError(
        cause,
        `${step}: ${err.message}`,
        err.status === 0 ? undefined : err.status,
        sessionId,
        { cause: err },
      );
    }
  }
}

const RETRY_START_MS = 50;
const RETRY_CAP_MS = 1_000;

/** No answer, or a gateway's error page; an answer with the PS's own cause is its decision. */
function isTransient(err: SbiClientError): boolean {
  if (err.status === 0) return true;
  return err.problemCause === undefined && [502, 503, 504].includes(err.status);
}
