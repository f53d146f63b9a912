// The credential bundle's JWE made on a thread of its own. Its ECDH is the largest piece of
// cryptography left on the PS's event loop (about 160 µs per onboarding), and node:crypto has no
// asynchronous ECDH (WebCrypto's costs the event loop more than doing it). The thread only
// computes: the bundle and the cnf key go to it, the JWE comes back; nothing is stored there.
// A thread that dies fails the encryptions in flight (the worker retries them) and is replaced
// on the next one. The thread runs the build (dist/); tests that import the sources encrypt on
// the calling thread.
import type { JWK } from 'jose';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { CredentialBundle } from '../../lib/onboarding/credential-bundle.js';
import { encryptBundle } from './bundle.js';

export interface BundleRequest {
  id: number;
  bundle: CredentialBundle;
  cnf: JWK;
}

export type BundleReply =
  { id: number; jwe: string } | { id: number; error: { name: string; message: string } };

/** Makes a bundle's JWE; the PS's Provisioning takes one. */
export type BundleEncryptor = (bundle: CredentialBundle, cnf: JWK) => Promise<string>;

/** On the calling thread. */
export const encryptInline: BundleEncryptor = (bundle, cnf) =>
  new Promise((resolve) => resolve(encryptBundle(bundle, cnf)));

export class BundleThread {
  #worker: Worker | undefined;
  readonly #waiting = new Map<number, { resolve(jwe: string): void; reject(err: Error): void }>();
  #nextId = 0;
  #closed = false;

  /** `resourceLimits`: the thread's heap limits (Node's Worker option); none by default. */
  constructor(private readonly options: { resourceLimits?: ResourceLimits } = {}) {}

  readonly encrypt: BundleEncryptor = (bundle, cnf) => {
    if (this.#closed) return Promise.reject(new Error('the bundle thread is closed'));
    const worker = this.#running();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, bundle, cnf } satisfies BundleRequest);
    });
  };

  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    this.#failAll(new Error('the bundle thread is closed'));
    await worker?.terminate();
  }

  #running(): Worker {
    if (this.#worker) return this.#worker;
    const { resourceLimits } = this.options;
    const worker = new Worker(
      new URL('./bundle-thread-main.js', import.meta.url),
      resourceLimits ? { resourceLimits } : {},
    );
    // An idle thread does not keep the process alive.
    worker.unref();
    worker.on('message', (reply: BundleReply) => {
      const waiting = this.#waiting.get(reply.id);
      if (!waiting) return;
      this.#waiting.delete(reply.id);
      if (this.#waiting.size === 0) worker.unref();
      if ('jwe' in reply) waiting.resolve(reply.jwe);
      else
        waiting.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
    });
    const lost = (err: Error) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#failAll(err);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the bundle thread exited (code ${code})`)));
    this.#worker = worker;
    return worker;
  }

  #failAll(err: Error): void {
    for (const waiting of this.#waiting.values()) waiting.reject(err);
    this.#waiting.clear();
  }
}
