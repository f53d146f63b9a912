// A read-only SQLite connection of its own, for a small query asked on every request (the DCS
// reads its endorsement counter once per appraisal). Through Kysely such a read waits its turn on
// the function's one connection and costs about 20 µs of query building; here it is one prepared
// statement. Being a connection of its own, it never runs inside another caller's open
// transaction, so it sees only what has committed.
import SQLite from 'better-sqlite3';
import { statementCache } from './open-store.js';

export class SqliteCommittedReader {
  readonly #db: SQLite.Database;
  readonly #statement: (sqlText: string) => SQLite.Statement;

  /** `file` must exist already: the function's store opened and migrated it. */
  constructor(file: string) {
    this.#db = new SQLite(file, { readonly: true, fileMustExist: true });
    // A checkpoint of another connection may hold a lock for a moment.
    this.#db.pragma('busy_timeout = 5000');
    this.#statement = statementCache(this.#db);
  }

  /** The first row of a query, or undefined when it has none. */
  get<Row>(sqlText: string, ...parameters: unknown[]): Row | undefined {
    return this.#statement(sqlText).get(...parameters) as Row | undefined;
  }

  close(): void {
    this.#db.close();
  }
}
