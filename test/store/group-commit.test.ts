// Group commit: callers in one turn share one write, each settles only after it, a failed write
// fails exactly its own batch, and batches are capped.
import { describe, expect, test } from 'vitest';
import { GroupCommit } from '../../src/store/group-commit.js';

describe('GroupCommit', () => {
  test('records added in one turn go in one write; each caller waits for it', async () => {
    const writes: number[][] = [];
    let committed = false;
    const g = new GroupCommit<number>(async (items) => {
      await new Promise((r) => setTimeout(r, 10));
      writes.push(items);
      committed = true;
    });
    const settled = await Promise.all([1, 2, 3].map((n) => g.add(n).then(() => committed)));
    expect(settled).toEqual([true, true, true]);
    expect(writes).toEqual([[1, 2, 3]]);
  });

  test('records that arrive during a write go in the next one', async () => {
    const writes: number[][] = [];
    let release!: () => void;
    const g = new GroupCommit<number>(async (items) => {
      writes.push(items);
      if (writes.length === 1) await new Promise<void>((r) => (release = r));
    });
    const first = g.add(1);
    await new Promise((r) => setImmediate(r));
    const later = [g.add(2), g.add(3)];
    release();
    await Promise.all([first, ...later]);
    expect(writes).toEqual([[1], [2, 3]]);
  });

  test('a failed write rejects its own batch only', async () => {
    let calls = 0;
    const g = new GroupCommit<string>(async () => {
      calls++;
      if (calls === 1) throw new Error('disk full');
    });
    const bad = g.add('a').then(
      () => 'ok',
      (e: Error) => e.message,
    );
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    const good = await g.add('b').then(() => 'ok');
    expect(await bad).toBe('disk full');
    expect(good).toBe('ok');
  });

  test('batches hold at most 500 records', async () => {
    const sizes: number[] = [];
    const g = new GroupCommit<number>(async (items) => {
      sizes.push(items.length);
    });
    await Promise.all(Array.from({ length: 1200 }, (_, i) => g.add(i)));
    expect(sizes).toEqual([500, 500, 200]);
  });

  test('flushed() resolves once everything added so far is written', async () => {
    const written: number[] = [];
    const g = new GroupCommit<number>(async (items) => {
      await new Promise((r) => setTimeout(r, 5));
      written.push(...items);
    });
    await g.flushed(); // idle: at once
    void g.add(1);
    void g.add(2);
    await g.flushed();
    expect(written).toEqual([1, 2]);
  });
});
