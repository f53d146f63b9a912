// Steps 1, 2 and 3 end to end, wired as `serve` wires them (src/cli/network.ts: DCS, UDM, PS,
// AUSF, AMF over HTTP, SQLite): a device is attested and gets the credentials the PS generated,
// then selects its SNPN and registers with them. Every combination of authentication method,
// SUCI protection scheme and SUPI kind the policy can ask for; a USIM whose SQN is ahead; a
// wrong K; revoked and rotated credentials.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeDevices, registerDeviceBatch } from '../../src/cli/devices.js';
import { initDataDir } from '../../src/cli/init.js';
import { startNetwork, type Network } from '../../src/cli/network.js';
import { adminToken } from '../../src/cli/data-dir.js';
import { UsimSqnArray } from '../../src/lib/aka/sqn.js';
import type { CredentialBundle, SnpnId } from '../../src/lib/onboarding/credential-bundle.js';
import { AmfClient } from '../../src/nf/amf/client.js';
import { OnboardingClient } from '../../src/nf/ps/client.js';
import { FileCredentialStore, MemoryCredentialStore } from '../../src/ue/credential-store.js';
import { onboard } from '../../src/ue/onboarding.js';
import { register, RegistrationError } from '../../src/ue/registration.js';
import { openSoftwareKeyStore } from '../../src/ue/software-key-store.js';
import { computeSuci } from '../../src/ue/suci.js';
import type { SbiClientError } from '../../src/sbi/client.js';

const METHODS = ['5G_AKA', 'EAP_AKA_PRIME'] as const;
const SCHEMES = ['A', 'B', 'null'] as const;
const SUPIS = ['imsi', 'nai'] as const;
const COMBINATIONS = METHODS.flatMap((authMethod) =>
  SCHEMES.flatMap((scheme) => SUPIS.map((supi) => ({ authMethod, scheme, supi }))),
);
const className = (c: (typeof COMBINATIONS)[number]) =>
  `e2e-${c.authMethod === '5G_AKA' ? '5g' : 'eap'}-${c.scheme}-${c.supi}`.toLowerCase();
const REALM = 'e2e.snpn.example';

const root = mkdtempSync(join(tmpdir(), 'npn-e2e-'));
const dataDir = join(root, 'data');
let network: Network;
let ps: OnboardingClient;
let amf: AmfClient;
let broadcast: SnpnId[];
let token: string;

/** The default configuration, with a realm for NAI SUPIs and one policy rule per combination. */
function e2eConfig(yaml: string): string {
  const rules = COMBINATIONS.map(
    (c) => `  - name: ${className(c)}
    match: { deviceClass: ${className(c)} }
    snpn: demo
    holder: udm
    authMethod: ${c.authMethod}
    supi: ${c.supi}
    suciScheme: "${c.scheme}"
    accept: [affirming]
`,
  ).join('');
  const withRealm = yaml.replace('    # naiRealm: demo.snpn.example', `    naiRealm: ${REALM}`);
  const start = withRealm.indexOf('\npolicy:\n');
  const end = withRealm.indexOf('\n# Defaults of the generated');
  expect(start).toBeGreaterThan(0);
  expect(end).toBeGreaterThan(start);
  return `${withRealm.slice(0, start)}\npolicy:\n${rules}${withRealm.slice(end)}`;
}

beforeAll(async () => {
  initDataDir(dataDir);
  const config = join(dataDir, 'npn-onboard.yaml');
  writeFileSync(config, e2eConfig(readFileSync(config, 'utf8')));
  network = await startNetwork(dataDir, ['dcs', 'udm', 'ps', 'ausf', 'amf'], {
    portBase: 0,
    quiet: true,
    synchronous: 'NORMAL',
  });
  ps = new OnboardingClient({ baseUrl: network.endpoints.ps! });
  amf = new AmfClient({ baseUrl: network.endpoints.amf! });
  token = adminToken(dataDir);
  broadcast = [{ mcc: '001', mnc: '01', nid: '000007ED9D5' }];
}, 60_000);

afterAll(async () => {
  await network?.close();
  rmSync(root, { recursive: true, force: true });
});

let batches = 0;
/** A new device of the class, endorsed at the DCS; its directory. */
async function newDevice(deviceClass: string): Promise<{ dir: string; ueid: string }> {
  const out = join(root, `batch-${batches++}`);
  const { manifest } = makeDevices({ count: 1, deviceClass, out });
  await registerDeviceBatch({ dir: out, dcsUrl: network.endpoints.dcs!, adminToken: token });
  return { dir: join(out, manifest.devices[0]!.dir), ueid: manifest.devices[0]!.ueid };
}

async function onboardDevice(dir: string): Promise<CredentialBundle> {
  const keyStore = openSoftwareKeyStore(dir);
  const result = await onboard(ps, keyStore, keyStore.identity, {
    form: 'cwt',
    credentialStore: new FileCredentialStore(dir),
  });
  return result.bundle;
}

/** Waits for the PS's worker to have withdrawn a SUPI at the UDM. */
async function untilGoneAtUdm(supi: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = await fetch(`${network.endpoints.udm}/nudm-cp/v1/${encodeURIComponent(supi)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (r.status === 404) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${supi} is still at the UDM`);
}

async function registrationCause(options: Parameters<typeof register>[0]): Promise<string> {
  try {
    await register(options);
  } catch (err) {
    if (err instanceof RegistrationError) return err.cause;
    throw err;
  }
  return 'AUTHENTICATION_SUCCESS';
}

describe('onboarding, then registration with the credentials the PS generated', () => {
  test.each(COMBINATIONS)(
    '$authMethod, SUCI scheme $scheme, $supi SUPI',
    async (c) => {
      const { dir } = await newDevice(className(c));
      const bundle = await onboardDevice(dir);
      expect(bundle.authMethod).toBe(c.authMethod);
      expect(bundle.suci.scheme).toBe(c.scheme);
      expect(bundle.supi).toMatch(
        c.supi === 'imsi' ? /^imsi-00101\d{10}$/ : new RegExp(`^nai-.+@${REALM}$`),
      );

      const credentialStore = new FileCredentialStore(dir);
      for (let round = 0; round < 2; round++) {
        const r = await register({ amf, credentialStore, broadcast });
        expect(r.result).toBe('AUTHENTICATION_SUCCESS');
        expect(r.supi).toBe(bundle.supi);
        expect(r.authMethod).toBe(c.authMethod);
        expect(r.resyncs).toBe(0);
        // The SUPI's user part never travels in clear, null scheme aside (the realm does).
        const user = bundle.supi.startsWith('imsi-')
          ? bundle.supi.slice(-10)
          : bundle.supi.slice(4, bundle.supi.indexOf('@'));
        expect(r.suci.includes(user)).toBe(c.scheme === 'null');
      }
    },
    30_000,
  );
});

describe('sequence numbers, wrong keys, revocation and rotation', () => {
  test.each(METHODS)(
    'a USIM whose SQN is ahead (%s): AUTS, resynchronisation, success',
    async (method) => {
      const { dir } = await newDevice(className({ authMethod: method, scheme: 'A', supi: 'imsi' }));
      const bundle = await onboardDevice(dir);
      const credentialStore = new FileCredentialStore(dir);
      // The USIM's SQN_MS is ahead of the UDM's SQN in every IND slot (as if another network
      // instance had authenticated it many times), within the wrap-around window Δ.
      const ahead = Number.parseInt(bundle.sqn, 16) + 2 ** 20;
      credentialStore.saveSqnArray(bundle, UsimSqnArray.fromSqnMs(ahead));

      const r = await register({ amf, credentialStore, broadcast });
      expect(r.result).toBe('AUTHENTICATION_SUCCESS');
      expect(r.resyncs).toBeGreaterThanOrEqual(1);
      // And the next registration needs none.
      expect((await register({ amf, credentialStore, broadcast })).resyncs).toBe(0);
    },
    30_000,
  );

  test('a UE with a wrong K: its USIM refuses the network (MAC failure), and a guessed RES* is rejected', async () => {
    const { dir } = await newDevice(className({ authMethod: '5G_AKA', scheme: 'B', supi: 'imsi' }));
    const bundle = await onboardDevice(dir);
    const wrong = new MemoryCredentialStore();
    wrong.save({ ...bundle, k: randomBytes(16).toString('hex') });
    expect(await registrationCause({ amf, credentialStore: wrong, broadcast })).toBe('MAC_FAILURE');

    // A UE that answers anyway (not having K, it can only guess RES*) is refused by the network.
    const stored = new FileCredentialStore(dir);
    const challenge = await amf.register(computeSuci(stored.load()!.bundle), bundle.snpn);
    expect(challenge.authMethod).toBe('5G_AKA');
    const refused = await amf.confirm5gAka(challenge.id, randomBytes(16).toString('hex')).then(
      () => undefined,
      (err: unknown) => err as SbiClientError,
    );
    expect(refused?.status).toBe(403);
    expect(refused?.problemCause).toBe('AUTHENTICATION_REJECTED');
  }, 30_000);

  test('revoked by the operator: once the UDM dropped the SUPI, the device no longer authenticates', async () => {
    const { dir, ueid } = await newDevice(
      className({ authMethod: 'EAP_AKA_PRIME', scheme: 'A', supi: 'nai' }),
    );
    const bundle = await onboardDevice(dir);
    const credentialStore = new FileCredentialStore(dir);
    expect((await register({ amf, credentialStore, broadcast })).result).toBe(
      'AUTHENTICATION_SUCCESS',
    );

    const revoked = await fetch(
      `${network.endpoints.ps}/onboarding-admin/v1/devices/${ueid}/revocation`,
      { method: 'POST', headers: { authorization: `Bearer ${token}` } },
    );
    expect(revoked.ok).toBe(true);
    await untilGoneAtUdm(bundle.supi);
    expect(await registrationCause({ amf, credentialStore, broadcast })).toBe('USER_NOT_FOUND');
  }, 30_000);

  test('rotated by onboarding again: the old credentials no longer authenticate, the new ones do', async () => {
    const { dir } = await newDevice(
      className({ authMethod: '5G_AKA', scheme: 'null', supi: 'imsi' }),
    );
    const old = await onboardDevice(dir);
    const oldStore = new MemoryCredentialStore();
    oldStore.save(old);
    expect((await register({ amf, credentialStore: oldStore, broadcast })).result).toBe(
      'AUTHENTICATION_SUCCESS',
    );

    const rotated = await onboardDevice(dir);
    expect(rotated.supi).not.toBe(old.supi);
    await untilGoneAtUdm(old.supi);
    expect(await registrationCause({ amf, credentialStore: oldStore, broadcast })).toBe(
      'USER_NOT_FOUND',
    );
    const r = await register({ amf, credentialStore: new FileCredentialStore(dir), broadcast });
    expect(r.supi).toBe(rotated.supi);
  }, 30_000);
});
