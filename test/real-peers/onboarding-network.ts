// The onboarding network of the real-peer tests, in this process: the DCS, the UDM and the PS on
// free ports (the PS reaching the others over HTTP), as test/nf/ps/test-network.ts builds it, but
// with the UDM itself at hand, since hostapd's HLR/AuC gateway runs on it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateJwkPair } from '../../src/lib/key-pairs.js';
import { createDcs, type Dcs } from '../../src/nf/dcs/dcs.js';
import type { ProvisioningConfig } from '../../src/nf/ps/config.js';
import { createPs, type Ps } from '../../src/nf/ps/ps.js';
import { createUdm, type Udm } from '../../src/nf/udm/udm.js';
import {
  ADMIN_TOKEN,
  HWMODEL,
  OEMID,
  OP,
  admin,
  testConfig,
  type TestDevice,
} from '../nf/ps/test-network.js';

export interface OnboardingNetwork {
  dcs: Dcs;
  udm: Udm;
  ps: Ps;
  /** the DCS endorses the device (its AKM, class, oemid, hwmodel) */
  endorse(device: TestDevice): Promise<void>;
  close(): Promise<void>;
}

export async function startOnboardingNetwork(
  config: ProvisioningConfig = testConfig(),
): Promise<OnboardingNetwork> {
  const dir = mkdtempSync(join(tmpdir(), 'npn-real-peers-net-'));
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const dcs = await createDcs({
      store: { kind: 'sqlite', dataDir: join(dir, 'dcs') },
      kek: new Uint8Array(randomBytes(32)),
      adminToken: ADMIN_TOKEN,
      earSigningKey: { privateJwk: generateJwkPair('P-256').privateJwk, kid: 'dcs-test' },
      logger: false,
    });
    closers.push(() => dcs.close());
    const dcsUrl = await dcs.app.listen({ host: '127.0.0.1', port: 0 });
    const transportKey = { id: 'test-transport-key', key: new Uint8Array(randomBytes(32)) };
    const udm = await createUdm({
      store: { kind: 'sqlite', dataDir: join(dir, 'udm') },
      kek: new Uint8Array(randomBytes(32)),
      adminToken: ADMIN_TOKEN,
      transportKey,
      logger: false,
    });
    closers.push(() => udm.close());
    const udmUrl = await udm.app.listen({ host: '127.0.0.1', port: 0 });
    const ps = await createPs({
      store: { kind: 'sqlite', dataDir: join(dir, 'ps') },
      kek: new Uint8Array(randomBytes(32)),
      adminToken: ADMIN_TOKEN,
      op: OP,
      provisioning: config,
      dcs: { baseUrl: dcsUrl, timeoutMs: 2000 },
      udm: { baseUrl: udmUrl, transportKey, timeoutMs: 2000 },
      logger: false,
      worker: { pollMs: 20, leaseMs: 300 },
    });
    closers.push(() => ps.close());
    return {
      dcs,
      udm,
      ps,
      async endorse(device) {
        const r = await dcs.app.inject({
          method: 'PUT',
          url: `/endorsements/v1/devices/${device.ueidHex}`,
          headers: admin,
          payload: {
            akm: device.endorsedAkm,
            deviceClass: 'meter-v1',
            oemid: OEMID,
            hwmodel: HWMODEL,
          },
        });
        if (r.statusCode !== 201 && r.statusCode !== 200) throw new Error(`endorse: ${r.body}`);
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
