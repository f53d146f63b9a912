// Where a network function keeps its data. The embedded default is SQLite (one file per function
// under a data directory); production is PostgreSQL (one schema per function). The same code
// and migrations run on both.

export type StoreConfig =
  | {
      kind: 'sqlite';
      /** directory holding <function>.sqlite */
      dataDir: string;
      /**
       * SQLite's synchronous setting under WAL. FULL (default) survives power loss; NORMAL
       * survives a process crash only, and is faster.
       */
      synchronous?: 'FULL' | 'NORMAL';
    }
  | {
      kind: 'postgres';
      /** e.g. postgres://user@127.0.0.1:5432/db */
      url: string;
      /** prefix of the per-function schema names, for running several networks in one database */
      schemaPrefix?: string;
      /** connections in the pool (default 10) */
      poolSize?: number;
    };

const FUNCTION_NAME = /^[a-z][a-z0-9_]{0,30}$/;

/** The function name doubles as file and schema name, so it is restricted to a safe alphabet. */
export function checkFunctionName(name: string): void {
  if (!FUNCTION_NAME.test(name)) {
    throw new RangeError(`a function name for the store is [a-z][a-z0-9_]*, got "${name}"`);
  }
}
