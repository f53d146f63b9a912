// A real UDM for tests, and sealing done here with node:crypto alone (AES-256-GCM, "v1." +
// base64url(IV || ciphertext || tag), the format of src/lib/seal.ts), so the tests check the
// UDM's sealing and unsealing against an independent implementation.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUdm, type Udm, type UdmConfig } from '../../../src/nf/udm/udm.js';
import type { StoreConfig } from '../../../src/store/store-config.js';

export const ADMIN_TOKEN = 'udm-test-admin-token-0123456789';
export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

export function sealHere(key: Uint8Array, plaintext: Uint8Array, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return 'v1.' + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

export function openHere(key: Uint8Array, sealed: string, aad: string): Buffer {
  if (!sealed.startsWith('v1.')) throw new Error('not sealed');
  const raw = Buffer.from(sealed.slice(3), 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
}

export interface TestUdm {
  udm: Udm;
  config: UdmConfig;
  /** closes the UDM and opens it again on the same store and keys (a restart) */
  restart(change?: Partial<UdmConfig>): Promise<Udm>;
  /** removes the UDM's data directory too */
  close(): Promise<void>;
}

/** A UDM with a fresh KEK and transport key, on `store` or SQLite in a fresh directory. */
export async function createTestUdm(
  options: { store?: StoreConfig; config?: Partial<UdmConfig> } = {},
): Promise<TestUdm> {
  const dir = mkdtempSync(join(tmpdir(), 'npn-test-udm-'));
  const config: UdmConfig = {
    store: options.store ?? { kind: 'sqlite', dataDir: dir },
    kek: new Uint8Array(randomBytes(32)),
    adminToken: ADMIN_TOKEN,
    transportKey: { id: 'transport-key-1', key: new Uint8Array(randomBytes(32)) },
    logger: false,
    ...options.config,
  };
  let udm: Udm;
  try {
    udm = await createUdm(config);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    get udm() {
      return udm;
    },
    config,
    async restart(change = {}) {
      await udm.close();
      Object.assign(config, change);
      udm = await createUdm(config);
      return udm;
    },
    async close() {
      await udm.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
