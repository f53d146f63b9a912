// `serve --eap-sim-db PATH` as an operator runs it: the network in one process, its UDM also
// answering hostapd's eap_sim_db on a UNIX datagram socket. A device onboarded through the PS
// then authenticates with EAP-AKA' through Debian's hostapd (RADIUS/EAP server) and eapol_test
// (the peer, the UE agent as its external USIM). Skipped when hostapd or eapol_test is missing;
// .ci/run installs both.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { makeDevices, registerDeviceBatch } from '../../src/cli/devices.js';
import { readyLine } from '../../src/cli/ready-line.js';
import { OnboardingClient } from '../../src/nf/ps/client.js';
import { FileCredentialStore } from '../../src/ue/credential-store.js';
import { permanentIdentity, usimOfDevice } from '../../src/ue/external-sim.js';
import { onboard } from '../../src/ue/onboarding.js';
import { register } from '../../src/ue/registration.js';
import { openSoftwareKeyStore } from '../../src/ue/software-key-store.js';
import {
  findExecutable,
  freeUdpPort,
  runEapolTest,
  startHostapd,
  type RunningProcess,
} from '../real-peers/peers.js';
import { runCli } from './run-cli.js';

const BIN = fileURLToPath(new URL('../../bin/npn-onboard', import.meta.url));
const hostapdBinary = findExecutable('hostapd');
const eapolTestBinary = findExecutable('eapol_test');
const missing = [
  ...(hostapdBinary === undefined ? ['hostapd'] : []),
  ...(eapolTestBinary === undefined ? ['eapol_test'] : []),
];
const root = mkdtempSync(join(tmpdir(), 'npn-eap-sim-db-'));
let server: ChildProcessWithoutNullStreams | undefined;
let hostapd: RunningProcess | undefined;

afterAll(async () => {
  await hostapd?.stop();
  server?.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(missing.length > 0)(
  missing.length === 0
    ? "serve --eap-sim-db: hostapd authenticates an onboarded device with EAP-AKA'"
    : `SKIPPED: ${missing.join(' and ')} not installed (apt-get install hostapd eapoltest)`,
  () => {
    test("onboard through the PS, EAP-AKA' through hostapd, the AMF, hostapd again; the socket goes with serve", async () => {
      const data = join(root, 'data');
      expect((await runCli(['init', '--data', data])).code).toBe(0);
      const config = join(data, 'npn-onboard.yaml');
      writeFileSync(
        config,
        readFileSync(config, 'utf8').replace('authMethod: 5G_AKA ', 'authMethod: EAP_AKA_PRIME '),
      );
      const socket = join(data, 'eap_sim_db.sock');
      const portBase = 20_000 + Math.floor(Math.random() * 30_000);
      server = spawn(BIN, [
        'serve',
        '--data',
        data,
        '--port-base',
        String(portBase),
        '--json',
        '--eap-sim-db',
        socket,
      ]);
      const { endpoints } = await readyLine(server);
      expect(statSync(socket).isSocket()).toBe(true);
      expect(statSync(socket).mode & 0o777).toBe(0o600);

      const batch = join(root, 'devices');
      const { manifest } = makeDevices({ count: 1, deviceClass: 'wifi-meter', out: batch });
      await registerDeviceBatch({
        dir: batch,
        dcsUrl: endpoints.dcs!,
        adminToken: readFileSync(join(data, 'admin-token'), 'utf8').trim(),
      });
      const deviceDir = join(batch, manifest.devices[0]!.dir);
      const keyStore = openSoftwareKeyStore(deviceDir);
      const { bundle } = await onboard(
        new OnboardingClient({ baseUrl: endpoints.ps! }),
        keyStore,
        keyStore.identity,
        { form: 'cwt', credentialStore: new FileCredentialStore(deviceDir) },
      );
      expect(bundle.authMethod).toBe('EAP_AKA_PRIME');

      const port = await freeUdpPort();
      hostapd = await startHostapd({ binary: hostapdBinary!, dir: root, port, eapSimDb: socket });
      const run = await runEapolTest({
        binary: eapolTestBinary!,
        dir: root,
        name: 'cli',
        port,
        identity: permanentIdentity(bundle, "AKA'"),
        usim: usimOfDevice(deviceDir).usim,
      });
      expect(run.verdict, run.log).toBe('SUCCESS');
      expect(run.code).toBe(0);
      expect(run.answers).toEqual(['UMTS-AUTH']);

      // One SQN state for hostapd and the AMF: separate counters would hand the AMF the SQN the
      // USIM has just seen, and the UE would answer AUTS (a resync) instead of RES.
      const registration = await register({
        amf: endpoints.amf!,
        device: deviceDir,
        broadcast: [bundle.snpn],
      });
      expect(registration.result).toBe('AUTHENTICATION_SUCCESS');
      expect(registration.authMethod).toBe('EAP_AKA_PRIME');
      expect(registration.resyncs).toBe(0);
      const again = await runEapolTest({
        binary: eapolTestBinary!,
        dir: root,
        name: 'cli-again',
        port,
        identity: permanentIdentity(bundle, "AKA'"),
        usim: usimOfDevice(deviceDir).usim,
      });
      expect(again.verdict, again.log).toBe('SUCCESS');
      expect(again.answers).toEqual(['UMTS-AUTH']);
      await hostapd.stop();
      hostapd = undefined;

      const exited = new Promise<number | null>((resolve) => server!.on('exit', resolve));
      server.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(existsSync(socket)).toBe(false);
    }, 60_000);
  },
);

test('--eap-sim-db needs the UDM in this serve, and one process', async () => {
  const data = join(root, 'refused');
  const noUdm = await runCli(['serve', 'dcs', '--data', data, '--eap-sim-db', join(root, 's')]);
  expect(noUdm.code).toBe(2);
  expect(noUdm.stderr).toMatch(/--eap-sim-db needs the udm/);
  const workers = await runCli([
    'serve',
    '--data',
    data,
    '--workers',
    '2',
    '--eap-sim-db',
    join(root, 's'),
  ]);
  expect(workers.code).toBe(2);
  expect(workers.stderr).toMatch(/--eap-sim-db runs with --workers 1 only/);
  expect(existsSync(data)).toBe(false);
});
