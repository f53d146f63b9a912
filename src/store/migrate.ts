// Versioned migrations. Kysely's Migrator is not used: it does not run SQLite migrations in a
// transaction (a failed one would leave half a schema), and on PostgreSQL it looks for its lock
// table in every schema, so a second function's schema would skip creating its own. Here each
// migration runs in its own transaction, under an exclusive lock (BEGIN IMMEDIATE on SQLite, an
// advisory lock on PostgreSQL), and the applied set is re-read under that lock, so two processes
// starting at once apply each migration exactly once.
import { sql, type Kysely, type Migration } from 'kysely';

/** Migrations by name; they run in name order, so names start with a zero-padded version. */
export type Migrations = Record<string, Migration>;

const LOCK_KEY = 0x6e706e; // "npn": any constant shared by all processes of a function

export async function migrate(
  db: Kysely<unknown>,
  kind: 'sqlite' | 'postgres',
  migrations: Migrations,
): Promise<string[]> {
  const applied: string[] = [];
  for (const name of Object.keys(migrations).sort()) {
    const migration = migrations[name]!;
    await db.connection().execute(async (conn) => {
      await sql.raw(kind === 'sqlite' ? 'begin immediate' : 'begin').execute(conn);
      try {
        if (kind === 'postgres') await sql`select pg_advisory_xact_lock(${LOCK_KEY})`.execute(conn);
        // Under the lock: CREATE TABLE IF NOT EXISTS is not safe against a concurrent twin.
        await sql`create table if not exists schema_migrations (
          name text primary key,
          applied_at text not null
        )`.execute(conn);
        const done = await sql<{
          name: string;
        }>`select name from schema_migrations where name = ${name}`.execute(conn);
        if (done.rows.length === 0) {
          await migration.up(conn);
          await sql`insert into schema_migrations (name, applied_at) values (${name}, ${new Date().toISOString()})`.execute(
            conn,
          );
          applied.push(name);
        }
        await sql.raw('commit').execute(conn);
      } catch (err) {
        await sql.raw('rollback').execute(conn);
        throw new Error(
          `migration ${name} failed: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    });
  }
  return applied;
}
