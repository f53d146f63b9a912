// The onboarding API's service (Step 1 and the ends of Step 2): challenges, sessions, status
// and acknowledgement. A session is a durable state machine:
//
//   attesting --(EAR accepted)--> provisioning --(UDM has the credentials)--> ready --(ack)--> delivered
//       \_______________________________\______________________________________\__> failed
//
// POST /sessions consumes the nonce and records the session in one transaction, then has the
// Evidence appraised (appraisal.ts) and, on acceptance, issues credentials and queues their push
// in one more (provisioning.ts). The worker (worker.ts) pushes, and picks up whatever a crash
// interrupted: an appraisal still "attesting" is run again from the stored Evidence.
import { RECHECK_MS, SessionWatch } from './session-watch.js';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { fromBase64url } from '../../lib/bytes.js';
import type { SnpnId } from '../../lib/onboarding/credential-bundle.js';
import { prepareQuery } from '../../store/prepared-query.js';
import type { Appraiser } from './appraisal.js';
import {
  OnboardingFailure,
  TransientFailure,
  onboardingProblem,
  type OnboardingCause,
} from './causes.js';
import type { Challenge, ChallengeStore } from './challenges.js';
import type { ProvisioningConfig } from './config.js';
import { readEvidence, type EvidenceMediaType, type ReceivedEvidence } from './evidence.js';
import { backoffMs } from './outbox.js';
import { ackDigest, type Provisioning } from './provisioning.js';
import {
  prepareSessionById,
  writeTransaction,
  type PsStore,
  type SessionStatus,
  type SessionsTable,
} from './store.js';

export const SESSIONS_PATH = '/onboarding/v1/sessions';

/** The statuses a long poll waits out. */
const PENDING: SessionStatus[] = ['attesting', 'provisioning'];

export interface SessionView {
  id: string;
  status: SessionStatus;
  /** compact JWE of the credential bundle, while ready */
  credentials?: string;
  failure?: { cause: string; detail: string };
}

export interface DeviceSession {
  id: string;
  status: SessionStatus;
  supi?: string;
  snpn?: SnpnId;
  policyRule?: string;
  earStatus?: string;
  failure?: { cause: string; detail: string };
  createdAt: string;
  readyAt?: string;
  deliveredAt?: string;
  revokedAt?: string;
}

export class OnboardingService {
  readonly #insertSession;
  readonly #sessionById;
  readonly #sessionView;
  readonly #sessionByIdempotencyKey;
  readonly #markDelivered;

  constructor(
    private readonly store: PsStore,
    private readonly challenges: ChallengeStore,
    private readonly appraiser: Appraiser,
    private readonly provisioning: Provisioning,
    private readonly config: ProvisioningConfig,
    private readonly log: FastifyBaseLogger,
    private readonly clock: () => number,
    /** how long the request owns a new session's appraisal before the worker may take it over */
    private readonly leaseMs: number,
    /** tells the worker there is work */
    private readonly wake: () => void,
    /** wakes the UEs long-polling a session whose status changes */
    private readonly watch: SessionWatch = new SessionWatch(),
  ) {
    this.#insertSession = prepareQuery(store.db, (db, p: NewSession) =>
      db.insertInto('sessions').values({
        ...EMPTY_SESSION,
        id: p.id,
        ueid: p.ueid,
        status: 'attesting',
        idempotency_key: p.idempotency_key,
        request_digest: p.request_digest,
        evidence_type: p.evidence_type,
        evidence: p.evidence,
        nonce: p.nonce,
        attempts: 1,
        next_attempt_at: p.next_attempt_at,
        leased_until: p.leased_until,
        created_at: p.created_at,
        updated_at: p.updated_at,
      }),
    );
    this.#sessionById = prepareSessionById(store.db);
    // What the UE sees of its session: read on every poll, without the Evidence and the rest.
    this.#sessionView = prepareQuery(store.db, (db, p: { id: string }) =>
      db.selectFrom('sessions').select(VIEW_COLUMNS).where('id', '=', p.id),
    );
    this.#sessionByIdempotencyKey = prepareQuery(store.db, (db, p: { ueid: string; key: string }) =>
      db
        .selectFrom('sessions')
        .selectAll()
        .where('ueid', '=', p.ueid)
        .where('idempotency_key', '=', p.key),
    );
    this.#markDelivered = prepareQuery(store.db, (db, p: { id: string; now: string }) =>
      db
        .updateTable('sessions')
        .set({ status: 'delivered', credentials: null, delivered_at: p.now, updated_at: p.now })
        .where('id', '=', p.id)
        .where('status', '=', 'ready'),
    );
  }

  issueChallenge(): Promise<Challenge> {
    return this.challenges.issue();
  }

  /**
   * Takes Evidence, returns the session. A session refused or failed answers with its cause as
   * a ProblemError; so does a replay (same Idempotency-Key and body) of such a session.
   */
  async submitEvidence(
    type: EvidenceMediaType,
    body: Uint8Array,
    idempotencyKey?: string,
  ): Promise<SessionView> {
    let evidence: ReceivedEvidence;
    try {
      evidence = readEvidence(type, body);
    } catch (err) {
      throw asProblem(err);
    }
    const digest = createHash('sha256').update(type).update('\n').update(body).digest('hex');
    if (idempotencyKey !== undefined) {
      const replay = await this.#replay(evidence.ueid, idempotencyKey, digest);
      if (replay) return replay;
    }

    const now = this.clock();
    let session: SessionsTable;
    try {
      session = await writeTransaction(this.store, async (trx) => {
        const { issuedAt } = await this.challenges.consume(trx, evidence.nonce);
        if (evidence.issuedAt < issuedAt - this.config.onboarding.clockSkewMs) {
          throw new OnboardingFailure(
            'EVIDENCE_STALE',
            `the Evidence's iat (${new Date(evidence.issuedAt).toISOString()}) is older than its nonce; make Evidence for each challenge`,
          );
        }
        const created: NewSession = {
          id: randomUUID(),
          ueid: evidence.ueid,
          idempotency_key: idempotencyKey ?? null,
          request_digest: digest,
          evidence_type: type,
          evidence: evidence.value,
          nonce: evidence.nonce,
          next_attempt_at: new Date(now).toISOString(),
          leased_until: new Date(now + this.leaseMs).toISOString(),
          created_at: new Date(now).toISOString(),
          updated_at: new Date(now).toISOString(),
        };
        await this.#insertSession.execute(trx, created);
        const row: SessionsTable = {
          ...EMPTY_SESSION,
          ...created,
          status: 'attesting',
          attempts: 1,
        };
        return row;
      });
    } catch (err) {
      // A concurrent request with the same key won the race: answer with its session.
      if (
        idempotencyKey !== undefined &&
        (isUniqueViolation(err) || isCause(err, 'NONCE_REUSED'))
      ) {
        const replay = await this.#replay(evidence.ueid, idempotencyKey, digest);
        if (replay) return replay;
      }
      if (err instanceof OnboardingFailure) {
        this.log.info(
          { event: 'evidence-refused', ueid: evidence.ueid, cause: err.code },
          err.detail,
        );
      }
      throw asProblem(err);
    }
    this.log.info(
      { event: 'session', ueid: session.ueid, sessionId: session.id, type },
      'Evidence received',
    );
    await this.appraiseAndProvision(session, evidence);
    return this.#viewOrProblem(
      await this.#sessionView.takeFirst(this.store.db, { id: session.id }),
    );
  }

  /**
   * Step 1 and the start of Step 2 for one attesting session: appraisal, policy, credentials.
   * Used by the request that created the session and by the worker after a restart.
   */
  async appraiseAndProvision(session: SessionsTable, evidence?: ReceivedEvidence): Promise<void> {
    const received =
      evidence ??
      readEvidence(session.evidence_type as EvidenceMediaType, fromBase64url(session.evidence)!);
    const nonce = fromBase64url(session.nonce)!;
    const context = { ueid: session.ueid, sessionId: session.id };
    try {
      const accepted = await this.appraiser.appraise(received, nonce);
      this.log.info(
        {
          event: 'appraisal',
          ...context,
          status: accepted.status,
          vector: accepted.trustworthinessVector,
          rule: accepted.rule.name,
        },
        'Evidence appraised and accepted by the provisioning policy',
      );
      const begun = await writeTransaction(this.store, (trx) =>
        this.provisioning.begin(trx, session, accepted),
      );
      if (begun) this.wake();
    } catch (err) {
      if (err instanceof TransientFailure) return this.#appraiseLater(session, err);
      if (!(err instanceof OnboardingFailure)) throw err;
      this.log.info(
        { event: 'appraisal', ...context, cause: err.code, detail: err.detail },
        'onboarding refused',
      );
      await writeTransaction(this.store, (trx) =>
        this.provisioning.fail(trx, session.id, err.code, err.detail),
      );
    }
  }

  /** The DCS did not answer: the worker tries again after a backoff, or the session fails. */
  async #appraiseLater(session: SessionsTable, err: TransientFailure): Promise<void> {
    const retry = this.config.retry;
    if (session.attempts >= retry.maxAttempts) {
      const detail = `the DCS could not appraise the Evidence in ${session.attempts} attempts: ${err.message}`;
      this.log.warn(
        {
          event: 'appraisal',
          ueid: session.ueid,
          sessionId: session.id,
          cause: 'VERIFIER_UNAVAILABLE',
        },
        detail,
      );
      await writeTransaction(this.store, (trx) =>
        this.provisioning.fail(trx, session.id, 'VERIFIER_UNAVAILABLE', detail),
      );
      return;
    }
    const next = new Date(this.clock() + backoffMs(session.attempts, retry)).toISOString();
    this.log.warn(
      {
        event: 'appraisal-retry',
        ueid: session.ueid,
        sessionId: session.id,
        attempt: session.attempts,
        reason: err.message,
      },
      'the DCS did not answer; the appraisal is retried later',
    );
    await this.store.db
      .updateTable('sessions')
      .set({
        next_attempt_at: next,
        leased_until: null,
        updated_at: new Date(this.clock()).toISOString(),
      })
      .where('id', '=', session.id)
      .where('status', '=', 'attesting')
      .execute();
  }

  /** The worker's share: attesting sessions whose owner is gone (a crash) or that wait for a retry. */
  async claimAppraisals(limit: number): Promise<SessionsTable[]> {
    if (limit <= 0) return [];
    const { db } = this.store;
    const now = new Date(this.clock()).toISOString();
    const lease = new Date(this.clock() + this.leaseMs).toISOString();
    const due = db
      .selectFrom('sessions')
      .select('id')
      .where('status', '=', 'attesting')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('leased_until', 'is', null), eb('leased_until', '<', now)]))
      .limit(limit);
    return db
      .updateTable('sessions')
      .set((eb) => ({ leased_until: lease, attempts: eb('attempts', '+', 1), updated_at: now }))
      .where('id', 'in', due)
      .where('status', '=', 'attesting')
      .where((eb) => eb.or([eb('leased_until', 'is', null), eb('leased_until', '<', now)]))
      .returningAll()
      .execute();
  }

  /**
   * The session's view. With waitMs, an attesting or provisioning session is answered once it
   * moves on, or when waitMs has passed (long polling: one request instead of many polls).
   */
  async status(id: string, waitMs = 0): Promise<SessionView> {
    const deadline = performance.now() + waitMs;
    for (;;) {
      const row = await this.#sessionView.takeFirst(this.store.db, { id });
      if (!row) throw onboardingProblem('SESSION_NOT_FOUND', `there is no session ${id}`);
      const left = deadline - performance.now();
      if (!PENDING.includes(row.status) || left <= 0 || this.watch.closed) return view(row);
      await this.watch.next(id, Math.min(left, RECHECK_MS));
    }
  }

  /** The UE proves it opened the bundle: ready -> delivered. Repeating it is harmless. */
  async acknowledge(id: string, ackToken: string): Promise<void> {
    const row = await this.#load(id);
    if (!row) throw onboardingProblem('SESSION_NOT_FOUND', `there is no session ${id}`);
    const instance = `${SESSIONS_PATH}/${id}`;
    if (row.status === 'failed') {
      throw onboardingProblem(
        'SESSION_FAILED',
        `the session failed (${row.failure_cause ?? 'unknown'}): nothing to acknowledge`,
        instance,
      );
    }
    if (row.status !== 'ready' && row.status !== 'delivered') {
      throw onboardingProblem(
        'SESSION_NOT_READY',
        `the session is ${row.status}: poll until it is ready`,
        instance,
      );
    }
    if (!digestsEqual(row.ack_digest, ackDigest(ackToken))) {
      this.log.warn(
        { event: 'delivery', ueid: row.ueid, sessionId: id, cause: 'ACK_TOKEN_INVALID' },
        'acknowledgement refused',
      );
      throw onboardingProblem(
        'ACK_TOKEN_INVALID',
        "this is not the ackToken of the session's credential bundle",
        instance,
      );
    }
    if (row.status === 'delivered') return;
    const now = new Date(this.clock()).toISOString();
    if ((await this.#markDelivered.affected(this.store.db, { id, now })) === 0n) {
      return this.acknowledge(id, ackToken);
    }
    this.log.info(
      { event: 'delivery', ueid: row.ueid, sessionId: id, supi: row.supi },
      'credentials delivered and acknowledged',
    );
  }

  /** The operator's view of a device's sessions, newest first. */
  async sessionsOf(ueid: string): Promise<DeviceSession[]> {
    const rows = await this.store.db
      .selectFrom('sessions')
      .selectAll()
      .where('ueid', '=', ueid)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(100)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      status: r.status,
      ...(r.supi !== null ? { supi: r.supi } : {}),
      ...(r.snpn !== null ? { snpn: JSON.parse(r.snpn) as SnpnId } : {}),
      ...(r.policy_rule !== null ? { policyRule: r.policy_rule } : {}),
      ...(r.ear_status !== null ? { earStatus: r.ear_status } : {}),
      ...(r.status === 'failed'
        ? { failure: { cause: r.failure_cause ?? 'UNKNOWN', detail: r.failure_detail ?? '' } }
        : {}),
      createdAt: r.created_at,
      ...(r.ready_at !== null ? { readyAt: r.ready_at } : {}),
      ...(r.delivered_at !== null ? { deliveredAt: r.delivered_at } : {}),
      ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
    }));
  }

  async #replay(ueid: string, key: string, digest: string): Promise<SessionView | undefined> {
    const row = await this.#sessionByIdempotencyKey.takeFirst(this.store.db, { ueid, key });
    if (!row) return undefined;
    if (row.request_digest !== digest) {
      throw onboardingProblem(
        'IDEMPOTENCY_KEY_MISMATCH',
        'this Idempotency-Key was used with different Evidence; use a new key for a new request',
        `${SESSIONS_PATH}/${row.id}`,
      );
    }
    return this.#viewOrProblem(row);
  }

  #viewOrProblem(row: SessionViewRow | undefined): SessionView {
    if (!row) throw new Error('a session vanished');
    if (row.status === 'failed') {
      throw onboardingProblem(
        row.failure_cause as OnboardingCause,
        row.failure_detail ?? 'the onboarding failed',
        `${SESSIONS_PATH}/${row.id}`,
      );
    }
    return view(row);
  }

  #load(id: string): Promise<SessionsTable | undefined> {
    return this.#sessionById.takeFirst(this.store.db, { id });
  }
}

const VIEW_COLUMNS = ['id', 'status', 'credentials', 'failure_cause', 'failure_detail'] as const;
type SessionViewRow = Pick<SessionsTable, (typeof VIEW_COLUMNS)[number]>;

export function view(row: SessionViewRow): SessionView {
  return {
    id: row.id,
    status: row.status,
    ...(row.status === 'ready' && row.credentials !== null ? { credentials: row.credentials } : {}),
    ...(row.status === 'failed'
      ? { failure: { cause: row.failure_cause ?? 'UNKNOWN', detail: row.failure_detail ?? '' } }
      : {}),
  };
}

/** What a new session's row holds beyond the constants (attesting, first attempt, all else null). */
type NewSession = Pick<
  SessionsTable,
  | 'id'
  | 'ueid'
  | 'idempotency_key'
  | 'request_digest'
  | 'evidence_type'
  | 'evidence'
  | 'nonce'
  | 'next_attempt_at'
  | 'leased_until'
  | 'created_at'
  | 'updated_at'
>;

const EMPTY_SESSION = {
  ear_status: null,
  device_class: null,
  policy_rule: null,
  cnf: null,
  snpn: null,
  auth_method: null,
  suci_scheme: null,
  routing_indicator: null,
  supi: null,
  k_sealed: null,
  opc_sealed: null,
  amf: null,
  sqn: null,
  not_after: null,
  credentials: null,
  ack_digest: null,
  failure_cause: null,
  failure_detail: null,
  ready_at: null,
  delivered_at: null,
  revoked_at: null,
} as const;

function asProblem(err: unknown): unknown {
  return err instanceof OnboardingFailure ? onboardingProblem(err.code, err.detail) : err;
}

function isCause(err: unknown, cause: OnboardingCause): boolean {
  return err instanceof OnboardingFailure && err.code === cause;
}

/** SQLite (SQLITE_CONSTRAINT_UNIQUE / PRIMARYKEY) or PostgreSQL (23505) unique violation. */
function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === '23505' || (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT'));
}

function digestsEqual(stored: string | null, given: string): boolean {
  if (stored === null) return false;
  return timingSafeEqual(Buffer.from(stored, 'hex'), Buffer.from(given, 'hex'));
}
