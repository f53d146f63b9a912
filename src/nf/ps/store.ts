// The Provisioning Server's tables: the challenges it issued (nonces), the onboarding sessions
// (the durable state machine), the ledger of every SUPI ever issued, the IMSI allocators, the
// outbox of pushes to the credentials holder, and the credentials pre-configured per UEID.
// K and OPc are sealed under the KEK (src/lib/seal.ts) wherever they are stored. Only the PS
// opens this store.
import { sql, type Kysely } from 'kysely';
import { openStore, type Migrations, type Store } from '../../store/open-store.js';
import { prepareQuery } from '../../store/prepared-query.js';
import type { StoreConfig } from '../../store/store-config.js';

export interface ChallengesTable {
  /** base64url of the 32 nonce bytes */
  nonce: string;
  issued_at: string;
  expires_at: string;
  /** when a session consumed it; a nonce is single-use */
  used_at: string | null;
}

export type SessionStatus = 'attesting' | 'provisioning' | 'ready' | 'delivered' | 'failed';

export interface SessionsTable {
  id: string;
  /** lower-case hex of the whole UEID, from the Evidence */
  ueid: string;
  status: SessionStatus;
  /** the client's Idempotency-Key, unique per UEID */
  idempotency_key: string | null;
  /** SHA-256 (hex) of the media type and the body, to tell a replay from a different request */
  request_digest: string;
  evidence_type: string;
  /** base64url of the Evidence as received (kept to appraise again after a restart) */
  evidence: string;
  /** base64url of the nonce the Evidence carries */
  nonce: string;
  /** appraisal attempts made (the DCS unreachable is retried) */
  attempts: number;
  next_attempt_at: string;
  /** while set and in the future, one worker owns the session's appraisal */
  leased_until: string | null;

  // The appraisal and the policy's decision.
  ear_status: string | null;
  device_class: string | null;
  policy_rule: string | null;
  /** the attested cnf key (from the EAR) as JWK JSON: the bundle is encrypted to it */
  cnf: string | null;

  // The credentials (set when provisioning starts).
  /** SnpnId JSON */
  snpn: string | null;
  auth_method: string | null;
  suci_scheme: string | null;
  routing_indicator: string | null;
  supi: string | null;
  /** K and OPc sealed under the KEK; wiped once the bundle is built */
  k_sealed: string | null;
  opc_sealed: string | null;
  amf: string | null;
  sqn: string | null;
  not_after: string | null;

  // Delivery.
  /** the compact JWE while ready; cleared once delivered */
  credentials: string | null;
  /** SHA-256 (hex) of the ackToken inside the bundle */
  ack_digest: string | null;

  failure_cause: string | null;
  failure_detail: string | null;
  created_at: string;
  updated_at: string;
  ready_at: string | null;
  delivered_at: string | null;
  /** set when a re-onboarding or the operator revoked this session's credentials */
  revoked_at: string | null;
}

/** Every SUPI the PS ever issued: the primary key is what makes "never issued twice" hold. */
export interface SupisTable {
  supi: string;
  ueid: string;
  session_id: string;
  issued_at: string;
}

/** One IMSI allocator per configured range: the next MSIN to try. */
export interface ImsiCountersTable {
  /** mcc+mnc:firstMsin-lastMsin */
  range_key: string;
  next_msin: number;
  last_msin: number;
}

/**
 * The outbox of pushes to the credentials holder, one row per SUPI: what the holder must end up
 * with ('put' the session's credentials, or 'delete' them) and how far that is. A change of
 * mind bumps `version`, so a push that was in flight cannot mark the new intent done.
 */
export interface OutboxTable {
  supi: string;
  /** lower-case hex, for the log events */
  ueid: string;
  session_id: string;
  operation: 'put' | 'delete';
  version: number;
  attempts: number;
  next_attempt_at: string;
  /** while set and in the future, one worker owns the row */
  leased_until: string | null;
  last_error: string | null;
  /** null while pending */
  done_at: string | null;
  created_at: string;
  updated_at: string;
}

/** Credentials imported per UEID for rules with `supi: preconfigured`; each is used once. */
export interface PreconfiguredTable {
  ueid: string;
  supi: string;
  k_sealed: string;
  opc_sealed: string;
  amf: string | null;
  sqn: string | null;
  /** the session that used them */
  used_by_session: string | null;
  created_at: string;
  updated_at: string;
}

export interface PsDatabase {
  challenges: ChallengesTable;
  sessions: SessionsTable;
  supis: SupisTable;
  imsi_counters: ImsiCountersTable;
  outbox: OutboxTable;
  preconfigured: PreconfiguredTable;
}

export const PS_MIGRATIONS: Migrations = {
  '0001_onboarding': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('challenges')
        .addColumn('nonce', 'text', (c) => c.primaryKey())
        .addColumn('issued_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema
        .createIndex('challenges_expiry')
        .on('challenges')
        .column('expires_at')
        .execute();

      let sessions = db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('ueid', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('idempotency_key', 'text')
        .addColumn('request_digest', 'text', (c) => c.notNull())
        .addColumn('evidence_type', 'text', (c) => c.notNull())
        .addColumn('evidence', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('leased_until', 'text');
      for (const column of [
        'ear_status',
        'device_class',
        'policy_rule',
        'cnf',
        'snpn',
        'auth_method',
        'suci_scheme',
        'routing_indicator',
        'supi',
        'k_sealed',
        'opc_sealed',
        'amf',
        'sqn',
        'not_after',
        'credentials',
        'ack_digest',
        'failure_cause',
        'failure_detail',
      ]) {
        sessions = sessions.addColumn(column, 'text');
      }
      await sessions
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('ready_at', 'text')
        .addColumn('delivered_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createIndex('sessions_idempotency')
        .unique()
        .on('sessions')
        .columns(['ueid', 'idempotency_key'])
        .execute();
      await db.schema
        .createIndex('sessions_ueid')
        .on('sessions')
        .columns(['ueid', 'status'])
        .execute();
      await db.schema
        .createIndex('sessions_work')
        .on('sessions')
        .columns(['status', 'next_attempt_at'])
        .execute();

      await db.schema
        .createTable('supis')
        .addColumn('supi', 'text', (c) => c.primaryKey())
        .addColumn('ueid', 'text', (c) => c.notNull())
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('imsi_counters')
        .addColumn('range_key', 'text', (c) => c.primaryKey())
        .addColumn('next_msin', 'bigint', (c) => c.notNull())
        .addColumn('last_msin', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('outbox')
        .addColumn('supi', 'text', (c) => c.primaryKey())
        .addColumn('ueid', 'text', (c) => c.notNull())
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('leased_until', 'text')
        .addColumn('last_error', 'text')
        .addColumn('done_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('outbox_pending')
        .on('outbox')
        .columns(['done_at', 'next_attempt_at'])
        .execute();

      await db.schema
        .createTable('preconfigured')
        .addColumn('ueid', 'text', (c) => c.primaryKey())
        .addColumn('supi', 'text', (c) => c.notNull().unique())
        .addColumn('k_sealed', 'text', (c) => c.notNull())
        .addColumn('opc_sealed', 'text', (c) => c.notNull())
        .addColumn('amf', 'text')
        .addColumn('sqn', 'text')
        .addColumn('used_by_session', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
};

export type PsStore = Store<PsDatabase>;

export function openPsStore(config: StoreConfig): Promise<PsStore> {
  return openStore<PsDatabase>(config, 'ps', PS_MIGRATIONS);
}

/**
 * Runs `work` in one transaction that may write. On SQLite it begins IMMEDIATE, so a second
 * process of the PS waits for the write lock up front instead of failing half-way (a deferred
 * transaction that reads first cannot upgrade past a concurrent writer). Never call the network
 * inside: the transaction holds the store.
 */
export async function writeTransaction<T>(
  store: PsStore,
  work: (trx: Kysely<PsDatabase>) => Promise<T>,
): Promise<T> {
  // Two sessions of one UEID accepted at once lock the same rows in different orders; PostgreSQL
  // breaks such a deadlock by aborting one transaction, which then simply runs again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await runTransaction(store, work);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (attempt >= 3 || (code !== '40P01' && code !== '40001')) throw err;
    }
  }
}

function runTransaction<T>(
  store: PsStore,
  work: (trx: Kysely<PsDatabase>) => Promise<T>,
): Promise<T> {
  return store.db.connection().execute(async (conn) => {
    await sql.raw(store.kind === 'sqlite' ? 'begin immediate' : 'begin').execute(conn);
    try {
      const result = await work(conn);
      await sql.raw('commit').execute(conn);
      return result;
    } catch (err) {
      await sql.raw('rollback').execute(conn);
      throw err;
    }
  });
}

/** Key space of the PS's per-UEID advisory locks (PostgreSQL's two-key form). */
const UEID_LOCK_CLASS = 0x707301;

/**
 * Serialises, per UEID, the transactions that change several of its sessions at once (accepting
 * one supersedes the others; a ready one revokes older ones), so that two of them can never wait
 * on each other's rows. SQLite needs nothing: BEGIN IMMEDIATE admits one writer at a time.
 */
export async function lockUeid(
  store: PsStore,
  trx: Kysely<PsDatabase>,
  ueid: string,
): Promise<void> {
  if (store.kind === 'postgres') {
    await sql`select pg_advisory_xact_lock(${UEID_LOCK_CLASS}, hashtext(${ueid}))`.execute(trx);
  }
}

/** A session's whole row by id, prepared (src/store/prepared-query.ts) by each service that reads it. */
export function prepareSessionById(db: Kysely<PsDatabase>) {
  return prepareQuery(db, (qb, p: { id: string }) =>
    qb.selectFrom('sessions').selectAll().where('id', '=', p.id),
  );
}
