import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely, type Migration } from 'kysely';
import { afterAll, describe, expect, test } from 'vitest';
import { openStore, type Migrations } from '../../src/store/open-store.js';
import { dropSchemas, storeBackends, uniqueSchemaPrefix } from './pg-test-url.js';

interface Things {
  things: { id: string; count: number };
}

const v1: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('things')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('count', 'integer', (c) => c.notNull())
      .execute();
  },
};
const v2: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('things_count').on('things').column('count').execute();
  },
};
const broken: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createTable('half').addColumn('x', 'integer').execute();
    await sql`this is not sql`.execute(db);
  },
};

const dataDir = mkdtempSync(join(tmpdir(), 'npn-store-'));
const prefix = uniqueSchemaPrefix();
afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await dropSchemas(prefix);
});

const backends = storeBackends(dataDir, prefix);

describe.each(backends)('openStore on %s', (_name, config) => {
  test('migrates, stores, and a reopen with a new migration applies only that one', async () => {
    const first = await openStore<Things>(config, 'alpha', { '0001_things': v1 });
    await first.db.insertInto('things').values({ id: 'a', count: 1 }).execute();
    await first.close();

    const second = await openStore<Things>(config, 'alpha', {
      '0001_things': v1,
      '0002_index': v2,
    });
    const rows = await second.db.selectFrom('things').selectAll().execute();
    expect(rows).toEqual([{ id: 'a', count: 1 }]);
    await second.close();
  });

  test('functions do not see each other’s tables', async () => {
    const a = await openStore<Things>(config, 'beta', { '0001_things': v1 });
    const b = await openStore<Things>(config, 'gamma', { '0001_things': v1 });
    await a.db.insertInto('things').values({ id: 'only-beta', count: 7 }).execute();
    expect(await b.db.selectFrom('things').selectAll().execute()).toEqual([]);
    await a.close();
    await b.close();
  });

  // On SQLite, openers are separate processes (better-sqlite3 blocks its thread while it waits
  // for a lock, so two in one process would wait on each other); the lock itself is SQLite's.
  test.skipIf(config.kind === 'sqlite')(
    'two openers at once apply each migration exactly once',
    async () => {
      const counted: Migrations = {
        '0001_things': v1,
        '0002_count': {
          async up(db: Kysely<unknown>) {
            await sql`insert into things (id, count) values ('migration-ran', 1)`.execute(db);
          },
        },
      };
      const stores = await Promise.all(
        [1, 2, 3].map(() => openStore<Things>(config, 'epsilon', counted)),
      );
      const rows = await stores[0]!.db.selectFrom('things').selectAll().execute();
      expect(rows).toEqual([{ id: 'migration-ran', count: 1 }]);
      await Promise.all(stores.map((s) => s.close()));
    },
  );

  test('a failing migration is rolled back whole and reported by name', async () => {
    const migrations: Migrations = { '0001_things': v1, '0002_broken': broken };
    await expect(openStore(config, 'delta', migrations)).rejects.toThrow(
      /^delta: migration 0002_broken failed/,
    );
    const reopened = await openStore<Things & { half: { x: number } }>(config, 'delta', {
      '0001_things': v1,
    });
    // 0001 stands; 0002's table was rolled back with it.
    await reopened.db.selectFrom('things').selectAll().execute();
    await expect(reopened.db.selectFrom('half').selectAll().execute()).rejects.toThrow();
    await reopened.close();
  });
});

test('a function name that is not a safe identifier is refused', async () => {
  await expect(openStore({ kind: 'sqlite', dataDir }, 'Bad-Name', {})).rejects.toThrow(
    /function name for the store/,
  );
});

test('SQLite: FULL unless configured otherwise, on the connection and in what the store reports', async () => {
  const synchronousOf = async (store: Awaited<ReturnType<typeof openStore>>) =>
    (await sql<{ synchronous: number }>`pragma synchronous`.execute(store.db)).rows[0]?.synchronous;
  const byDefault = await openStore({ kind: 'sqlite', dataDir }, 'zeta', {});
  expect(byDefault.sqlite).toEqual({ file: join(dataDir, 'zeta.sqlite'), synchronous: 'FULL' });
  expect(await synchronousOf(byDefault)).toBe(2); // SQLite's code for FULL
  await byDefault.close();
  const normal = await openStore({ kind: 'sqlite', dataDir, synchronous: 'NORMAL' }, 'zeta', {});
  expect(normal.sqlite?.synchronous).toBe('NORMAL');
  expect(await synchronousOf(normal)).toBe(1); // NORMAL
  await normal.close();
});
