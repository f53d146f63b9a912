// The onboarding API's typed client (/onboarding/v1): what a UE calls before it has credentials.
// Unauthenticated, like the API. Errors are SbiClientError carrying the PS's ProblemDetails, so the
// device can act on `cause` (NONCE_EXPIRED, UEID_UNKNOWN, POLICY_REJECTED, ...).
import { fromBase64url } from '../../lib/bytes.js';
import { SbiClient, SbiClientError } from '../../sbi/client.js';
import { ONBOARDING_PREFIX } from './routes-onboarding.js';

export type OnboardingStatus = 'attesting' | 'provisioning' | 'ready' | 'delivered' | 'failed';
const STATUSES: readonly string[] = [
  'attesting',
  'provisioning',
  'ready',
  'delivered',
  'failed',
] satisfies OnboardingStatus[];

export type EvidenceContentType = 'application/eat+cwt' | 'application/eat+jwt';

export interface Challenge {
  /** the nonce bytes to put in the Evidence's eat_nonce */
  nonce: Uint8Array;
  /** RFC 3339 */
  expiresAt: string;
}

export interface OnboardingSession {
  id: string;
  status: OnboardingStatus;
  /** when ready: the compact JWE of the credential bundle, encrypted to the Evidence's cnf key */
  credentials?: string;
  /** when failed: the PS's cause and what it means */
  failure?: { cause: string; detail: string };
}

export interface OnboardingClientOptions {
  baseUrl: string;
  /** per request; default 10 s */
  timeoutMs?: number;
}

export class OnboardingClient {
  readonly #sbi: SbiClient;
  readonly #timeoutMs: number;

  constructor(options: OnboardingClientOptions) {
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#sbi = new SbiClient({
      baseUrl: options.baseUrl,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  }

  /** POST /challenges: a fresh single-use nonce. */
  async createChallenge(): Promise<Challenge> {
    const where = `POST ${ONBOARDING_PREFIX}/challenges`;
    const { status, body } = await this.#sbi.request<{ nonce?: unknown; expiresAt?: unknown }>(
      'POST',
      `${ONBOARDING_PREFIX}/challenges`,
      { expect: [201] },
    );
    const nonce = fromBase64url(body?.nonce);
    if (nonce === undefined || nonce.length === 0 || typeof body?.expiresAt !== 'string') {
      throw badResponse(where, status, 'a challenge needs nonce (base64url) and expiresAt');
    }
    return { nonce, expiresAt: body.expiresAt };
  }

  /** POST /sessions with the Evidence as it is (CBOR bytes or JWS text) and its media type. */
  async submitEvidence(
    contentType: EvidenceContentType,
    body: Uint8Array | string,
    idempotencyKey?: string,
  ): Promise<{ id: string; status: OnboardingStatus }> {
    const where = `POST ${ONBOARDING_PREFIX}/sessions`;
    const response = await this.#sbi.request<{ id?: unknown; status?: unknown }>(
      'POST',
      `${ONBOARDING_PREFIX}/sessions`,
      {
        body,
        contentType,
        ...(idempotencyKey !== undefined ? { headers: { 'idempotency-key': idempotencyKey } } : {}),
        expect: [202],
      },
    );
    const { id, status } = response.body ?? {};
    if (typeof id !== 'string' || id.length === 0 || !isStatus(status)) {
      throw badResponse(where, response.status, 'a session needs id and a known status');
    }
    return { id, status };
  }

  /**
   * GET /sessions/{id}: the session's status, and its credentials when ready. With waitSeconds
   * the PS answers once an attesting or provisioning session moves on, or after that long.
   */
  async getSession(id: string, waitSeconds = 0): Promise<OnboardingSession> {
    const path =
      `${ONBOARDING_PREFIX}/sessions/${encodeURIComponent(id)}` +
      (waitSeconds > 0 ? `?wait=${waitSeconds}` : '');
    const response = await this.#sbi.request<Record<string, unknown> | undefined>('GET', path, {
      expect: [200],
      ...(waitSeconds > 0 ? { timeoutMs: waitSeconds * 1000 + this.#timeoutMs } : {}),
    });
    const b = response.body ?? {};
    const bad = (why: string) => badResponse(`GET ${path}`, response.status, why);
    if (typeof b.id !== 'string' || !isStatus(b.status)) throw bad('a session needs id and status');
    const session: OnboardingSession = { id: b.id, status: b.status };
    if (b.credentials !== undefined) {
      if (typeof b.credentials !== 'string') throw bad('credentials is not a compact JWE');
      session.credentials = b.credentials;
    }
    if (b.failure !== undefined) {
      const f = b.failure as { cause?: unknown; detail?: unknown } | null;
      if (typeof f?.cause !== 'string') throw bad('failure needs a cause');
      session.failure = { cause: f.cause, detail: typeof f.detail === 'string' ? f.detail : '' };
    }
    return session;
  }

  /** POST /sessions/{id}/ack with the bundle's ackToken: the session becomes delivered. */
  async ack(id: string, ackToken: string): Promise<void> {
    await this.#sbi.request('POST', `${ONBOARDING_PREFIX}/sessions/${encodeURIComponent(id)}/ack`, {
      json: { ackToken },
      expect: [204],
    });
  }
}

function isStatus(value: unknown): value is OnboardingStatus {
  return typeof value === 'string' && STATUSES.includes(value);
}

function badResponse(where: string, status: number, why: string): SbiClientError {
  return new SbiClientError(`${where} answered an unexpected body: ${why}`, status, {
    title: 'Bad response',
    status,
  });
}
