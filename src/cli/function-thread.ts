// A thread that runs network functions beside the main thread, so that one process uses more
// than one core: each thread has its own event loop, and the functions still talk to each other
// over HTTP only. The thread (function-thread-main.ts) loads its modules as soon as it exists;
// start() then starts a function there with its peers' URLs. Threads run from the build (dist/).
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { RunningFunction, StartSettings } from './network.js';
import { CliUsageError } from './usage-error.js';

/** caller -> thread */
export type ThreadRequest =
  { start: { name: string; settings: StartSettings } } | { close: string };

/** thread -> caller */
export type ThreadReport =
  | { listening: string }
  | { failed: { usage: boolean; code?: string; name: string; message: string; stack?: string } }
  | { closed: true }
  | { closeFailed: string };

type Pending = { resolve(report: ThreadReport): void; reject(err: Error): void };

/** The exit code of a process whose function thread failed after it started (EX_SOFTWARE). */
const EXIT_INTERNAL = 70;

export class FunctionThread {
  readonly #worker: Worker;
  /** functions started and not closed */
  readonly #started = new Set<string>();
  #ending = false;
  /** the request in flight (one at a time) */
  #pending: Pending | undefined;

  /** `resourceLimits`: the thread's heap limits (Node's Worker option); none by default. */
  constructor(options: { resourceLimits?: ResourceLimits } = {}) {
    this.#worker = new Worker(
      new URL('./function-thread-main.js', import.meta.url),
      options.resourceLimits ? { resourceLimits: options.resourceLimits } : {},
    );
    this.#worker.on('message', (report: ThreadReport) => this.#settle((p) => p.resolve(report)));
    this.#worker.on('error', (err) => this.#failed(err));
    this.#worker.on('exit', (code) => this.#failed(new Error(`the thread exited (code ${code})`)));
  }

  /** Starts a function on this thread; resolves once it listens. */
  async start(name: string, settings: StartSettings): Promise<RunningFunction> {
    const report = await this.#ask({ start: { name, settings } });
    if ('failed' in report) throw threadError(report.failed);
    if (!('listening' in report)) throw new Error(`the ${name} thread answered out of turn`);
    this.#started.add(name);
    return {
      url: report.listening,
      close: async () => {
        this.#started.delete(name);
        const closed = await this.#ask({ close: name });
        if ('closeFailed' in closed) throw new Error(`${name}: ${closed.closeFailed}`);
      },
    };
  }

  /** Ends the thread (its functions closed already, or never started). */
  async end(): Promise<void> {
    this.#ending = true;
    await this.#worker.terminate();
  }

  #ask(request: ThreadRequest): Promise<ThreadReport> {
    if (this.#pending)
      return Promise.reject(new Error('a function thread serves one request at a time'));
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#worker.postMessage(request);
    });
  }

  /** Settles the request in flight, if any; true when there was one. */
  #settle(how: (pending: Pending) => void): boolean {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending) how(pending);
    return pending !== undefined;
  }

  #failed(err: Error): void {
    if (this.#settle((p) => p.reject(err)) || this.#ending || this.#started.size === 0) return;
    // A function that fails after it started takes the process with it, as it would on the main
    // thread, so that whatever supervises the process starts it again.
    const names = [...this.#started].join(', ');
    // The code, when there is one, says what happened (ERR_WORKER_OUT_OF_MEMORY, say); the message
    // and the stack only on request, as they may quote what a request carried.
    const cause = (err as NodeJS.ErrnoException).code ?? err.name;
    const detail = process.env.NPN_ONBOARD_DEBUG ? `\n${err.stack ?? ''}` : '';
    process.stderr.write(
      `npn-onboard: the thread of ${names} stopped (${cause}); exiting; rerun with NPN_ONBOARD_DEBUG=1 for details${detail}\n`,
    );
    process.exit(EXIT_INTERNAL);
  }
}

/** A start-up failure in the thread, as the error the calling thread would have seen. */
function threadError(failed: Extract<ThreadReport, { failed: unknown }>['failed']): Error {
  const err: NodeJS.ErrnoException = failed.usage
    ? new CliUsageError(failed.message)
    : Object.assign(new Error(failed.message), { name: failed.name });
  if (failed.code !== undefined) err.code = failed.code;
  if (failed.stack !== undefined && !failed.usage) err.stack = failed.stack;
  return err;
}
