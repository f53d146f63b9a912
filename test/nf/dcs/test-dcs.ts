// A real DCS for tests: SQLite in a fresh directory, a fresh KEK and EAR signing key.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateJwkPair } from '../../../src/lib/key-pairs.js';
import { createDcs, type Dcs } from '../../../src/nf/dcs/dcs.js';

export interface TestDcs {
  dcs: Dcs;
  /** removes the DCS's data directory too */
  close(): Promise<void>;
}

export async function createTestDcs(adminToken: string): Promise<TestDcs> {
  const dir = mkdtempSync(join(tmpdir(), 'npn-test-dcs-'));
  const dcs = await createDcs({
    store: { kind: 'sqlite', dataDir: dir },
    kek: new Uint8Array(randomBytes(32)),
    adminToken,
    earSigningKey: { privateJwk: generateJwkPair('P-256').privateJwk, kid: 'dcs-test' },
    logger: false,
  });
  return {
    dcs,
    async close() {
      await dcs.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
