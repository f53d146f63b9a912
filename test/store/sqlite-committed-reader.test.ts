// The committed reader: a connection of its own sees what has committed, never what an open
// transaction of the function's main connection has written so far; it cannot write; it needs
// the database to exist already.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, test } from 'vitest';
import { SqliteCommittedReader } from '../../src/store/sqlite-committed-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'npn-committed-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('reads what has committed, not what an open transaction has written', () => {
  const file = join(dir, 'counter.sqlite');
  const main = new Database(file);
  main.pragma('journal_mode = WAL');
  main.exec('create table counter (id integer primary key, version integer not null)');
  main.exec('insert into counter values (1, 7)');
  const reader = new SqliteCommittedReader(file);
  const read = () =>
    reader.get<{ version: number }>('select version from counter where id = ?', 1)?.version;
  try {
    expect(read()).toBe(7);
    main.exec('begin immediate');
    main.exec('update counter set version = 8 where id = 1');
    expect(read()).toBe(7);
    main.exec('commit');
    expect(read()).toBe(8);
    expect(reader.get('select version from counter where id = ?', 2)).toBeUndefined();
    expect(() => reader.get('update counter set version = 9 returning version')).toThrow(
      /readonly/i,
    );
  } finally {
    reader.close();
    main.close();
  }
});

test('refuses a database file that does not exist instead of creating one', () => {
  expect(() => new SqliteCommittedReader(join(dir, 'absent.sqlite'))).toThrow();
});
