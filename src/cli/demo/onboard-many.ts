// Many simulated devices onboarding at once, at most `concurrency` in flight: what `demo` runs
// and what bench/onboarding measures.
import type { OnboardingClient } from '../../nf/ps/client.js';
import type { CredentialStore } from '../../ue/credential-store.js';
import type { EvidenceForm } from '../../ue/evidence.js';
import { onboard, OnboardingError, type OnboardingResult } from '../../ue/onboarding.js';
import type { SoftwareKeyStore } from '../../ue/software-key-store.js';

export interface SimulatedDevice {
  keyStore: SoftwareKeyStore;
  credentialStore: CredentialStore;
}

export interface OnboardManyResult {
  /** ms of each successful onboarding, in completion order */
  latencies: number[];
  /** failures by the PS's (or the device's) cause */
  failures: Record<string, number>;
  elapsedMs: number;
}

export async function onboardMany(
  client: OnboardingClient,
  devices: readonly SimulatedDevice[],
  options: {
    form: EvidenceForm;
    concurrency: number;
    /** called as each device finishes: its index and its result, or undefined when it failed */
    onSettled?: (index: number, result: OnboardingResult | undefined) => void;
  },
): Promise<OnboardManyResult> {
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < devices.length) {
      const index = next++;
      const { keyStore, credentialStore } = devices[index]!;
      const t0 = performance.now();
      try {
        const result = await onboard(client, keyStore, keyStore.identity, {
          form: options.form,
          credentialStore,
        });
        latencies.push(performance.now() - t0);
        options.onSettled?.(index, result);
      } catch (err) {
        const cause = err instanceof OnboardingError ? err.problemCause : 'INTERNAL_ERROR';
        failures[cause] = (failures[cause] ?? 0) + 1;
        options.onSettled?.(index, undefined);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, devices.length) }, worker));
  return { latencies, failures, elapsedMs: performance.now() - started };
}
