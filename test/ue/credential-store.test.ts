// The delivered credentials on the device: 0600, replaced on re-onboarding, read back strictly;
// and the USIM's SQN array beside them, bound to the delivery it belongs to.
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { UsimSqnArray } from '../../src/lib/aka/sqn.js';
import type { CredentialBundle } from '../../src/lib/onboarding/credential-bundle.js';
import { FileCredentialStore, MemoryCredentialStore } from '../../src/ue/credential-store.js';

const root = mkdtempSync(join(tmpdir(), 'npn-ue-credentials-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const first: CredentialBundle = {
  supi: 'imsi-001010000000001',
  k: '000102030405060708090a0b0c0d0e0f',
  opc: '101112131415161718191a1b1c1d1e1f',
  amf: '8000',
  sqn: '000000000020',
  authMethod: '5G_AKA',
  snpn: { mcc: '001', mnc: '01', nid: '00000000001' },
  suci: { scheme: 'null', hnKeyId: 0, routingIndicator: '0' },
  ackToken: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  notAfter: '2027-01-01T00:00:00Z',
};
const second: CredentialBundle = {
  ...first,
  supi: 'imsi-001010000000002',
  k: 'ffeeddccbbaa99887766554433221100',
};

test('empty, then saved (0600), then replaced; no temporary files left', () => {
  const store = new FileCredentialStore(root);
  expect(store.load()).toBeUndefined();
  store.save(first, { sessionId: 's1' });
  expect(statSync(join(root, 'credentials.json')).mode & 0o777).toBe(0o600);
  expect(store.load()).toMatchObject({ bundle: first, sessionId: 's1' });
  store.save(second);
  const loaded = store.load();
  expect(loaded?.bundle).toEqual(second);
  expect(loaded?.sessionId).toBeUndefined();
  expect(Date.parse(loaded!.receivedAt)).not.toBeNaN();
  expect(readdirSync(root)).toEqual(['credentials.json']);
});

test('refuses a file others can read, and a malformed one, without echoing K', () => {
  const dir = mkdtempSync(join(root, 'x'));
  const store = new FileCredentialStore(dir);
  store.save(first);
  const path = join(dir, 'credentials.json');
  chmodSync(path, 0o644);
  expect(() => store.load()).toThrow(`chmod 600 ${path}`);
  chmodSync(path, 0o600);
  writeFileSync(
    path,
    JSON.stringify({ version: 1, receivedAt: 'x', bundle: { ...first, k: '0' } }),
  );
  expect(() => store.load()).toThrow(/k is not 32 hex digits/);
  writeFileSync(path, 'garbage');
  expect(() => store.load()).toThrow(/not JSON/);
});

describe('the USIM SQN array beside the credentials', () => {
  const array = () => {
    const a = UsimSqnArray.fromSqnMs(0x20);
    a.accept(0x41); // SEQ 2, IND 1
    return a;
  };

  test('saved 0600, read back for the same delivery only, removed when credentials change', () => {
    const dir = mkdtempSync(join(root, 'sqn'));
    const store = new FileCredentialStore(dir);
    store.save(first);
    expect(store.loadSqnArray(first)).toBeUndefined();
    store.saveSqnArray(first, array());
    expect(statSync(store.sqnPath).mode & 0o777).toBe(0o600);
    expect(store.loadSqnArray(first)?.toJSON()).toEqual(array().toJSON());
    expect(readFileSync(store.sqnPath, 'utf8')).not.toContain(first.k);
    // Another delivery (rotated credentials, same SUPI) never inherits the array.
    expect(store.loadSqnArray({ ...first, ackToken: 'B'.repeat(43) })).toBeUndefined();
    expect(store.loadSqnArray(second)).toBeUndefined();
    store.save(second);
    expect(existsSync(store.sqnPath)).toBe(false);
    expect(readdirSync(dir)).toEqual(['credentials.json']);
  });

  test('a damaged or world-readable array file is refused, not silently reset', () => {
    const dir = mkdtempSync(join(root, 'sqn-bad'));
    const store = new FileCredentialStore(dir);
    store.save(first);
    store.saveSqnArray(first, array());
    chmodSync(store.sqnPath, 0o644);
    expect(() => store.loadSqnArray(first)).toThrow(`chmod 600 ${store.sqnPath}`);
    chmodSync(store.sqnPath, 0o600);
    writeFileSync(store.sqnPath, 'garbage');
    expect(() => store.loadSqnArray(first)).toThrow(/malformed/);
    writeFileSync(
      store.sqnPath,
      JSON.stringify({ version: 1, supi: first.supi, ackToken: first.ackToken, seqMs: [1] }),
    );
    expect(() => store.loadSqnArray(first)).toThrow(/no valid SQN array/);
  });

  test('in memory: the same contract', () => {
    const store = new MemoryCredentialStore();
    expect(store.load()).toBeUndefined();
    store.save(first, { sessionId: 's' });
    expect(store.load()).toMatchObject({ bundle: first, sessionId: 's' });
    store.saveSqnArray(first, array());
    expect(store.loadSqnArray(first)?.sqnMs()).toBe(0x41);
    expect(store.loadSqnArray(second)).toBeUndefined();
    store.save(first);
    expect(store.loadSqnArray(first)).toBeUndefined();
  });
});
