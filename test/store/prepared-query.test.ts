// Prepared queries on both backends: each argument lands in its own place whatever the order of
// the columns, constants of the query stay, inside and outside a transaction, and a query that
// would not bind an argument is refused when it is prepared.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely, type Migration } from 'kysely';
import { afterAll, describe, expect, test } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { prepareQuery } from '../../src/store/prepared-query.js';
import { dropSchemas, storeBackends, uniqueSchemaPrefix } from './pg-test-url.js';

interface Db {
  items: { id: string; kind: string; count: number; note: string | null };
}

const v1: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('items')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addColumn('note', 'text')
      .execute();
  },
};

const dataDir = mkdtempSync(join(tmpdir(), 'npn-prepared-'));
const prefix = uniqueSchemaPrefix();
afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await dropSchemas(prefix);
});

describe.each(storeBackends(dataDir, prefix))('prepareQuery on %s', (_name, config) => {
  test('arguments bind in their places; constants stay; works in a transaction', async () => {
    const store = await openStore<Db>(config, 'prepared', { '0001_items': v1 });
    try {
      // Members read in another order than the columns', one of them twice.
      const insert = prepareQuery(
        store.db,
        (db, p: { note: string | null; id: string; count: number; kind: string }) =>
          db.insertInto('items').values({ kind: p.kind, count: p.count, note: p.note, id: p.id }),
      );
      const bump = prepareQuery(store.db, (db, p: { id: string; kind: string }) =>
        db
          .updateTable('items')
          .set((eb) => ({ count: eb('count', '+', 5) }))
          .where('id', '=', p.id)
          .where('kind', '=', p.kind)
          .where('id', 'is not', null)
          .returning(['id', 'count']),
      );
      const byKind = prepareQuery(store.db, (db, p: { kind: string; min: number }) =>
        db
          .selectFrom('items')
          .selectAll()
          .where('kind', '=', p.kind)
          .where('count', '>=', p.min)
          .where('note', 'is not', null)
          .where((eb) => eb.or([eb('kind', '=', p.kind), eb('kind', '=', 'never')]))
          .orderBy('id'),
      );
      const remove = prepareQuery(store.db, (db, p: { id: string }) =>
        db.deleteFrom('items').where('id', '=', p.id),
      );

      expect(await insert.affected(store.db, { note: 'first', id: 'a', count: 1, kind: 'x' })).toBe(
        1n,
      );
      expect(await insert.affected(store.db, { note: null, id: 'b', count: 2, kind: 'x' })).toBe(
        1n,
      );
      await store.db.transaction().execute(async (trx) => {
        await insert.execute(trx, { note: 'third', id: 'c', count: 3, kind: 'y' });
        expect(await bump.rows(trx, { id: 'c', kind: 'y' })).toEqual([{ id: 'c', count: 8 }]);
      });
      // A different kind: the WHERE holds, nothing changes.
      expect(await bump.rows(store.db, { id: 'a', kind: 'y' })).toEqual([]);

      expect(await byKind.rows(store.db, { kind: 'x', min: 0 })).toEqual([
        { id: 'a', kind: 'x', count: 1, note: 'first' },
      ]);
      expect(await byKind.takeFirst(store.db, { kind: 'y', min: 8 })).toEqual({
        id: 'c',
        kind: 'y',
        count: 8,
        note: 'third',
      });
      expect(await byKind.takeFirst(store.db, { kind: 'y', min: 9 })).toBeUndefined();
      expect(await remove.affected(store.db, { id: 'b' })).toBe(1n);
      expect(await remove.affected(store.db, { id: 'b' })).toBe(0n);
      const left = await store.db.selectFrom('items').select('id').orderBy('id').execute();
      expect(left.map((r) => r.id)).toEqual(['a', 'c']);
    } finally {
      await store.close();
    }
  });

  test('a value the SQL would not bind is refused at preparation; undefined at run time', async () => {
    const store = await openStore<Db>(config, 'prepared_refusals', { '0001_items': v1 });
    try {
      // A member read but left out of the query: its value would be ignored.
      expect(() =>
        prepareQuery(store.db, (db, p: { id: string; kind: string }) => {
          const { id } = p;
          if (p.kind === '') throw new Error('unreachable: a placeholder is never empty');
          return db.selectFrom('items').selectAll().where('id', '=', id);
        }),
      ).toThrow(/"kind" is not a bound parameter/);
      // sql.lit would write the value into the SQL text, where it could never change.
      expect(() =>
        prepareQuery(store.db, (db, p: { id: string }) =>
          db.selectFrom('items').selectAll().where('id', '=', sql.lit(p.id)),
        ),
      ).toThrow();
      const byId = prepareQuery(store.db, (db, p: { id: string }) =>
        db.selectFrom('items').selectAll().where('id', '=', p.id),
      );
      await expect(byId.execute(store.db, {} as { id: string })).rejects.toThrow(
        /no value for "id"/,
      );
    } finally {
      await store.close();
    }
  });
});
