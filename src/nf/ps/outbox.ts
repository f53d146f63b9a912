// The outbox of pushes to the credentials holder. One row per SUPI says what the holder must end
// up with, 'put' (the session's credentials) or 'delete', and is worked off by the worker with
// retries and exponential backoff. Rows are written in the same transaction as the session
// change that calls for them, so a crash never loses a push nor leaves one unrecorded; a push
// that did happen before a crash is simply repeated, which the holder's PUT and DELETE absorb.
//
// A change of intent (a session fails after its push: compensation; a re-onboarding revokes the
// old SUPI) bumps `version`: a push still in flight under the old version cannot mark the new
// intent done, and the row is worked again, in order, once that push returned.
import type { Kysely } from 'kysely';
import { prepareQuery } from '../../store/prepared-query.js';
import type { OutboxTable, PsDatabase, PsStore } from './store.js';

export interface RetrySettings {
  maxAttempts: number;
  firstRetryMs: number;
  maxRetryMs: number;
}

/** A claimed row: `lease` identifies this claim when the row is released. */
export type OutboxItem = OutboxTable & { lease: string };

export class Outbox {
  readonly #insertPut;
  readonly #complete;

  constructor(
    private readonly store: PsStore,
    private readonly retry: RetrySettings,
    private readonly leaseMs: number,
    private readonly clock: () => number,
  ) {
    this.#insertPut = prepareQuery(
      store.db,
      (db, p: { supi: string; ueid: string; sessionId: string; now: string }) =>
        db.insertInto('outbox').values({
          supi: p.supi,
          ueid: p.ueid,
          session_id: p.sessionId,
          operation: 'put',
          version: 1,
          attempts: 0,
          next_attempt_at: p.now,
          leased_until: null,
          last_error: null,
          done_at: null,
          created_at: p.now,
          updated_at: p.now,
        }),
    );
    this.#complete = prepareQuery(
      store.db,
      (db, p: { supi: string; version: number; now: string }) =>
        db
          .updateTable('outbox')
          .set({ done_at: p.now, leased_until: null, last_error: null, updated_at: p.now })
          .where('supi', '=', p.supi)
          .where('version', '=', p.version),
    );
  }

  /** Queues the push of a new SUPI's credentials (in the provisioning transaction). */
  async enqueuePut(
    trx: Kysely<PsDatabase>,
    supi: string,
    session: { id: string; ueid: string },
  ): Promise<void> {
    await this.#insertPut.execute(trx, {
      supi,
      ueid: session.ueid,
      sessionId: session.id,
      now: this.#iso(),
    });
  }

  /**
   * The holder must not keep this SUPI (compensation or revocation). A put never attempted is
   * simply cancelled: nothing reached the holder. Returns whether a delete was queued.
   */
  async requestDelete(trx: Kysely<PsDatabase>, supi: string): Promise<boolean> {
    const row = await trx
      .selectFrom('outbox')
      .selectAll()
      .where('supi', '=', supi)
      .executeTakeFirst();
    if (!row || row.operation === 'delete') return false;
    const now = this.#iso();
    const neverSent = row.attempts === 0 && row.done_at === null && row.leased_until === null;
    await trx
      .updateTable('outbox')
      .set({
        operation: 'delete',
        version: row.version + 1,
        attempts: 0,
        next_attempt_at: now,
        last_error: null,
        done_at: neverSent ? now : null,
        updated_at: now,
      })
      .where('supi', '=', supi)
      .execute();
    return !neverSent;
  }

  /**
   * Claims up to `limit` due rows for this worker: each gets a lease (so no other worker, in this
   * process or another, works it meanwhile) and one more attempt counted.
   */
  async claim(limit: number): Promise<OutboxItem[]> {
    if (limit <= 0) return [];
    const { db } = this.store;
    const now = this.#iso();
    const lease = new Date(this.clock() + this.leaseMs).toISOString();
    const due = db
      .selectFrom('outbox')
      .select('supi')
      .where('done_at', 'is', null)
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('leased_until', 'is', null), eb('leased_until', '<', now)]))
      .orderBy('next_attempt_at')
      .limit(limit);
    const rows = await db
      .updateTable('outbox')
      .set((eb) => ({ leased_until: lease, attempts: eb('attempts', '+', 1), updated_at: now }))
      .where('supi', 'in', due)
      .where('done_at', 'is', null)
      .where((eb) => eb.or([eb('leased_until', 'is', null), eb('leased_until', '<', now)]))
      .returningAll()
      .execute();
    return rows.map((r) => ({ ...r, lease }));
  }

  /**
   * Marks the claimed intent done, inside the caller's transaction; false when the intent
   * changed meanwhile (the row is then released to be worked again).
   */
  async complete(trx: Kysely<PsDatabase>, item: OutboxItem): Promise<boolean> {
    const now = this.#iso();
    const done = await this.#complete.affected(trx, {
      supi: item.supi,
      version: item.version,
      now,
    });
    if (done > 0n) return true;
    await this.#release(trx, item, now);
    return false;
  }

  /**
   * Schedules another attempt after a failure: exponential backoff with jitter. Returns
   * 'exhausted' when the attempts are used up (the caller decides; the row stays leased).
   */
  async retryLater(item: OutboxItem, error: string): Promise<'scheduled' | 'exhausted'> {
    if (item.attempts >= this.retry.maxAttempts && item.operation === 'put') return 'exhausted';
    const now = this.clock();
    const next = new Date(now + backoffMs(item.attempts, this.retry)).toISOString();
    const updated = await this.store.db
      .updateTable('outbox')
      .set({
        next_attempt_at: next,
        leased_until: null,
        last_error: error.slice(0, 500),
        updated_at: new Date(now).toISOString(),
      })
      .where('supi', '=', item.supi)
      .where('version', '=', item.version)
      .where('leased_until', '=', item.lease)
      .executeTakeFirst();
    // The intent changed meanwhile: the new one is due now, not after this one's backoff.
    if (updated.numUpdatedRows === 0n) await this.release(item);
    return 'scheduled';
  }

  /** Lets go of a claimed row without recording anything (e.g. its session moved on). */
  async release(item: OutboxItem): Promise<void> {
    await this.#release(this.store.db, item, this.#iso());
  }

  /** Pending rows, for the operator's view and the tests. */
  async pending(): Promise<OutboxTable[]> {
    return this.store.db.selectFrom('outbox').selectAll().where('done_at', 'is', null).execute();
  }

  async #release(db: Kysely<PsDatabase>, item: OutboxItem, now: string): Promise<void> {
    await db
      .updateTable('outbox')
      .set({ leased_until: null, updated_at: now })
      .where('supi', '=', item.supi)
      .where('leased_until', '=', item.lease)
      .execute();
  }

  #iso(): string {
    return new Date(this.clock()).toISOString();
  }
}

/** The delay before attempt n+1: first * 2^(n-1), capped, with ±20 % jitter. */
export function backoffMs(attempts: number, retry: RetrySettings): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const base = Math.min(retry.firstRetryMs * 2 ** exponent, retry.maxRetryMs);
  return Math.round(base * (0.8 + 0.4 * Math.random()));
}
