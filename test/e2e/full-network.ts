// The whole network in this process, each function on its own loopback port and reaching the
// others over HTTP through their clients, as `serve` wires them (src/cli/network.ts): DCS, UDM,
// PS, AUSF and AMF on one store backend (SQLite or PostgreSQL). Unlike `serve`, the handles stay
// at hand: the AMF's security contexts (KAMF) and the UDM's subscriptions and auth events are
// what the end-to-end tests check. Devices are made and endorsed as the operator does it
// (npn-onboard devices make / register), and onboard with the UE agent (src/ue/onboarding.ts).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDevices, registerDeviceBatch } from '../../src/cli/devices.js';
import { generateJwkPair } from '../../src/lib/key-pairs.js';
import type { CredentialBundle, SnpnId } from '../../src/lib/onboarding/credential-bundle.js';
import { AmfClient } from '../../src/nf/amf/client.js';
import { createAmf, type Amf } from '../../src/nf/amf/amf.js';
import { createAusf, type Ausf } from '../../src/nf/ausf/ausf.js';
import { createDcs, type Dcs } from '../../src/nf/dcs/dcs.js';
import { OnboardingClient } from '../../src/nf/ps/client.js';
import { snpnIds, type ProvisioningConfig } from '../../src/nf/ps/config.js';
import { createPs, type Ps } from '../../src/nf/ps/ps.js';
import { createUdm, type Udm } from '../../src/nf/udm/udm.js';
import type { StoreConfig } from '../../src/store/store-config.js';
import { FileCredentialStore } from '../../src/ue/credential-store.js';
import { onboard } from '../../src/ue/onboarding.js';
import { openSoftwareKeyStore } from '../../src/ue/software-key-store.js';
import { ADMIN_TOKEN, OP } from '../nf/ps/devices.js';

export interface FullNetwork {
  dcs: Dcs;
  udm: Udm;
  ps: Ps;
  ausf: Ausf;
  amf: Amf;
  urls: { dcs: string; udm: string; ps: string; ausf: string; amf: string };
  /** the SNPNs of the configuration: what the AMF serves and the radio would broadcast */
  snpns: SnpnId[];
  /** makes a device of the class and endorses it at the DCS; its directory and UEID */
  newDevice(deviceClass: string): Promise<{ dir: string; ueid: string }>;
  /** Steps 1-2 for the device in `dir`: the bundle lands in dir/credentials.json */
  onboardDevice(dir: string): Promise<CredentialBundle>;
  /** the operator revokes the device (PS admin API) */
  revoke(ueid: string): Promise<void>;
  /** waits until the PS's worker has deleted the SUPI at the UDM */
  untilWithdrawn(supi: string): Promise<void>;
  close(): Promise<void>;
}

export async function startFullNetwork(
  store: StoreConfig,
  provisioning: ProvisioningConfig,
): Promise<FullNetwork> {
  const dir = mkdtempSync(join(tmpdir(), 'npn-e2e-'));
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c();
    rmSync(dir, { recursive: true, force: true });
  };
  const listen = async <T extends { app: Amf['app']; close(): Promise<void> }>(nf: T) => {
    closers.push(() => nf.close());
    return nf.app.listen({ host: '127.0.0.1', port: 0 });
  };
  const snpns = snpnIds(provisioning);
  try {
    const dcs = await createDcs({
      store,
      kek: new Uint8Array(randomBytes(32)),
      adminToken: ADMIN_TOKEN,
      earSigningKey: { privateJwk: generateJwkPair('P-256').privateJwk, kid: 'dcs-e2e' },
      logger: false,
    });
    const dcsUrl = await listen(dcs);
    const transportKey = { id: 'e2e-transport-key', key: new Uint8Array(randomBytes(32)) };
    const udm = await createUdm({
      store,
      kek: new Uint8Array(randomBytes(32)),
      adminToken: ADMIN_TOKEN,
      transportKey,
      servingNetworks: snpns,
      logger: false,
    });
    const udmUrl = await listen(udm);
    const ps = await createPs({
      store,
      kek: new Uint8Array(randomBytes(32)),
      adminToken: ADMIN_TOKEN,
      op: OP,
      provisioning,
      dcs: { baseUrl: dcsUrl, timeoutMs: 5000 },
      udm: { baseUrl: udmUrl, transportKey, timeoutMs: 5000 },
      logger: false,
      worker: { pollMs: 20, leaseMs: 2000 },
    });
    const psUrl = await listen(ps);
    const ausf = await createAusf({
      store,
      udm: { baseUrl: udmUrl, bearerToken: ADMIN_TOKEN },
      adminToken: ADMIN_TOKEN,
      logger: false,
    });
    const ausfUrl = await listen(ausf);
    const amf = await createAmf({
      ausf: { baseUrl: ausfUrl, bearerToken: ADMIN_TOKEN },
      snpns,
      logger: false,
    });
    const amfUrl = await listen(amf);

    const psClient = new OnboardingClient({ baseUrl: psUrl });
    let batches = 0;
    return {
      dcs,
      udm,
      ps,
      ausf,
      amf,
      urls: { dcs: dcsUrl, udm: udmUrl, ps: psUrl, ausf: ausfUrl, amf: amfUrl },
      snpns,
      async newDevice(deviceClass) {
        const out = join(dir, `batch-${batches++}`);
        const { manifest } = makeDevices({ count: 1, deviceClass, out });
        await registerDeviceBatch({ dir: out, dcsUrl, adminToken: ADMIN_TOKEN });
        const device = manifest.devices[0]!;
        return { dir: join(out, device.dir), ueid: device.ueid };
      },
      async onboardDevice(deviceDir) {
        const keyStore = openSoftwareKeyStore(deviceDir);
        const result = await onboard(psClient, keyStore, keyStore.identity, {
          form: 'cwt',
          credentialStore: new FileCredentialStore(deviceDir),
        });
        return result.bundle;
      },
      async revoke(ueid) {
        const r = await fetch(`${psUrl}/onboarding-admin/v1/devices/${ueid}/revocation`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        if (!r.ok) throw new Error(`revocation: HTTP ${r.status} ${await r.text()}`);
      },
      async untilWithdrawn(supi) {
        for (let i = 0; i < 250; i++) {
          if (!(await udm.subscriptions.exists(supi))) return;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        throw new Error(`${supi} is still at the UDM`);
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** An AmfClient that keeps every 5G AKA challenge and EAP packet the network sent. */
export class WatchedAmfClient extends AmfClient {
  /** RAND and AUTN (hex) of each 5G AKA challenge, fresh ones after AUTS included */
  readonly challenges: { rand: string; autn: string }[] = [];
  /** every EAP packet from the network (base64) */
  readonly eapPayloads: string[] = [];

  override async register(...args: Parameters<AmfClient['register']>) {
    const challenge = await super.register(...args);
    if (challenge.authMethod === '5G_AKA') this.challenges.push(challenge);
    else this.eapPayloads.push(challenge.eapPayload);
    return challenge;
  }

  override async resynchronise5gAka(...args: Parameters<AmfClient['resynchronise5gAka']>) {
    const fresh = await super.resynchronise5gAka(...args);
    this.challenges.push(fresh);
    return fresh;
  }

  override async eapSession(...args: Parameters<AmfClient['eapSession']>) {
    const answer = await super.eapSession(...args);
    this.eapPayloads.push(answer.eapPayload);
    return answer;
  }
}
