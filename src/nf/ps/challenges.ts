// The nonce store: the challenges the PS issues, each 32 random bytes, single use, with an
// expiry. Stored durably, so a challenge issued before a restart can still be answered after it
// and a nonce used before a restart is still refused after it.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { toBase64url } from '../../lib/bytes.js';
import { batchInserter } from '../../store/batch-insert.js';
import { GroupCommit } from '../../store/group-commit.js';
import { prepareQuery } from '../../store/prepared-query.js';
import { OnboardingFailure } from './causes.js';
import type { PsDatabase, PsStore } from './store.js';

export const NONCE_BYTES = 32;
/** How long a used or expired nonce is remembered, to answer NONCE_REUSED/EXPIRED precisely. */
const RETENTION_MS = 24 * 3_600_000;

export interface Challenge {
  /** base64url of 32 random bytes */
  nonce: string;
  /** RFC 3339 */
  expiresAt: string;
}

export class ChallengeStore {
  readonly #insert;
  readonly #select;
  readonly #markUsed;

  constructor(
    private readonly store: PsStore,
    private readonly lifetimeMs: number,
    private readonly clock: () => number,
  ) {
    // Challenges asked for while the event loop turns are written in one INSERT and one commit;
    // each is answered once its row has committed.
    this.#insert = new GroupCommit(
      batchInserter(store.db, 'challenges', ['nonce', 'issued_at', 'expires_at', 'used_at']),
    );
    this.#select = prepareQuery(store.db, (db, p: { nonce: string }) =>
      db.selectFrom('challenges').selectAll().where('nonce', '=', p.nonce),
    );
    this.#markUsed = prepareQuery(store.db, (db, p: { nonce: string; now: string }) =>
      db
        .updateTable('challenges')
        .set({ used_at: p.now })
        .where('nonce', '=', p.nonce)
        .where('used_at', 'is', null),
    );
  }

  async issue(): Promise<Challenge> {
    const now = this.clock();
    const challenge = {
      nonce: toBase64url(randomBytes(NONCE_BYTES)),
      expiresAt: new Date(now + this.lifetimeMs).toISOString(),
    };
    await this.#insert.add({
      nonce: challenge.nonce,
      issued_at: new Date(now).toISOString(),
      expires_at: challenge.expiresAt,
      used_at: null,
    });
    return challenge;
  }

  /**
   * Consumes a nonce inside the caller's transaction (the one that creates the session), so a
   * nonce is used by exactly one session. Returns when it was issued; throws OnboardingFailure
   * NONCE_UNKNOWN, NONCE_REUSED or NONCE_EXPIRED.
   */
  async consume(trx: Kysely<PsDatabase>, nonce: string): Promise<{ issuedAt: number }> {
    const now = new Date(this.clock()).toISOString();
    const row = await this.#select.takeFirst(trx, { nonce });
    if (!row) {
      throw new OnboardingFailure(
        'NONCE_UNKNOWN',
        'the Evidence carries a nonce this PS did not issue (or issued long ago): fetch a new challenge',
      );
    }
    if (row.used_at !== null) {
      throw new OnboardingFailure(
        'NONCE_REUSED',
        'this nonce was used by an earlier session: fetch a new challenge for every Evidence',
      );
    }
    if (row.expires_at <= now) {
      throw new OnboardingFailure(
        'NONCE_EXPIRED',
        `the nonce expired at ${row.expires_at}: fetch a new challenge and answer it sooner`,
      );
    }
    if ((await this.#markUsed.affected(trx, { nonce, now })) === 0n) {
      throw new OnboardingFailure('NONCE_REUSED', 'this nonce was used by a concurrent session');
    }
    return { issuedAt: Date.parse(row.issued_at) };
  }

  /** Forgets challenges that expired more than a day ago. */
  async purge(): Promise<number> {
    const before = new Date(this.clock() - RETENTION_MS).toISOString();
    const result = await this.store.db
      .deleteFrom('challenges')
      .where('expires_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
