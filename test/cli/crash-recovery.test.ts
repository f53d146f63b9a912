// The whole network killed with SIGKILL while 40 devices onboard, then restarted on the same data:
// every device ends up with working credentials, and the UDM holds exactly the SUPIs the devices
// hold: nothing duplicated, nothing left half-pushed. Real processes, real stores. (The PS alone
// killed at each point of one onboarding: crash-at-each-state.test.ts.)
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { udmSupis as udmSupisIn } from './udm-supis.js';
import { afterAll, expect, test } from 'vitest';
import { makeDevices, registerDeviceBatch } from '../../src/cli/devices.js';
import { OnboardingClient } from '../../src/nf/ps/client.js';
import { FileCredentialStore } from '../../src/ue/credential-store.js';
import { onboard } from '../../src/ue/onboarding.js';
import { openSoftwareKeyStore } from '../../src/ue/software-key-store.js';
import { runCli } from './run-cli.js';
import { readyLine } from '../../src/cli/ready-line.js';

const BIN = fileURLToPath(new URL('../../bin/npn-onboard', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'npn-crash-'));
let server: ChildProcessWithoutNullStreams | undefined;
afterAll(() => {
  server?.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function serve(data: string, portBase: number): Promise<Record<string, string>> {
  const child = spawn(BIN, ['serve', '--data', data, '--port-base', String(portBase), '--json']);
  server = child;
  return readyLine(child).then((r) => r.endpoints);
}

test('SIGKILL mid-onboarding, restart: every device onboards, the UDM holds exactly their SUPIs', async () => {
  const data = join(root, 'data');
  expect((await runCli(['init', '--data', data])).code).toBe(0);
  // A dead PS's claims on work run out after the lease; the default 30 s would only slow the test.
  const config = join(data, 'npn-onboard.yaml');
  writeFileSync(config, readFileSync(config, 'utf8').replace('  lease: 30s\n', '  lease: 1s\n'));
  const portBase = 20_000 + Math.floor(Math.random() * 30_000);
  let endpoints = await serve(data, portBase);

  const batch = join(root, 'devices');
  const { manifest } = makeDevices({ count: 40, deviceClass: 'crash-meter', out: batch });
  await registerDeviceBatch({
    dir: batch,
    dcsUrl: endpoints.dcs!,
    adminToken: readFileSync(join(data, 'admin-token'), 'utf8').trim(),
  });
  const devices = manifest.devices.map((d) => {
    const dir = join(batch, d.dir);
    return { keyStore: openSoftwareKeyStore(dir), credentials: new FileCredentialStore(dir) };
  });
  const onboardAll = (only: typeof devices) => {
    const client = new OnboardingClient({ baseUrl: endpoints.ps!, timeoutMs: 2_000 });
    return Promise.allSettled(
      only.map((d) =>
        onboard(client, d.keyStore, d.keyStore.identity, {
          form: 'cwt',
          credentialStore: d.credentials,
          timeoutMs: 40_000,
        }),
      ),
    );
  };

  const udmSupis = () => udmSupisIn(data);
  // Kill the whole network while the onboardings are in flight: mid-transaction, mid-push ...
  let settled = false;
  const first = onboardAll(devices);
  void first.then(() => (settled = true));
  // ... once some credentials have reached the UDM, and before every device is done.
  for (let i = 0; i < 500 && udmSupis().length < 8; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(settled).toBe(false);
  server!.kill('SIGKILL');
  await new Promise((resolve) => server!.once('exit', resolve));

  // Same data, same ports. The devices ride through the outage: each asks again (the same Evidence
  // under the same Idempotency-Key, the same session) until the network answers.
  endpoints = await serve(data, portBase);
  const outcomes = await first;
  const failed = outcomes.flatMap((r, i) => (r.status === 'rejected' ? [devices[i]!] : []));
  // One that still failed (it should not) onboards again, rotating whatever it had.
  for (const r of await onboardAll(failed)) expect(r.status).toBe('fulfilled');

  // Every device holds credentials, and the UDM exactly those SUPIs: nothing duplicated, nothing
  // left half-pushed.
  const held = devices.map((d) => d.credentials.load()!.bundle.supi).sort();
  expect(new Set(held).size).toBe(devices.length);
  let atUdm: string[] = [];
  for (let i = 0; i < 300; i++) {
    atUdm = udmSupis();
    if (JSON.stringify(atUdm) === JSON.stringify(held)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(atUdm).toEqual(held);
  expect(failed).toEqual([]);

  const exited = new Promise<number | null>((resolve) => server!.on('exit', resolve));
  server!.kill('SIGTERM');
  expect(await exited).toBe(0);
  writeFileSync(join(root, 'done'), '');
}, 150_000);
