// Secrets never reach a log line: `serve` with its request logs on (info level, as an operator
// runs it), devices onboarded and registered with 5G AKA and with EAP-AKA', some refused; then
// every line the network wrote is searched for each secret the test knows, in every encoding.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { makeDevices, registerDeviceBatch } from '../../src/cli/devices.js';
import type { CredentialBundle } from '../../src/lib/onboarding/credential-bundle.js';
import { AmfClient } from '../../src/nf/amf/client.js';
import { OnboardingClient } from '../../src/nf/ps/client.js';
import { FileCredentialStore, MemoryCredentialStore } from '../../src/ue/credential-store.js';
import { onboard } from '../../src/ue/onboarding.js';
import { register } from '../../src/ue/registration.js';
import { openSoftwareKeyStore } from '../../src/ue/software-key-store.js';
import { runCli } from './run-cli.js';

const BIN = fileURLToPath(new URL('../../bin/npn-onboard', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'npn-logs-'));
let server: ChildProcessWithoutNullStreams | undefined;
afterAll(() => {
  server?.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

/** A secret as it could appear in a log: hex either case, base64, base64url. */
function encodings(hex: string): string[] {
  const bytes = Buffer.from(hex, 'hex');
  return [
    hex.toLowerCase(),
    hex.toUpperCase(),
    bytes.toString('base64'),
    bytes.toString('base64url'),
  ];
}

test('serve logs requests, never K, OPc, the ack token, OP, the KEK or the admin token', async () => {
  const data = join(root, 'data');
  expect((await runCli(['init', '--data', data])).code).toBe(0);
  // Two policy rules: a class for each method.
  const config = join(data, 'npn-onboard.yaml');
  const yaml = readFileSync(config, 'utf8');
  const rule = yaml.slice(
    yaml.indexOf('  - name: every-device'),
    yaml.indexOf('\n\n', yaml.indexOf('  - name: every-device')),
  );
  const eapRule = rule
    .replace('name: every-device', 'name: eap-devices')
    .replace('match: {}', 'match: { deviceClass: eap-meter }')
    .replace('authMethod: 5G_AKA ', 'authMethod: EAP_AKA_PRIME ');
  writeFileSync(config, yaml.replace(rule, `${eapRule}\n${rule}`));

  const portBase = 20_000 + Math.floor(Math.random() * 30_000);
  const child = spawn(BIN, ['serve', '--data', data, '--port-base', String(portBase)]);
  server = child;
  let log = '';
  child.stdout.on('data', (c: Buffer) => (log += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (log += c.toString('utf8')));
  await new Promise<void>((resolve, reject) => {
    const check = () => (log.includes('npn-onboard: serving') ? resolve() : undefined);
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${log}`)));
  });
  const url = (offset: number) => `http://127.0.0.1:${portBase + offset}`;
  const adminToken = readFileSync(join(data, 'admin-token'), 'utf8').trim();

  const bundles: CredentialBundle[] = [];
  for (const deviceClass of ['aka-meter', 'eap-meter']) {
    const batch = join(root, deviceClass);
    const { manifest } = makeDevices({ count: 2, deviceClass, out: batch });
    await registerDeviceBatch({ dir: batch, dcsUrl: url(1), adminToken });
    for (const d of manifest.devices) {
      const dir = join(batch, d.dir);
      const keyStore = openSoftwareKeyStore(dir);
      const credentialStore = new FileCredentialStore(dir);
      const { bundle } = await onboard(
        new OnboardingClient({ baseUrl: url(0) }),
        keyStore,
        keyStore.identity,
        { form: 'cwt', credentialStore },
      );
      bundles.push(bundle);
      const r = await register({
        amf: new AmfClient({ baseUrl: url(4) }),
        credentialStore,
        broadcast: [bundle.snpn],
      });
      expect(r.result).toBe('AUTHENTICATION_SUCCESS');
      // And a refusal: the same SUPI with a wrong K.
      const wrong = new MemoryCredentialStore();
      wrong.save({ ...bundle, k: '00'.repeat(16) });
      await expect(
        register({
          amf: new AmfClient({ baseUrl: url(4) }),
          credentialStore: wrong,
          broadcast: [bundle.snpn],
        }),
      ).rejects.toThrow();
    }
  }
  expect(new Set(bundles.map((b) => b.authMethod))).toEqual(new Set(['5G_AKA', 'EAP_AKA_PRIME']));

  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);

  // The logs are there (so the search means something) ...
  expect(log).toMatch(/"msg":"request completed"/);
  expect(log).toContain('/namf-reg/v1/registrations');
  expect(log).toContain(bundles[0]!.supi);
  // ... and hold none of the secrets.
  const secrets = [
    ...bundles.flatMap((b) => [...encodings(b.k), ...encodings(b.opc)]),
    ...bundles.map((b) => b.ackToken),
    adminToken,
    ...encodings(readFileSync(join(data, 'op'), 'utf8').trim()),
    ...encodings(readFileSync(join(data, 'kek'), 'utf8').trim()),
  ];
  for (const secret of secrets) expect(log.includes(secret), 'a secret in the log').toBe(false);
}, 90_000);
