// Opens a network function's database and brings its schema up to date. The function's store
// module (src/nf/<name>/store.ts) passes its migrations and gets a Kysely instance typed with its
// own tables; no function can reach another's tables (separate files, separate schemas).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import { migrate, type Migrations } from './migrate.js';
import { checkFunctionName, type StoreConfig } from './store-config.js';

export type { Migrations } from './migrate.js';

export interface Store<DB> {
  db: Kysely<DB>;
  kind: StoreConfig['kind'];
  /** the database file and its synchronous setting, for a SQLite store */
  sqlite?: { file: string; synchronous: 'FULL' | 'NORMAL' };
  close(): Promise<void>;
}

export async function openStore<DB>(
  config: StoreConfig,
  functionName: string,
  migrations: Migrations,
): Promise<Store<DB>> {
  checkFunctionName(functionName);
  let db: Kysely<DB>;
  let sqlite: Store<DB>['sqlite'];
  if (config.kind === 'sqlite') {
    // Every commit survives a power cut unless the operator chose otherwise.
    sqlite = { file: sqliteFile(config, functionName), synchronous: config.synchronous ?? 'FULL' };
    db = openSqlite<DB>(config.dataDir, sqlite);
  } else {
    db = await openPostgres<DB>(config, functionName);
  }
  try {
    await migrate(db as Kysely<unknown>, config.kind, migrations);
  } catch (err) {
    await db.destroy();
    throw new Error(`${functionName}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    db,
    kind: config.kind,
    ...(sqlite ? { sqlite } : {}),
    close: () => db.destroy(),
  };
}

function sqliteFile(config: Extract<StoreConfig, { kind: 'sqlite' }>, functionName: string) {
  return join(config.dataDir, `${functionName}.sqlite`);
}

/**
 * The settings of every connection that writes a function's SQLite file (the store's own, and
 * src/store/sqlite-writer-thread.ts's). WAL lets readers run beside the writer; busy_timeout
 * rides out a concurrent writer (another process of the same function) instead of failing with
 * SQLITE_BUSY.
 */
export function sqlitePragmas(synchronous: 'FULL' | 'NORMAL'): string[] {
  return [
    'journal_mode = WAL',
    `synchronous = ${synchronous}`,
    'foreign_keys = ON',
    'busy_timeout = 5000',
  ];
}

function openSqlite<DB>(
  dataDir: string,
  sqlite: { file: string; synchronous: 'FULL' | 'NORMAL' },
): Kysely<DB> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const database = new SQLite(sqlite.file);
  for (const pragma of sqlitePragmas(sqlite.synchronous)) database.pragma(pragma);
  return new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
}

/**
 * Kysely prepares every query anew, and preparing costs about as much as running a small
 * query. better-sqlite3 statements are reusable and Kysely runs each one synchronously to the
 * end, so one prepared statement per distinct SQL text can serve every call.
 */
function withStatementCache(database: SQLite.Database): SqliteDatabase {
  return { close: () => database.close(), prepare: statementCache(database) };
}

/**
 * One prepared statement per distinct SQL text of a connection (the store's, and
 * sqlite-committed-reader.ts's). Bounded: dynamic SQL (IN lists of varying length) must not grow
 * it without end.
 */
export function statementCache(database: SQLite.Database): (sqlText: string) => SQLite.Statement {
  const statements = new Map<string, SQLite.Statement>();
  return (sqlText) => {
    let statement = statements.get(sqlText);
    if (!statement) {
      statement = database.prepare(sqlText);
      if (statements.size >= 500) statements.clear();
      statements.set(sqlText, statement);
    }
    return statement;
  };
}

const SCHEMA_LOCK_KEY = 0x6e706e01;

async function openPostgres<DB>(
  config: Extract<StoreConfig, { kind: 'postgres' }>,
  functionName: string,
): Promise<Kysely<DB>> {
  const schema = `${config.schemaPrefix ?? ''}${functionName}`;
  checkFunctionName(schema);
  const bootstrap = new pg.Client({ connectionString: config.url });
  await bootstrap.connect();
  try {
    // CREATE SCHEMA IF NOT EXISTS races with itself across sessions; the lock serialises openers.
    await bootstrap.query('SELECT pg_advisory_lock($1)', [SCHEMA_LOCK_KEY]);
    await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await bootstrap.query('SELECT pg_advisory_unlock($1)', [SCHEMA_LOCK_KEY]);
  } finally {
    await bootstrap.end();
  }
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.poolSize ?? 10,
    // Every connection works inside the function's own schema.
    options: `-c search_path=${schema}`,
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  await sql`select 1`.execute(db);
  return db;
}
