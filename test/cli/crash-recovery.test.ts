// The whole network killed with SIGKILL while 40 devices onboard, then restarted on the same data:
// every device ends up with working credentials, and the UDM holds exactly the SUPIs the devices
// hold: nothing duplicated, nothing left half-pushed. Real processes, real stores.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
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
          timeoutMs: 15_000,
        }),
      ),
    );
  };

  const udmSupis = () => {
    const db = new Database(join(data, 'db', 'udm.sqlite'), { readonly: true });
    try {
      return (
        db.prepare('select supi from authentication_subscriptions order by supi').all() as {
          supi: string;
        }[]
      ).map((r) => r.supi);
    } finally {
      db.close();
    }
  };
  // Kill the whole network while the onboardings are in flight: mid-transaction, mid-push.
  let settled = 0;
  const first = onboardAll(devices);
  void first.then(() => (settled = devices.length));
  // ... once some credentials have reached the UDM, and before every device is done.
  for (let i = 0; i < 500 && udmSupis().length < 8; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(settled).toBe(0);
  server!.kill('SIGKILL');
  const firstRound = await first;
  const interrupted = devices.filter((_, i) => firstRound[i]!.status === 'rejected');
  expect(interrupted.length).toBeGreaterThan(0);

  const pushedBeforeKill = udmSupis();
  // Same data, same ports: the devices that did not finish simply onboard again.
  endpoints = await serve(data, portBase);
  const second = await onboardAll(interrupted);
  for (const r of second) expect(r.status).toBe('fulfilled');

  // Every device holds credentials; the UDM must end with exactly those SUPIs once the PS's
  // worker has withdrawn what the interrupted sessions had pushed. The killed process's outbox
  // leases (30 s) must run out first: a restarted PS cannot tell a dead worker from another one.
  const held = devices.map((d) => d.credentials.load()!.bundle.supi).sort();
  expect(new Set(held).size).toBe(devices.length);
  let atUdm: string[] = [];
  for (let i = 0; i < 300; i++) {
    atUdm = udmSupis();
    if (JSON.stringify(atUdm) === JSON.stringify(held)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(atUdm).toEqual(held);
  // Some of what was at the UDM at the kill belonged to interrupted sessions, and was withdrawn.
  expect(pushedBeforeKill.some((supi) => !held.includes(supi))).toBe(true);

  const exited = new Promise<number | null>((resolve) => server!.on('exit', resolve));
  server!.kill('SIGTERM');
  expect(await exited).toBe(0);
  writeFileSync(join(root, 'done'), '');
}, 150_000);
