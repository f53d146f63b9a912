// The SQLite writer thread: rows are committed (visible to another connection) when insert()
// resolves; a failing batch stores none of its rows and rejects with the database's reason;
// close() lets the writes already sent finish; a stopped writer refuses further rows; a thread
// that dies is replaced by the next insert.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeEach, describe, expect, test } from 'vitest';
import { SqliteWriterThread } from '../../src/store/sqlite-writer-thread.js';

interface Row {
  id: string;
  note: string | null;
}

const dir = mkdtempSync(join(tmpdir(), 'npn-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let file: string;
let reader: Database.Database;
let n = 0;
beforeEach(() => {
  file = join(dir, `t${n++}.sqlite`);
  reader = new Database(file);
  reader.pragma('journal_mode = WAL');
  reader.exec('create table log (id text primary key, note text)');
});
const stored = () => reader.prepare('select id, note from log order by id').all() as Row[];
type WriterOptions = ConstructorParameters<typeof SqliteWriterThread<Row>>[0];
const writerFor = (options: Partial<WriterOptions> = {}) =>
  new SqliteWriterThread<Row>({
    file,
    table: 'log',
    columns: ['id', 'note'],
    synchronous: 'FULL',
    ...options,
  });

describe('SqliteWriterThread', () => {
  test('rows are committed when insert resolves, in one transaction per call', async () => {
    const writer = writerFor();
    await writer.insert([
      { id: 'a', note: 'first' },
      { id: 'b', note: null },
    ]);
    expect(stored()).toEqual([
      { id: 'a', note: 'first' },
      { id: 'b', note: null },
    ]);
    await Promise.all([writer.insert([{ id: 'c', note: 'x' }]), writer.insert([])]);
    expect(stored().map((r) => r.id)).toEqual(['a', 'b', 'c']);
    await writer.close();
  });

  test('a batch that fails stores none of its rows; the writer goes on', async () => {
    const writer = writerFor();
    await writer.insert([{ id: 'a', note: null }]);
    await expect(
      writer.insert([
        { id: 'b', note: null },
        { id: 'a', note: 'again' },
      ]),
    ).rejects.toThrow(/insert failed: UNIQUE constraint failed: log.id/);
    expect(stored().map((r) => r.id)).toEqual(['a']);
    await writer.insert([{ id: 'c', note: null }]);
    expect(stored().map((r) => r.id)).toEqual(['a', 'c']);
    await writer.close();
  });

  test('close lets writes already sent commit; later inserts are refused', async () => {
    const writer = writerFor();
    const sent = Array.from({ length: 20 }, (_, i) =>
      writer.insert([{ id: `r${String(i).padStart(2, '0')}`, note: null }]),
    );
    await writer.close();
    await Promise.all(sent);
    expect(stored()).toHaveLength(20);
    await expect(writer.insert([{ id: 'late', note: null }])).rejects.toThrow(
      /writer thread has stopped/,
    );
  });

  test('a thread that dies (out of memory) fails its batch; the next insert runs on a new one', async () => {
    // A real death, not a simulated one: a batch far larger than the thread's heap may hold.
    const writer = writerFor({
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    });
    await writer.insert([{ id: 'before', note: null }]);
    const huge = Array.from({ length: 64 }, (_, i) => ({ id: `big${i}`, note: 'x'.repeat(4e6) }));
    await expect(writer.insert(huge)).rejects.toThrow(/writer thread has stopped \(.*memory/i);
    expect(stored().map((r) => r.id)).toEqual(['before']);
    await writer.insert([{ id: 'after', note: 'small' }]);
    expect(stored().map((r) => r.id)).toEqual(['after', 'before']);
    await writer.close();
    await expect(writer.insert([{ id: 'late', note: null }])).rejects.toThrow(
      /writer thread has stopped/,
    );
  });

  test('a table that does not exist stops the writer with the reason, not a hang', async () => {
    const writer = writerFor({ table: 'no_such_table', synchronous: 'NORMAL' });
    await expect(writer.insert([{ id: 'a', note: null }])).rejects.toThrow(/no such table/);
    await writer.close();
  });

  test('table and column names are plain SQL names only', () => {
    expect(
      () =>
        new SqliteWriterThread<Row>({
          file,
          table: 'log; drop table log',
          columns: ['id'],
          synchronous: 'FULL',
        }),
    ).toThrow(/not a plain SQL name/);
  });
});
