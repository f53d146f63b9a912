// A multi-row INSERT whose SQL is compiled once per row count. Kysely builds and compiles a
// query tree on every call, which for a 64-row insert costs more than SQLite's work; the SQL
// text for n rows never changes, so it is cached and only the parameters are new.
import { CompiledQuery, type Insertable, type Kysely } from 'kysely';

export function batchInserter<DB, T extends keyof DB & string>(
  db: Kysely<DB>,
  table: T,
  columns: readonly (keyof DB[T] & string)[],
): (rows: readonly Insertable<DB[T]>[]) => Promise<void> {
  const sqlByCount = new Map<number, string>();
  const inOrder = (row: Insertable<DB[T]>) =>
    Object.fromEntries(columns.map((c) => [c, (row as Record<string, unknown>)[c] ?? null]));
  return async (rows) => {
    if (rows.length === 0) return;
    let sql = sqlByCount.get(rows.length);
    if (sql === undefined) {
      // Compiled from rows with every column in `columns` order, so parameters follow it.
      sql = db
        .insertInto(table)
        .values(rows.map(inOrder) as never)
        .compile().sql;
      sqlByCount.set(rows.length, sql);
    }
    const parameters: unknown[] = [];
    for (const row of rows) {
      for (const c of columns) parameters.push((row as Record<string, unknown>)[c] ?? null);
    }
    await db.executeQuery(CompiledQuery.raw(sql, parameters));
  };
}
