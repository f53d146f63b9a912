// `devices make` and `devices register`: the manufacturer's side. `make` creates a batch of
// software devices (one directory each, identity.json 0600) and a manifest without secrets;
// `register` endorses the batch at the DCS in one bulk import and sets the class's reference values.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { fromHex, isHex, toHex, utf8 } from '../lib/bytes.js';
import { UEID_TYPE } from '../lib/rats/eat-claims.js';
import { DcsClient } from '../nf/dcs/client.js';
import type { ReferenceValues } from '../nf/dcs/endorsements.js';
import { SbiClientError } from '../sbi/client.js';
import type { AkmKind } from '../ue/key-store.js';
import {
  KeyStoreError,
  createSoftwareDevice,
  openSoftwareKeyStore,
  randomUeid,
} from '../ue/software-key-store.js';
import { intOption, printJson, textOption } from './args.js';
import { CliFailure, CliUsageError } from './usage-error.js';

export const MANIFEST_FILE = 'manifest.json';
const MANIFEST_VERSION = 1;
/** The DCS's largest batch. */
export const MAX_DEVICES = 10_000;
const DEVICE_CLASS = /^[A-Za-z0-9._-]{1,64}$/;
/** dbgstat values a class accepts by default: every "disabled" state (RFC 9711 4.2.9). */
export const DEFAULT_DBGSTAT = [1, 2, 3, 4];

/** DIR/manifest.json: what a batch is, never a key. */
export interface DeviceManifest {
  version: 1;
  deviceClass: string;
  akm: AkmKind;
  swname: string;
  swversions: string[];
  oemid?: string;
  hwmodel?: string;
  createdAt: string;
  /** each device's UEID (hex) and its directory, relative to the manifest's */
  devices: { ueid: string; dir: string }[];
}

export interface MakeDevicesOptions {
  count: number;
  deviceClass: string;
  /** the batch directory (created; must not hold a manifest yet) */
  out: string;
  akm?: AkmKind;
  swname?: string;
  swversion?: string;
  /** hex: a 3-byte OUI or 16 bytes */
  oemid?: string;
  /** hex, 1 to 32 bytes */
  hwmodel?: string;
  /** RAND (default): 0x01 then 16 random bytes; EUI: 0x02 then an EUI-64 (see euiUeid) */
  ueidType?: UeidType;
}

export type UeidType = 'rand' | 'eui';

/**
 * An EUI UEID (RFC 9711 4.2.1): 0x02 then an EUI-64, the OEM's OUI followed by 5 random bytes
 * when the oemid is a 3-byte OUI, else 8 random bytes marked locally administered (unicast).
 */
export function euiUeid(oemid?: string): Uint8Array {
  const oui = oemid !== undefined && oemid.length === 6 ? fromHex(oemid) : undefined;
  const eui = new Uint8Array(8);
  if (oui) {
    eui.set(oui);
    eui.set(randomBytes(5), 3);
  } else {
    eui.set(randomBytes(8));
    eui[0] = (eui[0]! | 0x02) & 0xfe;
  }
  return Uint8Array.from([UEID_TYPE.EUI, ...eui]);
}

export const DEFAULT_SWNAME = 'npn-device-fw';
export const DEFAULT_SWVERSION = '1.0.0';

/** Makes `count` software devices under `out` and writes out/manifest.json. */
export function makeDevices(options: MakeDevicesOptions): {
  manifestPath: string;
  manifest: DeviceManifest;
} {
  const { count, deviceClass, out } = options;
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_DEVICES) {
    throw new CliUsageError(`--count expects an integer from 1 to ${MAX_DEVICES}`);
  }
  if (!DEVICE_CLASS.test(deviceClass)) {
    throw new CliUsageError('--class expects 1 to 64 of A-Z a-z 0-9 . _ -');
  }
  if (
    options.oemid !== undefined &&
    !(isHex(options.oemid) && [6, 32].includes(options.oemid.length))
  ) {
    throw new CliUsageError('--oemid expects hex of 3 bytes (an IEEE OUI) or 16 bytes');
  }
  if (options.hwmodel !== undefined) {
    const n = options.hwmodel.length;
    if (!isHex(options.hwmodel) || n < 2 || n > 64) {
      throw new CliUsageError('--hwmodel expects 1 to 32 bytes');
    }
  }
  const swname = options.swname ?? DEFAULT_SWNAME;
  const swversion = options.swversion ?? DEFAULT_SWVERSION;
  if (swversion.length < 1 || swversion.length > 256) {
    throw new CliUsageError('--swversion expects 1 to 256 characters');
  }
  const akm = options.akm ?? 'ES256';
  const manifestPath = join(out, MANIFEST_FILE);
  if (existsSync(out) && !statSync(out).isDirectory()) {
    throw new CliUsageError(`--out expects a directory; ${out} is a file`);
  }
  if (existsSync(manifestPath)) {
    throw new CliUsageError(
      `${manifestPath} exists: --out expects a new directory (choose another, or remove that batch)`,
    );
  }
  try {
    mkdirSync(out, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new CliUsageError(
      `--out: cannot create ${out} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const newUeid = () => (options.ueidType === 'eui' ? euiUeid(options.oemid) : randomUeid());
  const devices: DeviceManifest['devices'] = [];
  const made = new Set<string>();
  for (let i = 0; i < count; i++) {
    let ueid = toHex(newUeid());
    // an EUI has 40 random bits at least: a repeat within one batch is unlikely, not impossible
    while (made.has(ueid)) ueid = toHex(newUeid());
    made.add(ueid);
    try {
      createSoftwareDevice(join(out, ueid), {
        akm,
        deviceClass,
        swname,
        swversion,
        ueid: fromHex(ueid),
        ...(options.oemid !== undefined ? { oemid: options.oemid } : {}),
        ...(options.hwmodel !== undefined ? { hwmodel: options.hwmodel } : {}),
      });
    } catch (err) {
      if (err instanceof KeyStoreError) throw new CliUsageError(err.message);
      throw err;
    }
    devices.push({ ueid, dir: ueid });
  }
  const manifest: DeviceManifest = {
    version: MANIFEST_VERSION,
    deviceClass,
    akm,
    swname,
    swversions: [swversion],
    ...(options.oemid !== undefined ? { oemid: options.oemid.toLowerCase() } : {}),
    ...(options.hwmodel !== undefined ? { hwmodel: options.hwmodel.toLowerCase() } : {}),
    createdAt: new Date().toISOString(),
    devices,
  };
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, {
    mode: 0o644,
    flag: 'wx',
  });
  return { manifestPath, manifest };
}

/** Reads and checks DIR/manifest.json. */
export function readManifest(dir: string): DeviceManifest {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CliUsageError(
      `DIR: ${path} does not exist: pass the --out directory of npn-onboard devices make`,
    );
  }
  const malformed = (what: string) =>
    new CliUsageError(`${path} is malformed (${what}): make the batch again`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw malformed('not JSON');
  }
  const m = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  if (m.version !== MANIFEST_VERSION) throw malformed(`version is not ${MANIFEST_VERSION}`);
  if (typeof m.deviceClass !== 'string' || !DEVICE_CLASS.test(m.deviceClass)) {
    throw malformed('deviceClass');
  }
  if (m.akm !== 'ES256' && m.akm !== 'HMAC') throw malformed('akm is neither ES256 nor HMAC');
  if (typeof m.swname !== 'string') throw malformed('swname');
  const swversions = m.swversions;
  if (
    !Array.isArray(swversions) ||
    swversions.length === 0 ||
    !swversions.every((v) => typeof v === 'string')
  ) {
    throw malformed('swversions is not a list of versions');
  }
  const devices = m.devices;
  if (!Array.isArray(devices) || devices.length === 0 || devices.length > MAX_DEVICES) {
    throw malformed(`devices is not a list of 1 to ${MAX_DEVICES} devices`);
  }
  for (const d of devices as unknown[]) {
    const e = d as { ueid?: unknown; dir?: unknown } | null;
    if (typeof e?.ueid !== 'string' || !isHex(e.ueid)) throw malformed('a device has no ueid');
    if (typeof e.dir !== 'string' || e.dir.includes('..') || e.dir.startsWith('/')) {
      throw malformed('a device dir is not a directory name inside the batch');
    }
  }
  return json as DeviceManifest;
}

export interface RegisterBatchOptions {
  /** the batch directory (holding manifest.json) */
  dir: string;
  /** the DCS's base URL */
  dcsUrl: string;
  /** the DCS's admin token */
  adminToken: string;
  timeoutMs?: number;
}

export interface RegisterBatchResult {
  deviceClass: string;
  imported: number;
  referenceValues: ReferenceValues;
}

/**
 * Endorses a made batch at the DCS: all devices in one bulk import (all or nothing), then the
 * class's reference values: the batch's software versions added to those the class already
 * accepts, oemboot required, dbgstat any "disabled" state unless the class already says otherwise.
 */
export async function registerDeviceBatch(
  options: RegisterBatchOptions,
): Promise<RegisterBatchResult> {
  const manifest = readManifest(options.dir);
  const dcsOptions = {
    baseUrl: checkedUrl(options.dcsUrl),
    adminToken: options.adminToken,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  };
  const devices = manifest.devices.map((d) => {
    let store;
    try {
      store = openSoftwareKeyStore(join(options.dir, d.dir));
    } catch (err) {
      if (err instanceof KeyStoreError) throw new CliUsageError(err.message);
      throw err;
    }
    if (store.identity.ueid !== d.ueid.toLowerCase()) {
      throw new CliUsageError(
        `${join(options.dir, d.dir)} holds UEID ${store.identity.ueid}, not the manifest's ${d.ueid}: make the batch again`,
      );
    }
    const { identity } = store;
    return {
      ueid: identity.ueid,
      akm: store.endorsementAkm(),
      deviceClass: identity.deviceClass,
      ...(identity.oemid !== undefined ? { oemid: identity.oemid } : {}),
      ...(identity.hwmodel !== undefined ? { hwmodel: identity.hwmodel } : {}),
    };
  });
  const dcs = new DcsClient(dcsOptions);
  return dcsCall(async () => {
    const { imported } = await dcs.importDevices(devices);
    const existing = await dcs.getClass(manifest.deviceClass);
    const swversions = [...new Set([...(existing?.swversions ?? []), ...manifest.swversions])];
    const referenceValues: ReferenceValues = {
      ...(existing ?? {}),
      swversions,
      requireOemboot: true,
      dbgstat: existing?.dbgstat ?? DEFAULT_DBGSTAT,
    };
    await dcs.putClass(manifest.deviceClass, referenceValues);
    return { deviceClass: manifest.deviceClass, imported, referenceValues };
  });
}

function checkedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return url;
  } catch {
    // below
  }
  throw new CliUsageError('--dcs expects the DCS base URL, e.g. http://127.0.0.1:7702');
}

/** Where `serve` puts the DCS with its default --port-base 7700. */
export const DEFAULT_DCS_URL = 'http://127.0.0.1:7701';

function tokenFromDataDir(dir: string): string {
  try {
    return readFileSync(join(dir, 'admin-token'), 'utf8').trim();
  } catch {
    throw new CliUsageError(`no admin-token in ${dir}: pass the data directory serve runs on`);
  }
}

/** The DCS's refusals as one line the operator can act on; never the token. */
async function dcsCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof SbiClientError)) throw err;
    if (err.status === 401 || err.status === 403) {
      throw new CliUsageError(
        `the DCS refused the admin token (${err.status}): pass the DCS's token with --token or NPN_ONBOARD_ADMIN_TOKEN`,
      );
    }
    if (err.status === 0) {
      throw new CliFailure(`${err.message}: is the DCS running at the --dcs URL?`);
    }
    const lines = (err.problem?.invalidParams ?? [])
      .slice(0, 5)
      .map((p) => `${p.param}${p.reason !== undefined ? ` ${p.reason}` : ''}`);
    throw new CliFailure(
      `the DCS refused the batch: ${err.message}${lines.length > 0 ? ` [${lines.join('; ')}]` : ''}`,
    );
  }
}

function akmOption(value: unknown): AkmKind {
  if (value === undefined) return 'ES256';
  const v = typeof value === 'string' ? value.toLowerCase() : '';
  if (v === 'es256') return 'ES256';
  if (v === 'hmac') return 'HMAC';
  throw new CliUsageError('--akm expects es256 or hmac');
}

function ueidTypeOption(value: unknown): UeidType {
  if (value === undefined) return 'rand';
  if (value === 'rand' || value === 'eui') return value;
  throw new CliUsageError('--ueid-type expects rand (0x01, 16 random bytes) or eui (0x02, EUI-64)');
}

function hwmodelOption(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const bytes = utf8(textOption('--hwmodel', value, 'a model name of 1 to 32 bytes'));
  if (bytes.length > 32) throw new CliUsageError('--hwmodel expects a model name of 1 to 32 bytes');
  return toHex(bytes);
}

export function registerDevices(program: Command): void {
  const devices = program
    .command('devices')
    .description("the manufacturer's side: make software devices and endorse them at the DCS");

  devices
    .command('make')
    .description('make N software devices (DIR/<ueid>/identity.json, 0600) and DIR/manifest.json')
    .option('--count <n>', 'how many devices (1 to 10000)')
    .option('--class <name>', 'the device class (A-Z a-z 0-9 . _ -)')
    .option('--out <dir>', 'the batch directory (new)')
    .option('--akm <kind>', 'attestation key: es256 (default) or hmac')
    .option('--swversion <v>', `software version the devices report (default ${DEFAULT_SWVERSION})`)
    .option('--swname <name>', `software name the devices report (default ${DEFAULT_SWNAME})`)
    .option('--oemid <hex>', 'OEM id: a 3-byte IEEE OUI or 16 bytes, hex')
    .option('--hwmodel <name>', 'hardware model name (1 to 32 bytes)')
    .option('--ueid-type <type>', 'rand (default: 0x01, 16 random bytes) or eui (0x02, EUI-64)')
    .action((opts: Record<string, unknown>) => {
      const hwmodel = hwmodelOption(opts.hwmodel);
      const oemid = opts.oemid === undefined ? undefined : textOption('--oemid', opts.oemid, 'hex');
      const { manifestPath, manifest } = makeDevices({
        count: intOption('--count', opts.count, 1, MAX_DEVICES),
        deviceClass: textOption('--class', opts.class, 'a device class name'),
        out: textOption('--out', opts.out, 'a directory'),
        akm: akmOption(opts.akm),
        ueidType: ueidTypeOption(opts.ueidType),
        ...(opts.swversion !== undefined
          ? { swversion: textOption('--swversion', opts.swversion, 'a version') }
          : {}),
        ...(opts.swname !== undefined
          ? { swname: textOption('--swname', opts.swname, 'a software name') }
          : {}),
        ...(oemid !== undefined ? { oemid } : {}),
        ...(hwmodel !== undefined ? { hwmodel } : {}),
      });
      printJson({
        made: manifest.devices.length,
        deviceClass: manifest.deviceClass,
        akm: manifest.akm,
        manifest: manifestPath,
        ueids: manifest.devices.map((d) => d.ueid),
      });
    });

  devices
    .command('register')
    .description(
      "endorse a made batch at the DCS (one bulk import) and set its class's reference values",
    )
    .argument('<dir>', 'the batch directory (from devices make --out)')
    .option(
      '--dcs <url>',
      'the DCS base URL (default: serve on its default ports)',
      DEFAULT_DCS_URL,
    )
    .option('--token <token>', 'the DCS admin token (default: env NPN_ONBOARD_ADMIN_TOKEN)')
    .option('--data <dir>', "read the admin token from the network's data directory")
    .action(async (dir: string, opts: Record<string, unknown>) => {
      const dcsUrl = textOption('--dcs', opts.dcs, 'the DCS base URL');
      const token =
        opts.token !== undefined
          ? textOption('--token', opts.token, 'the DCS admin token')
          : opts.data !== undefined
            ? tokenFromDataDir(textOption('--data', opts.data, 'a data directory'))
            : process.env.NPN_ONBOARD_ADMIN_TOKEN;
      if (token === undefined || token.length === 0) {
        throw new CliUsageError(
          'the DCS admin token is required: pass --token or --data DIR, or set NPN_ONBOARD_ADMIN_TOKEN',
        );
      }
      const result = await registerDeviceBatch({ dir, dcsUrl, adminToken: token });
      printJson(result);
    });
}
