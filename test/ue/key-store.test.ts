// The software key store: what it writes, what it refuses to read, that it signs and MACs without
// handing its key material out (never in JSON or messages either).
import { createHmac, createPublicKey, randomBytes, verify } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  KeyStoreError,
  createSoftwareDevice,
  openSoftwareKeyStore,
} from '../../src/ue/software-key-store.js';

const root = mkdtempSync(join(tmpdir(), 'npn-ue-keystore-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${n++}`);

const base = { deviceClass: 'cam-v2', swname: 'cam-fw', swversion: '2.0.0' } as const;

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('createSoftwareDevice', () => {
  test('ES256: identity.json 0600 with a RAND UEID and a P-256 private AKM', async () => {
    const dir = freshDir();
    const store = createSoftwareDevice(dir, { ...base, akm: 'ES256', oemid: 'A1B2C3' });
    const path = join(dir, 'identity.json');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(path, 'utf8'));
    expect(file.ueid).toMatch(/^01[0-9a-f]{32}$/);
    expect(file).toMatchObject({ version: 1, ...base, oemid: 'a1b2c3' });
    expect(file.akm).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(typeof file.akm.d).toBe('string');

    expect(store.securityLevel).toBe('software');
    expect(store.akmKind).toBe('ES256');
    expect(Buffer.from(store.ueid()).toString('hex')).toBe(file.ueid);
    const pub = { kty: 'EC', crv: 'P-256', x: file.akm.x, y: file.akm.y };
    expect(store.akmPublicJwk()).toEqual(pub);
    expect(store.endorsementAkm()).toEqual(pub);
    // signs inside: r || s over SHA-256, checked with node:crypto and the file's public key
    const data = new Uint8Array(randomBytes(100));
    const signature = await store.sign(data);
    expect(signature).toHaveLength(64);
    const publicKey = createPublicKey({ key: pub, format: 'jwk' });
    expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(
      true,
    );
    data[0]! ^= 1;
    expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(
      false,
    );
    // the private key is not reachable through the object, nor serialised with it
    expect(JSON.stringify(store)).not.toContain(file.akm.d);
    expect(JSON.stringify(Object.values(store))).not.toContain(file.akm.d);
  });

  test('HMAC: an oct key of 32 bytes; the endorsement is the secret (the DCS needs it)', async () => {
    const dir = freshDir();
    const store = createSoftwareDevice(dir, { ...base, akm: 'HMAC' });
    const file = JSON.parse(readFileSync(join(dir, 'identity.json'), 'utf8'));
    expect(file.akm.kty).toBe('oct');
    expect(Buffer.from(file.akm.k, 'base64url')).toHaveLength(32);
    expect(store.akmKind).toBe('HMAC');
    expect(store.endorsementAkm()).toEqual({ kty: 'oct', k: file.akm.k });
    expect(store.akmPublicJwk()).toBeUndefined();
    const data = new Uint8Array(randomBytes(100));
    const tag = createHmac('sha256', Buffer.from(file.akm.k, 'base64url')).update(data).digest();
    expect(Buffer.from(await store.sign(data)).equals(tag)).toBe(true);
    expect(JSON.stringify(store)).not.toContain(file.akm.k);
  });

  test('two devices never share a UEID or a key', () => {
    const a = createSoftwareDevice(freshDir(), { ...base, akm: 'ES256' });
    const b = createSoftwareDevice(freshDir(), { ...base, akm: 'ES256' });
    expect(a.identity.ueid).not.toBe(b.identity.ueid);
    expect(a.endorsementAkm().x).not.toBe(b.endorsementAkm().x);
  });

  test('refuses a directory that already holds a device, and bad identities', () => {
    const dir = freshDir();
    createSoftwareDevice(dir, { ...base, akm: 'ES256' });
    const again = errorOf(() => createSoftwareDevice(dir, { ...base, akm: 'ES256' }));
    expect(again).toBeInstanceOf(KeyStoreError);
    expect(again.message).toContain('already holds a device');
    expect(
      errorOf(() => createSoftwareDevice(freshDir(), { ...base, akm: 'ES256', oemid: 'abcd' }))
        .message,
    ).toContain('oemid');
    expect(
      errorOf(() => createSoftwareDevice(freshDir(), { ...base, deviceClass: 'a/b', akm: 'HMAC' }))
        .message,
    ).toContain('deviceClass');
  });
});

describe('openSoftwareKeyStore', () => {
  test.each(['ES256', 'HMAC'] as const)('reads back what was made (%s)', async (akm) => {
    const dir = freshDir();
    const made = createSoftwareDevice(dir, { ...base, akm, hwmodel: '6361' });
    const opened = openSoftwareKeyStore(dir);
    expect(opened.identity).toEqual(made.identity);
    expect(opened.endorsementAkm()).toEqual(made.endorsementAkm());
    expect(opened.akmKind).toBe(akm);
    const data = new Uint8Array(randomBytes(32));
    if (akm === 'HMAC') {
      expect(await opened.sign(data)).toEqual(await made.sign(data));
    } else {
      const publicKey = createPublicKey({ key: made.akmPublicJwk()!, format: 'jwk' });
      const signature = await opened.sign(data);
      expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(
        true,
      );
    }
  });

  test('refuses a file readable by group or others, naming the file and the fix', () => {
    const dir = freshDir();
    createSoftwareDevice(dir, { ...base, akm: 'HMAC' });
    const path = join(dir, 'identity.json');
    const secret = JSON.parse(readFileSync(path, 'utf8')).akm.k as string;
    for (const mode of [0o640, 0o604, 0o644]) {
      chmodSync(path, mode);
      const err = errorOf(() => openSoftwareKeyStore(dir));
      expect(err).toBeInstanceOf(KeyStoreError);
      expect(err.message).toContain(path);
      expect(err.message).toContain(`chmod 600 ${path}`);
      expect(err.message).not.toContain(secret);
    }
    chmodSync(path, 0o600);
    expect(openSoftwareKeyStore(dir).akmKind).toBe('HMAC');
  });

  test('a missing device names the command that makes one', () => {
    const err = errorOf(() => openSoftwareKeyStore(freshDir()));
    expect(err).toBeInstanceOf(KeyStoreError);
    expect(err.message).toContain('devices make');
  });

  const valid = () => {
    const dir = freshDir();
    createSoftwareDevice(dir, { ...base, akm: 'ES256' });
    const path = join(dir, 'identity.json');
    return { dir, path, file: JSON.parse(readFileSync(path, 'utf8')) };
  };

  test.each([
    ['not JSON', () => '{"version":1,', 'not JSON'],
    ['an array', () => '[]', 'not a JSON object'],
  ])('malformed: %s', (_name, content, expected) => {
    const { dir, path } = valid();
    writeFileSync(path, content());
    const err = errorOf(() => openSoftwareKeyStore(dir));
    expect(err).toBeInstanceOf(KeyStoreError);
    expect(err.message).toContain(path);
    expect(err.message).toContain(expected);
    expect(err.message).toContain('make the device again');
  });

  test.each<[string, (f: Record<string, unknown>) => void, string]>([
    ['wrong version', (f) => (f.version = 2), 'version'],
    ['missing ueid', (f) => delete f.ueid, 'ueid'],
    ['ueid of a wrong length', (f) => (f.ueid = '01' + '00'.repeat(10)), 'ueid'],
    ['ueid type unknown', (f) => (f.ueid = '09' + '00'.repeat(16)), 'ueid'],
    ['swversion not text', (f) => (f.swversion = 2), 'swversion'],
    ['akm missing', (f) => delete f.akm, 'akm'],
    ['akm public only', (f) => delete (f.akm as Record<string, unknown>).d, 'akm'],
    ['akm on another curve', (f) => ((f.akm as Record<string, unknown>).crv = 'P-384'), 'akm'],
    [
      'akm not on the curve',
      (f) => ((f.akm as Record<string, unknown>).x = Buffer.alloc(32, 7).toString('base64url')),
      'not a valid P-256 private key',
    ],
    ['oct key too short', (f) => (f.akm = { kty: 'oct', k: 'AAAA' }), '32 bytes'],
  ])('malformed: %s', (_name, mutate, expected) => {
    const { dir, path, file } = valid();
    const secret = file.akm.d as string;
    mutate(file);
    writeFileSync(path, JSON.stringify(file));
    const err = errorOf(() => openSoftwareKeyStore(dir));
    expect(err).toBeInstanceOf(KeyStoreError);
    expect(err.message).toContain(path);
    expect(err.message).toContain(expected);
    expect(err.message).not.toContain(secret);
  });
});
