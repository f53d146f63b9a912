// The home network key pairs of the SUCI on both store backends: made on first start, sealed at
// rest, the same after a restart, listed as public parts only; and a SUCI concealed here with a
// listed public key reveals with the private key the UDM hands its SIDF. The public keys are
// checked against the private keys with node:crypto, independently of src/lib/aka.
import { createECDH, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { concealSupi, revealSuci } from '../../../src/lib/aka/suci.js';
import { dropSchemas, storeBackends, uniqueSchemaPrefix } from '../../store/pg-test-url.js';
import { admin, createTestUdm, openHere } from './test-udm.js';

const dataDir = mkdtempSync(join(tmpdir(), 'npn-udm-hnk-'));
const prefix = uniqueSchemaPrefix();
afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await dropSchemas(prefix);
});

/** The raw X25519 public key of a raw private key, through RFC 8410 DER. */
function x25519Public(privateKey: Uint8Array): string {
  const key = createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), privateKey]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - 32).toString('hex');
}

function p256CompressedPublic(privateKey: Uint8Array): string {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(privateKey);
  return ecdh.getPublicKey('hex', 'compressed');
}

let n = 0;
describe.each(storeBackends(dataDir, prefix))('UDM home network keys on %s', (_name, base) => {
  // Each test its own store: its own SQLite directory or PostgreSQL schema prefix.
  const storeFor = () => {
    n++;
    return base.kind === 'sqlite'
      ? { ...base, dataDir: join(base.dataDir, `s${n}`) }
      : { ...base, schemaPrefix: `${prefix}${n}_` };
  };

  test('Profile A and B keys are made on first start, listed, and stable across a restart', async () => {
    const t = await createTestUdm({ store: storeFor() });
    try {
      const r = await t.udm.app.inject({
        method: 'GET',
        url: '/nudm-cp/v1/home-network-keys',
        headers: admin,
      });
      expect(r.statusCode).toBe(200);
      const { keys } = r.json() as {
        keys: { scheme: string; hnKeyId: number; hnPublicKey: string }[];
      };
      expect(keys.map((k) => [k.scheme, k.hnKeyId])).toEqual([
        ['A', 1],
        ['B', 2],
      ]);
      expect(keys[0]!.hnPublicKey).toMatch(/^[0-9a-f]{64}$/);
      expect(keys[1]!.hnPublicKey).toMatch(/^0[23][0-9a-f]{64}$/);
      expect(Object.keys(keys[0]!).sort()).toEqual(['hnKeyId', 'hnPublicKey', 'scheme']);

      // The private keys match the public ones, and are sealed at rest under the KEK.
      const privA = await t.udm.homeNetworkKeys.homeNetworkPrivateKey('A', 1);
      const privB = await t.udm.homeNetworkKeys.homeNetworkPrivateKey('B', 2);
      expect(x25519Public(privA!)).toBe(keys[0]!.hnPublicKey);
      expect(p256CompressedPublic(privB!)).toBe(keys[1]!.hnPublicKey);
      const rows = await t.udm.store.db
        .selectFrom('home_network_keys')
        .selectAll()
        .orderBy('scheme')
        .execute();
      expect(rows).toHaveLength(2);
      for (const [row, priv] of [
        [rows[0]!, privA!],
        [rows[1]!, privB!],
      ] as const) {
        expect(row.private_key_sealed.startsWith('v1.')).toBe(true);
        expect(row.private_key_sealed).not.toContain(Buffer.from(priv).toString('hex'));
        const aad = `home_network_key:${row.scheme}:${row.hn_key_id}`;
        expect(openHere(t.config.kek, row.private_key_sealed, aad)).toEqual(Buffer.from(priv));
      }
      expect(r.body).not.toContain(Buffer.from(privA!).toString('hex'));

      await t.restart();
      expect(await t.udm.homeNetworkKeys.list()).toEqual({ keys });
      expect(
        await t.udm.store.db.selectFrom('home_network_keys').selectAll().execute(),
      ).toHaveLength(2);
      expect(await t.udm.homeNetworkKeys.homeNetworkPrivateKey('A', 1)).toEqual(privA);

      // A new key id is made beside the old one, which still opens the SUCIs made with it.
      await t.restart({ homeNetworkKeyIds: { A: 7 } });
      const after = (await t.udm.homeNetworkKeys.list()).keys;
      expect(after.map((k) => [k.scheme, k.hnKeyId])).toEqual([
        ['A', 7],
        ['B', 2],
      ]);
      expect(after[0]!.hnPublicKey).not.toBe(keys[0]!.hnPublicKey);
      expect(after[1]).toEqual(keys[1]);
      expect(await t.udm.homeNetworkKeys.homeNetworkPrivateKey('A', 1)).toEqual(privA);
    } finally {
      await t.close();
    }
  });

  test('a SUCI concealed with a listed key (Profile A and B) reveals with homeNetworkPrivateKey', async () => {
    const t = await createTestUdm({
      store: storeFor(),
      config: { homeNetworkKeyIds: { A: 10, B: 11 } },
    });
    try {
      const { keys } = await t.udm.homeNetworkKeys.list();
      const supi = { type: 'imsi', mcc: '001', mnc: '01', msin: '0000000123' } as const;
      for (const key of keys) {
        const suci = concealSupi(supi, {
          scheme: key.scheme,
          hnPublicKey: Uint8Array.from(Buffer.from(key.hnPublicKey, 'hex')),
          hnKeyId: key.hnKeyId,
          routingIndicator: '0',
        });
        expect(suci).toMatch(
          new RegExp(`^suci-0-001-01-0-${key.scheme === 'A' ? 1 : 2}-${key.hnKeyId}-`),
        );
        const priv = await t.udm.homeNetworkKeys.homeNetworkPrivateKey(key.scheme, key.hnKeyId);
        expect(revealSuci(suci, priv)).toEqual(supi);
        // The other scheme's key does not open it.
        const other = await t.udm.homeNetworkKeys.homeNetworkPrivateKey(
          key.scheme === 'A' ? 'B' : 'A',
          key.scheme === 'A' ? 11 : 10,
        );
        expect(() => revealSuci(suci, other)).toThrow();
      }
      expect(await t.udm.homeNetworkKeys.homeNetworkPrivateKey('A', 11)).toBeUndefined();
      expect(await t.udm.homeNetworkKeys.homeNetworkPrivateKey('B', 300)).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  test('two UDMs starting on one empty store agree on one key pair per scheme', async () => {
    const store = storeFor();
    const kek = new Uint8Array(32).fill(7);
    // Truly at once on PostgreSQL; on SQLite one after the other, since two connections to one
    // file in one process block each other (busy_timeout waits synchronously): a real twin is a
    // second process.
    const start = () => createTestUdm({ store, config: { kek } });
    const [a, b] =
      store.kind === 'postgres'
        ? await Promise.all([start(), start()])
        : [await start(), await start()];
    try {
      expect(await b.udm.homeNetworkKeys.list()).toEqual(await a.udm.homeNetworkKeys.list());
    } finally {
      await b.close();
      await a.close();
    }
  });
});

test('key ids outside 0..255 are refused at start', async () => {
  await expect(createTestUdm({ config: { homeNetworkKeyIds: { A: 256 } } })).rejects.toThrow(
    /0\.\.255/,
  );
});
