// The cached multi-row INSERT on both backends: values land in their columns whatever the key
// order of the rows, for every row count, and a failing batch stores nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely, Migration } from 'kysely';
import { afterAll, describe, expect, test } from 'vitest';
import { batchInserter } from '../../src/store/batch-insert.js';
import { openStore } from '../../src/store/open-store.js';
import { dropSchemas, storeBackends, uniqueSchemaPrefix } from './pg-test-url.js';

interface Events {
  events: { id: string; kind: string; detail: string | null; at: string };
}

const v1: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('detail', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
  },
};

const dataDir = mkdtempSync(join(tmpdir(), 'npn-batch-'));
const prefix = uniqueSchemaPrefix();
afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await dropSchemas(prefix);
});

const backends = storeBackends(dataDir, prefix);

describe.each(backends)('batchInserter on %s', (_name, config) => {
  test('rows of any count and key order land in the right columns', async () => {
    const store = await openStore<Events>(config, 'batch', { '0001_events': v1 });
    try {
      const insert = batchInserter(store.db, 'events', ['id', 'kind', 'detail', 'at']);
      let n = 0;
      for (const count of [1, 3, 1, 7, 3]) {
        const rows = Array.from({ length: count }, () => {
          n++;
          // Keys deliberately out of column order, and detail sometimes absent.
          return n % 2 === 0
            ? { at: `t${n}`, detail: `d${n}`, kind: `k${n}`, id: `e${n}` }
            : { kind: `k${n}`, id: `e${n}`, at: `t${n}` };
        });
        await insert(rows);
      }
      const stored = await store.db.selectFrom('events').selectAll().orderBy('at').execute();
      expect(stored).toHaveLength(15);
      for (const row of stored) {
        const i = Number(row.id.slice(1));
        expect(row).toEqual({
          id: `e${i}`,
          kind: `k${i}`,
          at: `t${i}`,
          detail: i % 2 === 0 ? `d${i}` : null,
        });
      }

      // A duplicate key fails the whole statement: none of its rows stay.
      await expect(
        insert([
          { id: 'fresh', kind: 'k', detail: null, at: 'x' },
          { id: 'e1', kind: 'k', detail: null, at: 'x' },
        ]),
      ).rejects.toThrow();
      expect(
        await store.db.selectFrom('events').select('id').where('id', '=', 'fresh').execute(),
      ).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
