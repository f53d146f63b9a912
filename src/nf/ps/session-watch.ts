// Long polling of a session's status: a UE asks GET /sessions/{id}?wait=N and is answered when
// the session leaves attesting/provisioning, instead of polling. This process's own transitions
// wake the waiters at once; a transition made by another PS process on the same store is seen by
// the waiter's periodic re-read (RECHECK_MS), as is a wake-up that came before its commit.
export const RECHECK_MS = 250;

export class SessionWatch {
  readonly #waiters = new Map<string, Set<() => void>>();
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  /** The session's status changed (or is about to, once the caller's transaction commits). */
  changed(sessionId: string): void {
    const waiters = this.#waiters.get(sessionId);
    if (!waiters) return;
    this.#waiters.delete(sessionId);
    for (const wake of waiters) wake();
  }

  /** Resolves on the next change of the session, after `ms`, or when the watch closes. */
  next(sessionId: string, ms: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      let waiters = this.#waiters.get(sessionId);
      if (!waiters) this.#waiters.set(sessionId, (waiters = new Set()));
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0 && this.#waiters.get(sessionId) === waiters) {
          this.#waiters.delete(sessionId);
        }
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
    });
  }

  /** Ends every wait (the server is stopping: the waiters answer with what they have). */
  close(): void {
    this.#closed = true;
    for (const id of [...this.#waiters.keys()]) this.changed(id);
  }
}
