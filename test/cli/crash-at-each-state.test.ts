// The PS killed with SIGKILL at each point of one onboarding, then restarted on the same data:
// the device rides through the outage and ends with credentials the UDM also holds, and the UDM
// holds nothing else. The DCS and the UDM run in a second process that stays up; proxies between
// the UE, the PS and its peers hold the one request at which the PS is killed.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { udmSupis as udmSupisIn } from './udm-supis.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeDevices, registerDeviceBatch } from '../../src/cli/devices.js';
import { readyLine } from '../../src/cli/ready-line.js';
import { DcsClient } from '../../src/nf/dcs/client.js';
import { OnboardingClient } from '../../src/nf/ps/client.js';
import { SbiClient } from '../../src/sbi/client.js';
import { FileCredentialStore } from '../../src/ue/credential-store.js';
import { onboard, type OnboardingError } from '../../src/ue/onboarding.js';
import { openSoftwareKeyStore } from '../../src/ue/software-key-store.js';
import { HoldProxy, type HoldRule } from './hold-proxy.js';
import { runCli } from './run-cli.js';

const BIN = fileURLToPath(new URL('../../bin/npn-onboard', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'npn-crash-state-'));
const data = join(root, 'data');
const portBase = 20_000 + Math.floor(Math.random() * 30_000);
const children: ChildProcessWithoutNullStreams[] = [];
let ps: ChildProcessWithoutNullStreams | undefined;
const proxies = {} as Record<'ue' | 'dcs' | 'udm', HoldProxy>;
let psUrl = '';
let ueUrl = '';
let dcsUrl = '';
let adminToken = '';
let devices: { ueid: string; dir: string }[] = [];

function serve(
  args: string[],
): Promise<{ child: ChildProcessWithoutNullStreams; endpoints: Record<string, string> }> {
  const child = spawn(BIN, [
    'serve',
    ...args,
    '--data',
    data,
    '--port-base',
    String(portBase),
    '--json',
  ]);
  children.push(child);
  return readyLine(child).then((r) => ({ child, endpoints: r.endpoints }));
}

async function startPs(): Promise<void> {
  const started = await serve([
    'ps',
    '--peer',
    `dcs=${proxyUrls.dcs}`,
    '--peer',
    `udm=${proxyUrls.udm}`,
  ]);
  ps = started.child;
  psUrl = started.endpoints.ps!;
}

const proxyUrls: Record<string, string> = {};

const udmSupis = () => udmSupisIn(data);

beforeAll(async () => {
  expect((await runCli(['init', '--data', data])).code).toBe(0);
  // A dead PS's claims on work run out after this; the default 30 s would only slow the test.
  const config = join(data, 'npn-onboard.yaml');
  const yaml = readFileSync(config, 'utf8');
  expect(yaml).toContain('  lease: 30s\n');
  writeFileSync(config, yaml.replace('  lease: 30s\n', '  lease: 1s\n'));

  const peers = await serve(['dcs', 'udm']);
  dcsUrl = peers.endpoints.dcs!;
  proxies.dcs = new HoldProxy(dcsUrl);
  proxies.udm = new HoldProxy(peers.endpoints.udm!);
  proxyUrls.dcs = await proxies.dcs.listen();
  proxyUrls.udm = await proxies.udm.listen();
  await startPs();
  proxies.ue = new HoldProxy(psUrl);
  ueUrl = await proxies.ue.listen();

  adminToken = readFileSync(join(data, 'admin-token'), 'utf8').trim();
  const batch = join(root, 'devices');
  const { manifest } = makeDevices({ count: 8, deviceClass: 'crash-meter', out: batch });
  await registerDeviceBatch({ dir: batch, dcsUrl: peers.endpoints.dcs!, adminToken });
  devices = manifest.devices.map((d) => ({ ueid: d.ueid, dir: join(batch, d.dir) }));
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(Object.values(proxies).map((p) => p.close()));
  rmSync(root, { recursive: true, force: true });
});

/** Where the PS is killed: the proxy, and the one request it holds. */
const POINTS: { name: string; proxy: 'ue' | 'dcs' | 'udm'; rule: HoldRule }[] = [
  {
    name: 'attesting: the appraisal asked of the DCS, no answer yet',
    proxy: 'dcs',
    rule: { method: 'POST', path: /^\/verification\/v1\/appraisals$/, when: 'before' },
  },
  {
    name: 'provisioning: the push to the UDM not yet arrived',
    proxy: 'udm',
    rule: { method: 'PUT', path: /^\/nudm-cp\/v1\//, when: 'before' },
  },
  {
    name: 'provisioning: the UDM stored the credentials, the PS did not hear so',
    proxy: 'udm',
    rule: { method: 'PUT', path: /^\/nudm-cp\/v1\//, when: 'after' },
  },
  {
    name: 'ready: the PS answered "ready", the device did not hear it',
    proxy: 'ue',
    rule: {
      method: 'GET',
      path: /^\/onboarding\/v1\/sessions\//,
      when: 'after',
      answer: /"ready"/,
    },
  },
  {
    name: 'ready: the device stored its credentials, its ack not yet arrived',
    proxy: 'ue',
    rule: { method: 'POST', path: /\/ack$/, when: 'before' },
  },
  {
    name: 'delivered: the PS recorded the ack, the device did not hear so',
    proxy: 'ue',
    rule: { method: 'POST', path: /\/ack$/, when: 'after' },
  },
];

describe('SIGKILL of the PS at each point of an onboarding', () => {
  POINTS.forEach((point, i) => {
    test(
      point.name,
      async () => {
        const device = devices[i]!;
        const keyStore = openSoftwareKeyStore(device.dir);
        const credentialStore = new FileCredentialStore(device.dir);
        const before = udmSupis();

        const proxy = proxies[point.proxy];
        const held = proxy.holdNext(point.rule);
        const client = new OnboardingClient({ baseUrl: ueUrl, timeoutMs: 2_000 });
        const onboarding = onboard(client, keyStore, keyStore.identity, {
          form: i % 2 === 0 ? 'cwt' : 'jwt',
          credentialStore,
          timeoutMs: 40_000,
        });
        await held;
        ps!.kill('SIGKILL');
        await new Promise((resolve) => ps!.once('exit', resolve));
        proxy.release();
        await startPs();

        const result = await onboarding;
        expect(credentialStore.load()!.bundle.supi).toBe(result.bundle.supi);
        // The UDM holds this device's SUPI, once, and nothing else new.
        const after = udmSupis();
        expect(after.filter((s) => !before.includes(s))).toEqual([result.bundle.supi]);

        // The PS's own record agrees: one session for the device, delivered.
        const sbi = new SbiClient({ baseUrl: psUrl, bearerToken: adminToken });
        const sessions = await sbi.request<{ items: { id: string; status: string }[] }>(
          'GET',
          `/onboarding-admin/v1/devices/${device.ueid}/sessions`,
        );
        expect(sessions.body.items.map((s) => [s.id, s.status])).toEqual([
          [result.sessionId, 'delivered'],
        ]);
      },
      60_000,
    );
  });

  test('attesting, and the device revoked while the PS is down: a clean failure, nothing at the UDM', async () => {
    const device = devices[POINTS.length]!;
    const keyStore = openSoftwareKeyStore(device.dir);
    const credentialStore = new FileCredentialStore(device.dir);
    const before = udmSupis();

    const held = proxies.dcs.holdNext(POINTS[0]!.rule);
    const client = new OnboardingClient({ baseUrl: ueUrl, timeoutMs: 2_000 });
    const outcome = onboard(client, keyStore, keyStore.identity, {
      form: 'cwt',
      credentialStore,
      timeoutMs: 40_000,
    }).then(
      () => 'onboarded',
      (err: unknown) => (err as OnboardingError).problemCause,
    );
    await held;
    ps!.kill('SIGKILL');
    await new Promise((resolve) => ps!.once('exit', resolve));
    proxies.dcs.release();
    await new DcsClient({ baseUrl: dcsUrl, adminToken }).revokeDevice(device.ueid);
    await startPs();

    expect(await outcome).toBe('DEVICE_REVOKED');
    expect(credentialStore.load()).toBeUndefined();
    expect(udmSupis()).toEqual(before);
    const sbi = new SbiClient({ baseUrl: psUrl, bearerToken: adminToken });
    const sessions = await sbi.request<{ items: { status: string }[] }>(
      'GET',
      `/onboarding-admin/v1/devices/${device.ueid}/sessions`,
    );
    expect(sessions.body.items.map((s) => s.status)).toEqual(['failed']);
  }, 60_000);
});
