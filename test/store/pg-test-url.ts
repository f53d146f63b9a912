// The PostgreSQL the tests use: the machine's local server (started by .ci/run if it is down).
// Each test file works in schemas of its own, with a random prefix, and drops them at the end.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { StoreConfig } from '../../src/store/store-config.js';

export const PG_URL = process.env.NPN_ONBOARD_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test';

export function uniqueSchemaPrefix(): string {
  return `t${randomBytes(4).toString('hex')}_`;
}

export async function dropSchemas(prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>(
      'select nspname from pg_namespace where starts_with(nspname, $1)',
      [prefix],
    );
    for (const { nspname } of rows) await client.query(`DROP SCHEMA "${nspname}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Both backends for describe.each: SQLite under dataDir, PostgreSQL under the schema prefix. */
export function storeBackends(dataDir: string, prefix: string): [string, StoreConfig][] {
  return [
    ['SQLite', { kind: 'sqlite', dataDir }],
    ['PostgreSQL', { kind: 'postgres', url: PG_URL, schemaPrefix: prefix }],
  ];
}
