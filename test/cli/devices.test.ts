// `devices make` and `devices register` against a real DCS: a made device's Evidence appraises as
// affirming with the reference values register put, for both AKM kinds; usage errors name the fix.
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { verifyEar } from '../../src/lib/rats/ear.js';
import { DcsClient } from '../../src/nf/dcs/client.js';
import { SbiClient } from '../../src/sbi/client.js';
import {
  makeDevices,
  registerDeviceBatch,
  registerDevices,
  type DeviceManifest,
} from '../../src/cli/devices.js';
import { CliUsageError } from '../../src/cli/usage-error.js';
import { buildEvidence } from '../../src/ue/evidence.js';
import { openSoftwareKeyStore } from '../../src/ue/software-key-store.js';
import { createTestDcs, type TestDcs } from '../nf/dcs/test-dcs.js';

const TOKEN = 'devices-cli-test-admin-token';
const root = mkdtempSync(join(tmpdir(), 'npn-cli-devices-'));
let testDcs: TestDcs;
let dcsUrl: string;
let verifier: DcsClient;

beforeAll(async () => {
  testDcs = await createTestDcs(TOKEN);
  dcsUrl = await testDcs.dcs.app.listen({ host: '127.0.0.1', port: 0 });
  verifier = new DcsClient({ baseUrl: dcsUrl });
});
afterAll(async () => {
  await testDcs.close();
  rmSync(root, { recursive: true, force: true });
});
let n = 0;
const freshDir = () => join(root, `batch${n++}`);

async function appraiseDevice(dir: string, form: 'cwt' | 'jwt') {
  const store = openSoftwareKeyStore(dir);
  const nonce = new Uint8Array(randomBytes(32));
  const ev = await buildEvidence(store, store.identity, nonce, form);
  // the verification API takes the Evidence bytes as base64url, the JWS text included
  const value = Buffer.from(ev.body).toString('base64url');
  const ear = await verifier.appraise({ type: ev.contentType, value }, nonce);
  const verified = await verifyEar(ear, await verifier.keys());
  if (!verified.ok) throw verified.error;
  return { ear: verified.value, store, ev };
}

describe.each([
  ['ES256', 'cwt'],
  ['HMAC', 'jwt'],
] as const)('AKM %s', (akm, form) => {
  test('make, register in one batch, then a made device appraises as affirming', async () => {
    const out = freshDir();
    const deviceClass = `cam-${akm.toLowerCase()}`;
    const { manifest, manifestPath } = makeDevices({
      count: 3,
      deviceClass,
      out,
      akm,
      swversion: '3.1.4',
      oemid: 'a1b2c3',
      hwmodel: Buffer.from('CAM-300').toString('hex'),
    });
    expect(manifestPath).toBe(join(out, 'manifest.json'));
    const onDisk = JSON.parse(readFileSync(manifestPath, 'utf8')) as DeviceManifest;
    expect(onDisk).toEqual(manifest);
    expect(manifest.devices).toHaveLength(3);
    expect(manifest).toMatchObject({ deviceClass, akm, swversions: ['3.1.4'], oemid: 'a1b2c3' });
    // the manifest holds no key material
    expect(readFileSync(manifestPath, 'utf8')).not.toMatch(/"(d|k)"\s*:/);
    for (const d of manifest.devices) {
      expect(d.ueid).toMatch(/^01[0-9a-f]{32}$/);
      expect(d.dir).toBe(d.ueid);
      expect(statSync(join(out, d.dir, 'identity.json')).mode & 0o777).toBe(0o600);
    }
    expect(new Set(manifest.devices.map((d) => d.ueid)).size).toBe(3);

    const result = await registerDeviceBatch({ dir: out, dcsUrl, adminToken: TOKEN });
    expect(result).toEqual({
      deviceClass,
      imported: 3,
      referenceValues: {
        swversions: ['3.1.4'],
        requireOemboot: true,
        dbgstat: [1, 2, 3, 4],
      },
    });

    // read back from the DCS: the device's endorsement and the class
    const admin = new SbiClient({ baseUrl: dcsUrl, bearerToken: TOKEN });
    const first = manifest.devices[0]!;
    const { body: device } = await admin.request<Record<string, unknown>>(
      'GET',
      `/endorsements/v1/devices/${first.ueid}`,
    );
    expect(device).toMatchObject({ ueid: first.ueid, deviceClass, oemid: 'a1b2c3' });
    const { body: cls } = await admin.request<Record<string, unknown>>(
      'GET',
      `/endorsements/v1/classes/${deviceClass}`,
    );
    expect(cls).toMatchObject({
      swversions: ['3.1.4'],
      requireOemboot: true,
      dbgstat: [1, 2, 3, 4],
    });

    for (const d of manifest.devices) {
      const { ear, ev } = await appraiseDevice(join(out, d.dir), form);
      const ue = ear.submods.ue!;
      expect(ue.status).toBe('affirming');
      expect(Buffer.from(ue.ueid).toString('hex')).toBe(d.ueid);
      expect(ue.cnf).toMatchObject({ x: ev.cnfPublicJwk.x, y: ev.cnfPublicJwk.y });
    }
  });
});

test('a second batch of the class adds its software version; the first batch stays affirming', async () => {
  const a = freshDir();
  const b = freshDir();
  makeDevices({ count: 1, deviceClass: 'meter', out: a, swversion: '1.0.0' });
  makeDevices({ count: 1, deviceClass: 'meter', out: b, swversion: '1.1.0', akm: 'HMAC' });
  await registerDeviceBatch({ dir: a, dcsUrl, adminToken: TOKEN });
  const second = await registerDeviceBatch({ dir: b, dcsUrl, adminToken: TOKEN });
  expect(second.referenceValues.swversions).toEqual(['1.0.0', '1.1.0']);
  for (const dir of [a, b]) {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as DeviceManifest;
    const { ear } = await appraiseDevice(join(dir, manifest.devices[0]!.dir), 'cwt');
    expect(ear.submods.ue?.status).toBe('affirming');
  }
});

test('a device of another software version than the class accepts is contraindicated', async () => {
  const out = freshDir();
  makeDevices({ count: 1, deviceClass: 'gateway', out, swversion: '9.9.9' });
  await registerDeviceBatch({ dir: out, dcsUrl, adminToken: TOKEN });
  await new DcsClient({ baseUrl: dcsUrl, adminToken: TOKEN }).putClass('gateway', {
    swversions: ['1.0.0'],
    requireOemboot: true,
  });
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as DeviceManifest;
  const { ear } = await appraiseDevice(join(out, manifest.devices[0]!.dir), 'jwt');
  expect(ear.submods.ue?.status).toBe('contraindicated');
});

test("EUI UEIDs: 0x02 then an EUI-64 under the OEM's OUI; they register and appraise", async () => {
  const out = freshDir();
  const { manifest } = makeDevices({
    count: 4,
    deviceClass: 'eui-sensor',
    out,
    oemid: '0a1b2c',
    ueidType: 'eui',
  });
  for (const d of manifest.devices) expect(d.ueid).toMatch(/^020a1b2c[0-9a-f]{10}$/);
  expect(new Set(manifest.devices.map((d) => d.ueid)).size).toBe(4);
  await registerDeviceBatch({ dir: out, dcsUrl, adminToken: TOKEN });
  const { ear } = await appraiseDevice(join(out, manifest.devices[0]!.dir), 'cwt');
  expect(ear.submods.ue?.status).toBe('affirming');
  // without a 3-byte OUI: a locally administered, unicast EUI-64
  const other = makeDevices({
    count: 8,
    deviceClass: 'eui-sensor',
    out: freshDir(),
    ueidType: 'eui',
  });
  for (const d of other.manifest.devices) {
    expect(d.ueid).toMatch(/^02[0-9a-f]{16}$/);
    const first = parseInt(d.ueid.slice(2, 4), 16);
    expect(first & 0x03).toBe(0x02);
  }
});

describe('errors', () => {
  function program() {
    const p = new Command('npn-onboard').exitOverride();
    p.configureOutput({ writeErr: () => {}, writeOut: () => {} });
    registerDevices(p);
    p.commands.forEach((c) => {
      c.exitOverride();
      c.commands.forEach((s) => s.exitOverride().configureOutput({ writeErr: () => {} }));
    });
    return p;
  }
  async function run(...args: string[]): Promise<unknown> {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await program().parseAsync(args, { from: 'user' });
      return JSON.parse(String(write.mock.calls.at(-1)?.[0]));
    } catch (err) {
      return err;
    } finally {
      write.mockRestore();
    }
  }

  test('devices make through commander prints one JSON object', async () => {
    const out = freshDir();
    const printed = (await run(
      'devices',
      'make',
      '--count',
      '2',
      '--class',
      'tag',
      '--out',
      out,
      '--akm',
      'hmac',
      '--hwmodel',
      'TAG-1',
    )) as Record<string, unknown>;
    expect(printed).toMatchObject({ made: 2, deviceClass: 'tag', akm: 'HMAC' });
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.hwmodel).toBe(Buffer.from('TAG-1').toString('hex'));
  });

  test.each<[string, string[], RegExp]>([
    [
      'count 0',
      ['--count', '0', '--class', 'c', '--akm', 'es256'],
      /--count expects an integer from 1 to 10000/,
    ],
    ['no count', ['--class', 'c'], /--count is required/],
    ['bad class', ['--count', '1', '--class', 'a b'], /--class expects/],
    ['bad akm', ['--count', '1', '--class', 'c', '--akm', 'rsa'], /--akm expects es256 or hmac/],
    [
      'bad oemid',
      ['--count', '1', '--class', 'c', '--oemid', 'abcd'],
      /--oemid expects hex of 3 bytes/,
    ],
    ['bad ueid type', ['--count', '1', '--class', 'c', '--ueid-type', 'imei'], /--ueid-type/],
    [
      'long hwmodel',
      ['--count', '1', '--class', 'c', '--hwmodel', 'x'.repeat(33)],
      /--hwmodel expects/,
    ],
  ])('make: %s', async (_name, args, message) => {
    const out = freshDir();
    const err = await run('devices', 'make', '--out', out, ...args);
    expect(err).toBeInstanceOf(CliUsageError);
    expect((err as Error).message).toMatch(message);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
  });

  test('make refuses a directory that holds a batch already', async () => {
    const out = freshDir();
    makeDevices({ count: 1, deviceClass: 'c', out });
    const err = await run('devices', 'make', '--count', '1', '--class', 'c', '--out', out);
    expect(err).toBeInstanceOf(CliUsageError);
    expect((err as Error).message).toContain('choose another, or remove that batch');
  });

  test('register: token missing, token wrong, no manifest, no DCS URL; never echoes the token', async () => {
    const out = freshDir();
    const freshBatch = () => {
      const dir = freshDir();
      makeDevices({ count: 1, deviceClass: 'c', out: dir });
      return dir;
    };
    makeDevices({ count: 1, deviceClass: 'c', out });
    const saved = process.env.NPN_ONBOARD_ADMIN_TOKEN;
    delete process.env.NPN_ONBOARD_ADMIN_TOKEN;
    try {
      const missing = await run('devices', 'register', out, '--dcs', dcsUrl);
      expect(missing).toBeInstanceOf(CliUsageError);
      expect((missing as Error).message).toMatch(
        /--token or --data DIR, or set NPN_ONBOARD_ADMIN_TOKEN/,
      );

      const wrong = await run(
        'devices',
        'register',
        out,
        '--dcs',
        dcsUrl,
        '--token',
        'not-the-token-1234',
      );
      expect(wrong).toBeInstanceOf(CliUsageError);
      expect((wrong as Error).message).toMatch(/refused the admin token \(401\)/);
      expect((wrong as Error).message).not.toContain('not-the-token-1234');

      process.env.NPN_ONBOARD_ADMIN_TOKEN = TOKEN;
      const ok = (await run('devices', 'register', out, '--dcs', dcsUrl)) as Record<
        string,
        unknown
      >;
      expect(ok).toMatchObject({ deviceClass: 'c', imported: 1 });

      const noManifest = await run('devices', 'register', freshDir(), '--dcs', dcsUrl);
      expect((noManifest as Error).message).toMatch(/manifest\.json does not exist/);
      // Without --dcs: serve's default DCS port, named in the message when nobody is there.
      const noUrl = await run('devices', 'register', freshBatch(), '--token', TOKEN);
      expect((noUrl as Error).message).toMatch(/127\.0\.0\.1:7701/);
      // --data DIR: the token from the network's data directory.
      const data = freshDir();
      mkdirSync(data, { recursive: true });
      writeFileSync(join(data, 'admin-token'), `${TOKEN}\n`, { mode: 0o600 });
      delete process.env.NPN_ONBOARD_ADMIN_TOKEN;
      const viaData = (await run(
        'devices',
        'register',
        freshBatch(),
        '--dcs',
        dcsUrl,
        '--data',
        data,
      )) as Record<string, unknown>;
      expect(viaData).toMatchObject({ imported: 1 });
      const noToken = await run('devices', 'register', out, '--dcs', dcsUrl, '--data', freshDir());
      expect((noToken as Error).message).toMatch(/no admin-token in/);
      const badUrl = await run(
        'devices',
        'register',
        out,
        '--dcs',
        'dcs.example',
        '--token',
        TOKEN,
      );
      expect((badUrl as Error).message).toMatch(/--dcs expects the DCS base URL/);
    } finally {
      if (saved === undefined) delete process.env.NPN_ONBOARD_ADMIN_TOKEN;
      else process.env.NPN_ONBOARD_ADMIN_TOKEN = saved;
    }
  });
});
