// Appends rows to one SQLite table from a thread of their own. better-sqlite3 is synchronous, so
// a commit's WAL page writes and its fsync stop whichever thread runs them; for an append-heavy
// table (the DCS's audit trail, one row per appraisal) that was most of the event loop's time.
// Here the commit stops the writer thread only: the event loop goes on serving, and each caller
// is answered once its rows have committed, as before. A thread that dies (out of memory, say)
// fails the batches in flight and is replaced on the next insert, so that one fault does not end
// the audit trail, and with it every appraisal, until a restart.
import { createRequire } from 'node:module';
import { Worker, type ResourceLimits } from 'node:worker_threads';
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
  readonly #setup: WriterSetup;
  readonly #table: string;
  readonly #columns: readonly (keyof Row & string)[];
  readonly #resourceLimits: ResourceLimits | undefined;
  readonly #waiting = new Map<number, { resolve(): void; reject(err: Error): void }>();
  #nextId = 0;
  /** The running thread; undefined after it died, and the next insert starts another. */
  #thread: { worker: Worker; exited: Promise<void> } | undefined;
  /** Set by close() or by a set-up failure: no thread starts again. */
  #stopped: Error | undefined;

  constructor(options: {
    file: string;
    table: string;
    columns: readonly (keyof Row & string)[];
    synchronous: 'FULL' | 'NORMAL';
    /** the thread's heap limits (Node's Worker option); none by default */
    resourceLimits?: ResourceLimits;
  }) {
    for (const name of [options.table, ...options.columns]) {
      if (!PLAIN_SQL_NAME.test(name)) throw new RangeError(`not a plain SQL name: ${name}`);
    }
    this.#table = options.table;
    this.#columns = options.columns;
    this.#resourceLimits = options.resourceLimits;
    this.#setup = {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      file: options.file,
      pragmas: sqlitePragmas(options.synchronous),
      insertSql:
        `insert into "${options.table}" (${options.columns.map((c) => `"${c}"`).join(', ')}) ` +
        `values (${options.columns.map(() => '?').join(', ')})`,
    };
    this.#thread = this.#start();
  }

  #start(): { worker: Worker; exited: Promise<void> } {
    const worker = new Worker(`(${writerMain.toString()})()`, {
      eval: true,
      workerData: this.#setup,
      ...(this.#resourceLimits ? { resourceLimits: this.#resourceLimits } : {}),
    });
    // Only work in flight keeps the process alive; an idle writer does not.
    worker.unref();
    worker.on('message', (reply: Reply) => {
      if ('setupError' in reply) {
        this.#stopped ??= new Error(
          `the writer thread cannot write ${this.#table}: ${reply.setupError}`,
        );
        this.#rejectAll(this.#stopped);
        return;
      }
      const waiting = this.#waiting.get(reply.id);
      if (!waiting) return;
      this.#waiting.delete(reply.id);
      if (this.#waiting.size === 0) worker.unref();
      if (reply.error === undefined) waiting.resolve();
      else waiting.reject(new Error(`insert failed: ${reply.error}`));
    });
    let failure = '';
    worker.on('error', (err) => (failure = ` (${err.message})`));
    const exited = new Promise<void>((resolve) =>
      worker.once('exit', () => {
        if (this.#thread?.worker === worker) this.#thread = undefined;
        // The batches in flight may or may not have committed: their callers hear of a failure.
        this.#rejectAll(this.#stopped ?? new Error(`the writer thread has stopped${failure}`));
        resolve();
      }),
    );
    return { worker, exited };
  }

  /** Stores the rows in one transaction: all of them once it resolves, none if it rejects. */
  insert(rows: readonly Row[]): Promise<void> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    if (rows.length === 0) return Promise.resolve();
    // A thread that died (out of memory, say) is replaced, as the process would be.
    const { worker } = (this.#thread ??= this.#start());
    const id = this.#nextId++;
    const values = rows.map((row) => this.#columns.map((c) => row[c] ?? null));
    return new Promise<void>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, rows: values });
    });
  }

  /** Lets the writes already sent commit, then closes the thread's connection. */
  async close(): Promise<void> {
    this.#stopped ??= new Error('the writer thread has stopped');
    const thread = this.#thread;
    if (!thread) return;
    thread.worker.postMessage('close');
    thread.worker.ref();
    await thread.exited;
  }

  #rejectAll(err: Error): void {
    for (const waiting of this.#waiting.values()) waiting.reject(err);
    this.#waiting.clear();
  }
}
