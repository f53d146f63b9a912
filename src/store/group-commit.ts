// Group commit: records that arrive while the event loop turns are written together, in one
// statement and one transaction, and every caller's promise settles when that transaction has
// committed. Under load this turns one fsync per record into one per batch, without answering
// anyone before their record is durable.

const MAX_BATCH = 500;

interface Waiting<T> {
  item: T;
  resolve(): void;
  reject(err: unknown): void;
}

export class GroupCommit<T> {
  #queue: Waiting<T>[] = [];
  #running = false;
  #idle: (() => void)[] = [];

  /** `write` stores a whole batch atomically, or throws and stores none of it. */
  constructor(private readonly write: (items: T[]) => Promise<void>) {}

  /** Resolves once the item is committed; rejects with the batch's error if its write failed. */
  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#running) {
        this.#running = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, MAX_BATCH);
      try {
        await this.write(batch.map((w) => w.item));
        for (const w of batch) w.resolve();
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    this.#running = false;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Resolves once every item added so far has been written (or has failed). */
  flushed(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
