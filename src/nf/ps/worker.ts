// The PS's worker: works off the outbox (pushes to and withdrawals from the UDM), resumes
// appraisals a crash interrupted or the DCS's absence postponed, withdraws credentials that were
// never acknowledged, and forgets old challenges. It starts with the PS and resumes whatever the
// store holds, so work left pending before a restart completes after it. Rows are leased in the
// store, so several processes of the PS can run workers side by side.
//
// Lifecycle: start() runs a first pass at once and then one every pollMs; wake() asks for a pass
// as soon as possible (a session just queued a push); stop() ends the loop and waits for the
// work in flight. At most `concurrency` items are in flight at once.
import type { FastifyBaseLogger } from 'fastify';
import type { OnboardingService } from './onboarding.js';
import type { Outbox } from './outbox.js';
import type { Provisioning } from './provisioning.js';
import type { ChallengeStore } from './challenges.js';

export interface WorkerOptions {
  /** the pause between passes when nothing wakes the worker (default 500 ms) */
  pollMs?: number;
  /** items worked at once (default 64) */
  concurrency?: number;
}

/** How often ready sessions are checked for the delivery timeout, and old challenges purged. */
const EXPIRY_CHECK_MS = 2_000;
const PURGE_MS = 3_600_000;

export class ProvisioningWorker {
  readonly #pollMs: number;
  readonly #concurrency: number;
  readonly #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #again = false;
  #stopped = true;
  #lastExpiryCheck = 0;
  #lastPurge = 0;
  #pass: Promise<void> | undefined;

  constructor(
    private readonly outbox: Outbox,
    private readonly provisioning: Provisioning,
    private readonly onboarding: OnboardingService,
    private readonly challenges: ChallengeStore,
    private readonly log: FastifyBaseLogger,
    options: WorkerOptions = {},
  ) {
    this.#pollMs = options.pollMs ?? 500;
    this.#concurrency = options.concurrency ?? 64;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.wake();
  }

  /** Asks for a pass soon; passes never overlap, a wake during one asks for another after it. */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#runPass(), 0);
  }

  /** Ends the loop and waits for the items in flight (each bounded by the clients' timeouts). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#pass;
    await Promise.allSettled([...this.#inFlight]);
  }

  /** One pass, for tests that drive the worker by hand: claims, works and waits for it all. */
  async drain(): Promise<void> {
    await this.#claimAndStart(true);
    await Promise.allSettled([...this.#inFlight]);
  }

  async #runPass(): Promise<void> {
    if (this.#stopped || this.#running) return;
    this.#running = true;
    this.#pass = this.#claimAndStart();
    try {
      await this.#pass;
    } finally {
      this.#running = false;
      this.#pass = undefined;
    }
    if (this.#stopped) return;
    if (this.#again) {
      this.#again = false;
      this.wake();
    } else {
      this.#timer = setTimeout(() => void this.#runPass(), this.#pollMs);
      this.#timer.unref();
    }
  }

  async #claimAndStart(housekeeping = false): Promise<void> {
    try {
      const pushes = await this.outbox.claim(this.#concurrency - this.#inFlight.size);
      for (const item of pushes) this.#track(this.provisioning.runOutboxItem(item), item.supi);
      const appraisals = await this.onboarding.claimAppraisals(
        this.#concurrency - this.#inFlight.size,
      );
      for (const session of appraisals) {
        this.#track(this.onboarding.appraiseAndProvision(session), session.id);
      }
      const now = Date.now();
      if (housekeeping || now - this.#lastExpiryCheck >= EXPIRY_CHECK_MS) {
        this.#lastExpiryCheck = now;
        await this.provisioning.expireUndelivered();
      }
      if (now - this.#lastPurge >= PURGE_MS) {
        this.#lastPurge = now;
        await this.challenges.purge();
      }
    } catch (err) {
      // The store is unavailable (or closing): the next pass tries again.
      if (!this.#stopped) this.log.error({ event: 'worker-error', err }, 'worker pass failed');
    }
  }

  #track(work: Promise<void>, what: string): void {
    const tracked = work
      .catch((err: unknown) => {
        this.log.error(
          { event: 'worker-error', item: what, err },
          'work item failed; it is retried after its lease',
        );
      })
      .finally(() => {
        this.#inFlight.delete(tracked);
        this.wake();
      });
    this.#inFlight.add(tracked);
  }
}
