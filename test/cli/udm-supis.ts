// What the UDM of a `serve` data dir holds, read straight from its SQLite file (read-only), as a
// test checks it after killing the processes that wrote it.
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** The SUPIs with an authentication subscription at the UDM, in order. */
export function udmSupis(dataDir: string): string[] {
  const db = new Database(join(dataDir, 'db', 'udm.sqlite'), { readonly: true });
  try {
    const rows = db.prepare('select supi from authentication_subscriptions order by supi').all();
    return (rows as { supi: string }[]).map((r) => r.supi);
  } finally {
    db.close();
  }
}
