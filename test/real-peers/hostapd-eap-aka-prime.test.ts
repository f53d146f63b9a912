// The credentials the Provisioning Server generates, proven against independent EAP-AKA'
// software: Debian's hostapd is the RADIUS/EAP server, the UDM its HLR/AuC (eap_sim_db over our
// gateway, the same subscriptions and SQN state as Nudm_UEAU), and eapol_test the peer, with the
// UE agent as its external USIM. A device is onboarded through the PS (Steps 1-2) in the same
// test; then EAP-AKA' must reach SUCCESS, recover from a USIM whose SQN is ahead (AUTS), and fail
// for a USIM with another K and for a revoked subscription.
// Needs hostapd and eapol_test (Debian: apt-get install hostapd eapoltest; .ci/run does it).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fromHex } from '../../src/lib/bytes.js';
import { sqnToNumber, UsimSqnArray } from '../../src/lib/aka/sqn.js';
import type { CredentialBundle } from '../../src/lib/onboarding/credential-bundle.js';
import { startHlrAucGateway, type HlrAucGateway } from '../../src/nf/udm/hlr-auc-gw.js';
import { FileCredentialStore } from '../../src/ue/credential-store.js';
import { permanentIdentity, usimOfDevice } from '../../src/ue/external-sim.js';
import { Usim } from '../../src/ue/usim.js';
import { makeDevice, onboard, testConfig } from '../nf/ps/test-network.js';
import { startOnboardingNetwork, type OnboardingNetwork } from './onboarding-network.js';
import {
  findExecutable,
  freeUdpPort,
  runEapolTest,
  startHostapd,
  type RunningProcess,
} from './peers.js';

const hostapdBinary = findExecutable('hostapd');
const eapolTestBinary = findExecutable('eapol_test');
const missing = [
  ...(hostapdBinary === undefined ? ['hostapd'] : []),
  ...(eapolTestBinary === undefined ? ['eapol_test'] : []),
];
const title =
  missing.length === 0
    ? "EAP-AKA' with hostapd (UDM as HLR/AuC) and eapol_test (UE agent as USIM)"
    : `SKIPPED: ${missing.join(' and ')} not installed (apt-get install hostapd eapoltest)`;

describe.skipIf(missing.length > 0)(title, () => {
  const dir = mkdtempSync(join(tmpdir(), 'npn-real-peers-'));
  const gatewayLog: { msg: string; obj: object }[] = [];
  const logger = {
    info: (obj: object, msg: string) => gatewayLog.push({ obj, msg }),
    warn: (obj: object, msg: string) => gatewayLog.push({ obj, msg }),
  };
  let network: OnboardingNetwork | undefined;
  let gateway: HlrAucGateway | undefined;
  let hostapd: RunningProcess | undefined;
  let port: number;
  let runs = 0;

  beforeAll(async () => {
    network = await startOnboardingNetwork(
      testConfig((c) => {
        c.policy[0]!.authMethod = 'EAP_AKA_PRIME';
      }),
    );
    gateway = await startHlrAucGateway({
      path: join(dir, 'hlr_auc_gw.sock'),
      authVectors: network.udm.authVectors,
      logger,
    });
    port = await freeUdpPort();
    hostapd = await startHostapd({ binary: hostapdBinary!, dir, port, eapSimDb: gateway.path });
  });

  afterAll(async () => {
    await hostapd?.stop();
    await gateway?.close();
    await network?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Onboards a new device through the PS; its credentials land in its own device directory. */
  async function onboardDevice(): Promise<{ deviceDir: string; bundle: CredentialBundle }> {
    const device = makeDevice('ES256');
    await network!.endorse(device);
    const { bundle } = await onboard(network!.ps, device);
    const deviceDir = join(dir, `device-${device.ueidHex.slice(2, 12)}`);
    mkdirSync(deviceDir, { mode: 0o700 });
    new FileCredentialStore(deviceDir).save(bundle);
    return { deviceDir, bundle };
  }

  function authenticate(bundle: CredentialBundle, usim: Pick<Usim, 'authenticate'>) {
    runs += 1;
    return runEapolTest({
      binary: eapolTestBinary!,
      dir,
      name: `eapol-${runs}`,
      port,
      identity: permanentIdentity(bundle, "AKA'"),
      usim,
    });
  }

  /** SQN_MS: the highest SQN the device's USIM has accepted, as its store saved it. */
  function usimSqn(deviceDir: string, bundle: CredentialBundle): number | undefined {
    return new FileCredentialStore(deviceDir).loadSqnArray(bundle)?.sqnMs();
  }

  /** SQN_HE, as the UDM keeps it for the subscription. */
  async function udmSqn(supi: string): Promise<number | undefined> {
    const state = await network!.udm.authVectors.sqnState(supi);
    return state && sqnToNumber(fromHex(state.sqn));
  }

  test('credentials the PS generated authenticate: SUCCESS, and the USIM keeps the SQN', async () => {
    const { deviceDir, bundle } = await onboardDevice();
    expect(bundle.authMethod).toBe('EAP_AKA_PRIME');
    expect(bundle.supi).toMatch(/^imsi-\d{15}$/);

    const first = await authenticate(bundle, usimOfDevice(deviceDir).usim);
    expect(first.verdict, first.log).toBe('SUCCESS');
    expect(first.code).toBe(0);
    expect(first.answers).toEqual(['UMTS-AUTH']);
    expect(first.events.some((e) => e.startsWith('CTRL-EVENT-EAP-SUCCESS'))).toBe(true);
    // hostapd ran EAP-AKA' (method 50), not EAP-AKA, on the identity's "6" prefix.
    expect(hostapd!.log()).toMatch(/respMethod=50/);

    // The USIM saved the SQN it accepted: one the UDM generated above the provisioned SQN.
    const sqn1 = usimSqn(deviceDir, bundle)!;
    expect(sqn1).toBeGreaterThan(sqnToNumber(fromHex(bundle.sqn)));
    // ... and the one SQN_HE the UDM keeps for this subscription, whichever interface asks.
    expect(await udmSqn(bundle.supi)).toBe(sqn1);

    // A new run (a new process, the USIM reloaded from its files) gets the UDM's next SQN.
    const second = await authenticate(bundle, usimOfDevice(deviceDir).usim);
    expect(second.verdict, second.log).toBe('SUCCESS');
    expect(second.answers).toEqual(['UMTS-AUTH']);
    expect(usimSqn(deviceDir, bundle)).toBeGreaterThan(sqn1);
    expect(await udmSqn(bundle.supi)).toBe(usimSqn(deviceDir, bundle));
  });

  test('a USIM whose SQN is ahead answers AUTS; the UDM resynchronises; then SUCCESS', async () => {
    const { deviceDir, bundle } = await onboardDevice();
    // The USIM has accepted SQNs far above what the UDM holds (e.g. from another network).
    const ahead = sqnToNumber(fromHex(bundle.sqn)) + 1000 * 32;
    new FileCredentialStore(deviceDir).saveSqnArray(bundle, UsimSqnArray.fromSqnMs(ahead));

    const result = await authenticate(bundle, usimOfDevice(deviceDir).usim);
    expect(result.verdict, result.log).toBe('SUCCESS');
    expect(result.answers).toEqual(['UMTS-AUTS', 'UMTS-AUTH']);
    expect(gatewayLog).toContainEqual(
      expect.objectContaining({ msg: 'eap_sim_db: SQN resynchronised from AUTS' }),
    );
    // The UDM's next SQN was above the SQN_MS the USIM reported, so the USIM took it.
    expect(usimSqn(deviceDir, bundle)).toBeGreaterThan(ahead);
    expect(await udmSqn(bundle.supi)).toBe(usimSqn(deviceDir, bundle));
  });

  test('a USIM with another K rejects the network (MAC failure): FAILURE', async () => {
    const { bundle } = await onboardDevice();
    const wrongK = fromHex(bundle.k).map((b, i) => (i === 0 ? b ^ 0x01 : b));
    const usim = new Usim({
      k: wrongK,
      opc: fromHex(bundle.opc),
      amf: fromHex(bundle.amf),
      sqnArray: UsimSqnArray.fromSqnMs(sqnToNumber(fromHex(bundle.sqn))),
    });
    const result = await authenticate(bundle, usim);
    expect(result.verdict, result.log).toBe('FAILURE');
    expect(result.code).not.toBe(0);
    expect(result.answers).toEqual(['UMTS-FAIL']);
  });

  test('a revoked subscription no longer authenticates: the HLR/AuC answers FAILURE', async () => {
    const { deviceDir, bundle } = await onboardDevice();
    const before = await authenticate(bundle, usimOfDevice(deviceDir).usim);
    expect(before.verdict, before.log).toBe('SUCCESS');

    // Revocation at the credentials holder (what the PS does on re-onboarding or rollback).
    expect(await network!.udm.subscriptions.delete(bundle.supi)).toBe(true);
    const after = await authenticate(bundle, usimOfDevice(deviceDir).usim);
    expect(after.verdict, after.log).toBe('FAILURE');
    expect(after.code).not.toBe(0);
    // hostapd had no vector to challenge with: the USIM was never asked.
    expect(after.answers).toEqual([]);
    const imsi = bundle.supi.slice('imsi-'.length);
    expect(gatewayLog).toContainEqual({
      msg: 'eap_sim_db: no authentication vector',
      obj: { imsi, cause: 'USER_NOT_FOUND' },
    });
  });
});
