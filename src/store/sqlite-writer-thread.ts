// Appends rows to one SQLite table from a thread of their own. better-sqlite3 is synchronous, so
// a commit's WAL page writes and its fsync stop whichever thread runs them; for an append-heavy
// table (the DCS's audit trail, one row per appraisal) that was most of the event loop's time.
// Here the commit stops the writer thread only: the event loop goes on serving, and each caller
// is answered once its rows have committed, as before.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type * as WorkerThreads from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import { sqlitePragmas } from './open-store.js';

/** What the writer thread is told when it starts. */
interface WriterSetup {
  driver: string;
  file: string;
  /** the store's own connection settings (sqlitePragmas in open-store.ts) */
  pragmas: string[];
  insertSql: string;
}

/** A batch's outcome, or why the thread could not start (then it ends). */
type Reply = { id: number; error?: string } | { setupError: string };

/**
 * The writer thread's whole program. It runs from its source text (Worker `eval`), so it reaches
 * nothing outside its own body: the driver comes by path in `workerData`. That way the same code
 * runs from the compiled build and under the test runner, which has no .js file to point at.
 */
function writerMain(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { parentPort, workerData } = require('node:worker_threads') as typeof WorkerThreads;
  const setup = workerData as WriterSetup;
  const Database = require(setup.driver) as typeof BetterSqlite3;
  /* eslint-enable @typescript-eslint/no-require-imports */
  let db: BetterSqlite3.Database;
  let insertAll: (rows: unknown[][]) => void;
  try {
    db = new Database(setup.file);
    for (const pragma of setup.pragmas) db.pragma(pragma);
    const insert = db.prepare(setup.insertSql);
    insertAll = db.transaction((rows: unknown[][]) => {
      for (const row of rows) insert.run(row);
    });
  } catch (err) {
    // An Error does not cross threads whole; its message does.
    const reason = err instanceof Error ? err.message : String(err);
    parentPort!.postMessage({ setupError: reason } satisfies Reply);
    parentPort!.close();
    return;
  }
  parentPort!.on('message', (message: { id: number; rows: unknown[][] } | 'close') => {
    if (message === 'close') {
      db.close();
      parentPort!.close();
      return;
    }
    try {
      insertAll(message.rows);
      parentPort!.postMessage({ id: message.id } satisfies Reply);
    } catch (err) {
      // The transaction rolled back: none of the batch is stored.
      const reason = err instanceof Error ? err.message : String(err);
      parentPort!.postMessage({ id: message.id, error: reason } satisfies Reply);
    }
  });
}

const PLAIN_SQL_NAME = /^[a-z_][a-z0-9_]*$/;

export class SqliteWriterThread<Row extends object> {
  readonly #worker: Worker;
  readonly #columns: readonly (keyof Row & string)[];
  readonly #waiting = new Map<number, { resolve(): void; reject(err: Error): void }>();
  #nextId = 0;
  #stopped: Error | undefined;
  readonly #exited: Promise<void>;

  constructor(options: {
    file: string;
    table: string;
    columns: readonly (keyof Row & string)[];
    synchronous: 'FULL' | 'NORMAL';
  }) {
    for (const name of [options.table, ...options.columns]) {
      if (!PLAIN_SQL_NAME.test(name)) throw new RangeError(`not a plain SQL name: ${name}`);
    }
    this.#columns = options.columns;
    const setup: WriterSetup = {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      file: options.file,
      pragmas: sqlitePragmas(options.synchronous),
      insertSql:
        `insert into "${options.table}" (${options.columns.map((c) => `"${c}"`).join(', ')}) ` +
        `values (${options.columns.map(() => '?').join(', ')})`,
    };
    this.#worker = new Worker(`(${writerMain.toString()})()`, { eval: true, workerData: setup });
    // Only work in flight keeps the process alive; an idle writer does not.
    this.#worker.unref();
    this.#worker.on('message', (reply: Reply) => {
      if ('setupError' in reply) {
        this.#stop(
          new Error(`the writer thread cannot write ${options.table}: ${reply.setupError}`),
        );
        return;
      }
      const waiting = this.#waiting.get(reply.id);
      if (!waiting) return;
      this.#waiting.delete(reply.id);
      if (this.#waiting.size === 0) this.#worker.unref();
      if (reply.error === undefined) waiting.resolve();
      else waiting.reject(new Error(`insert failed: ${reply.error}`));
    });
    this.#worker.on('error', (err) => this.#stop(err));
    this.#exited = new Promise((resolve) =>
      this.#worker.once('exit', () => {
        this.#stop(new Error('the writer thread has stopped'));
        resolve();
      }),
    );
  }

  /** Stores the rows in one transaction: all of them once it resolves, none if it rejects. */
  insert(rows: readonly Row[]): Promise<void> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    if (rows.length === 0) return Promise.resolve();
    const id = this.#nextId++;
    const values = rows.map((row) => this.#columns.map((c) => row[c] ?? null));
    return new Promise<void>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#worker.ref();
      this.#worker.postMessage({ id, rows: values });
    });
  }

  /** Lets the writes already sent commit, then closes the thread's connection. */
  async close(): Promise<void> {
    if (!this.#stopped) this.#worker.postMessage('close');
    this.#worker.ref();
    await this.#exited;
  }

  #stop(err: Error): void {
    this.#stopped ??= err;
    for (const waiting of this.#waiting.values()) waiting.reject(this.#stopped);
    this.#waiting.clear();
  }
}
