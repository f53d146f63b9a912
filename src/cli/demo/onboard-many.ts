// Many simulated devices onboarding at once, at most `concurrency` in flight: what `demo` runs
// and what bench/onboarding measures. With `register`, each device then does Step 3 too: it
// selects its SNPN and authenticates at the AMF with the credentials it was just given.
import type { SnpnId } from '../../lib/onboarding/credential-bundle.js';
import type { AmfClient } from '../../nf/amf/client.js';
import type { OnboardingClient } from '../../nf/ps/client.js';
import type { CredentialStore, UsimSqnStore } from '../../ue/credential-store.js';
import type { EvidenceForm } from '../../ue/evidence.js';
import { onboard, OnboardingError, type OnboardingResult } from '../../ue/onboarding.js';
import { register, RegistrationError, type RegistrationResult } from '../../ue/registration.js';
import type { SoftwareKeyStore } from '../../ue/software-key-store.js';

export interface SimulatedDevice {
  keyStore: SoftwareKeyStore;
  credentialStore: CredentialStore & UsimSqnStore;
}

export interface DeviceOutcome {
  onboarding?: OnboardingResult;
  registration?: RegistrationResult;
}

export interface OnboardManyResult {
  /** ms of each device that completed every step asked for, in completion order */
  latencies: number[];
  /** devices that completed Steps 1 and 2 */
  onboarded: number;
  /** devices that completed Step 3 too */
  authenticated: number;
  /** failures by the network's (or the device's) cause; Step 3's prefixed "registration " */
  failures: Record<string, number>;
  elapsedMs: number;
}

export async function onboardMany(
  client: OnboardingClient,
  devices: readonly SimulatedDevice[],
  options: {
    form: EvidenceForm;
    concurrency: number;
    /** Step 3: register at this AMF, choosing among these broadcast SNPNs */
    register?: { amf: AmfClient; broadcast: readonly SnpnId[] };
    /** called as each device finishes: its index and how far it got */
    onSettled?: (index: number, outcome: DeviceOutcome, ok: boolean) => void;
  },
): Promise<OnboardManyResult> {
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  const fail = (cause: string) => (failures[cause] = (failures[cause] ?? 0) + 1);
  let onboarded = 0;
  let authenticated = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < devices.length) {
      const index = next++;
      const { keyStore, credentialStore } = devices[index]!;
      const outcome: DeviceOutcome = {};
      const t0 = performance.now();
      try {
        outcome.onboarding = await onboard(client, keyStore, keyStore.identity, {
          form: options.form,
          credentialStore,
        });
        onboarded++;
        if (options.register) {
          outcome.registration = await register({
            amf: options.register.amf,
            credentialStore,
            broadcast: options.register.broadcast,
          });
          authenticated++;
        }
        latencies.push(performance.now() - t0);
        options.onSettled?.(index, outcome, true);
      } catch (err) {
        if (err instanceof OnboardingError) fail(err.problemCause);
        else if (err instanceof RegistrationError) fail(`registration ${err.cause}`);
        else fail('INTERNAL_ERROR');
        options.onSettled?.(index, outcome, false);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, devices.length) }, worker));
  return { latencies, onboarded, authenticated, failures, elapsedMs: performance.now() - started };
}
