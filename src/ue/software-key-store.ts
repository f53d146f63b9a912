// The software key store: a device directory whose identity.json (mode 0600) holds the UEID, the
// device's claims-to-be (class, OEM, model, software) and the AKM JWK. The lowest security level:
// anyone who can read the file can be the device, so a file readable by group or others is refused.
import {
  createHmac,
  createPrivateKey,
  createSecretKey,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { fromBase64url, fromHex, isHex, toBase64url, toHex } from '../lib/bytes.js';
import { UEID_TYPE, ueidExpectation } from '../lib/rats/eat-claims.js';
import { generateJwkPair } from '../lib/key-pairs.js';
import type { AkmKind, KeyStore, SecurityLevel } from './key-store.js';

export const IDENTITY_FILE = 'identity.json';
const IDENTITY_VERSION = 1;
const HMAC_KEY_BYTES = 32;
const MAX_IDENTITY_BYTES = 64 * 1024;
const DEVICE_CLASS = /^[A-Za-z0-9._-]{1,64}$/;

/** What the device says about itself in its Evidence (all hex values lower case). */
export interface DeviceIdentity {
  /** hex of the UEID: type byte then value */
  ueid: string;
  deviceClass: string;
  /** hex: a 3-byte IEEE OUI or a 16-byte random OEM id */
  oemid?: string;
  /** hex, 1 to 32 bytes */
  hwmodel?: string;
  swname: string;
  swversion: string;
}

export interface CreateDeviceOptions {
  akm: AkmKind;
  deviceClass: string;
  swname: string;
  swversion: string;
  oemid?: string;
  hwmodel?: string;
  /** the UEID; default a RAND UEID (0x01 then 16 random bytes) */
  ueid?: Uint8Array;
}

/** A device directory that cannot be used, with the file and the fix in the message. */
export class KeyStoreError extends Error {
  override readonly name = 'KeyStoreError';
}

export class SoftwareKeyStore implements KeyStore {
  readonly securityLevel: SecurityLevel = 'software';
  readonly akmKind: AkmKind;
  readonly identity: DeviceIdentity;
  /** the AKM as the file holds it: read by endorsementAkm() only */
  readonly #akm: JWK;
  /** the same key, imported once: what sign() uses */
  readonly #key: KeyObject;
  readonly #ueid: Uint8Array;

  /** `akm` must be valid (createSoftwareDevice and openSoftwareKeyStore check it). */
  constructor(identity: DeviceIdentity, akm: JWK) {
    this.identity = { ...identity };
    this.#akm = { ...akm };
    this.#ueid = fromHex(identity.ueid);
    this.akmKind = akm.kty === 'oct' ? 'HMAC' : 'ES256';
    this.#key =
      this.akmKind === 'HMAC'
        ? createSecretKey(Buffer.from(akm.k!, 'base64url'))
        : createPrivateKey({
            key: { kty: 'EC', crv: 'P-256', d: akm.d!, x: akm.x!, y: akm.y! },
            format: 'jwk',
          });
  }

  ueid(): Uint8Array {
    return this.#ueid.slice();
  }

  akmPublicJwk(): JWK | undefined {
    if (this.akmKind === 'HMAC') return undefined;
    return { kty: 'EC', crv: 'P-256', x: this.#akm.x!, y: this.#akm.y! };
  }

  async sign(data: Uint8Array): Promise<Uint8Array> {
    if (this.akmKind === 'HMAC') {
      return new Uint8Array(createHmac('sha256', this.#key).update(data).digest());
    }
    return new Uint8Array(sign('sha256', data, { key: this.#key, dsaEncoding: 'ieee-p1363' }));
  }

  /**
   * What the DCS needs to appraise this device's Evidence: the public AKM (ES256), or for an HMAC
   * AKM the shared secret itself (an `oct` JWK). Not part of KeyStore: only the manufacturer's
   * tool reads it, from the file it made (a hardware store would have no such method).
   */
  endorsementAkm(): JWK {
    if (this.akmKind === 'HMAC') return { kty: 'oct', k: this.#akm.k! };
    return this.akmPublicJwk()!;
  }

  /** Never serialise the key material by accident (logs, JSON output). */
  toJSON(): object {
    return { securityLevel: this.securityLevel, akmKind: this.akmKind, identity: this.identity };
  }
}

/** A fresh RAND UEID (RFC 9711 4.2.1): type byte 0x01 then 16 random bytes. */
export function randomUeid(): Uint8Array {
  return Uint8Array.from([UEID_TYPE.RAND, ...randomBytes(16)]);
}

/**
 * Makes a device: creates DIR (0700) and DIR/identity.json (0600) with a fresh AKM. Refuses a
 * directory that already holds a device (its identity would be lost).
 */
export function createSoftwareDevice(dir: string, options: CreateDeviceOptions): SoftwareKeyStore {
  const ueid = options.ueid ?? randomUeid();
  const identity: DeviceIdentity = {
    ueid: toHex(ueid),
    deviceClass: options.deviceClass,
    ...(options.oemid !== undefined ? { oemid: options.oemid.toLowerCase() } : {}),
    ...(options.hwmodel !== undefined ? { hwmodel: options.hwmodel.toLowerCase() } : {}),
    swname: options.swname,
    swversion: options.swversion,
  };
  const problem = identityProblem(identity);
  if (problem !== undefined) throw new KeyStoreError(`cannot make a device: ${problem}`);
  const akm: JWK =
    options.akm === 'HMAC'
      ? { kty: 'oct', k: toBase64url(new Uint8Array(randomBytes(HMAC_KEY_BYTES))) }
      : generateJwkPair('P-256').privateJwk;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, IDENTITY_FILE);
  if (existsSync(path)) {
    throw new KeyStoreError(`${path} already holds a device: choose an empty directory`);
  }
  const file = { version: IDENTITY_VERSION, ...identity, akm };
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return new SoftwareKeyStore(identity, akm);
}

/**
 * Opens DIR/identity.json. Throws KeyStoreError naming the file and the fix when it is missing,
 * readable by group or others, or malformed. Never puts key material in a message.
 */
export function openSoftwareKeyStore(dir: string): SoftwareKeyStore {
  const path = join(dir, IDENTITY_FILE);
  let mode: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile())
      throw new KeyStoreError(`${path} is not a file: it must be a device identity`);
    if (stat.size > MAX_IDENTITY_BYTES) {
      throw new KeyStoreError(`${path} is too large for a device identity`);
    }
    mode = stat.mode & 0o777;
  } catch (err) {
    if (err instanceof KeyStoreError) throw err;
    throw new KeyStoreError(
      `${path} does not exist: make the device first (npn-onboard devices make)`,
    );
  }
  if ((mode & 0o077) !== 0) {
    throw new KeyStoreError(
      `${path} is readable by group or others (mode ${mode.toString(8).padStart(4, '0')}): ` +
        `it holds the device's attestation key; run chmod 600 ${path}`,
    );
  }
  const malformed = (what: string) =>
    new KeyStoreError(`${path} is malformed (${what}): restore it or make the device again`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw malformed('not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw malformed('not a JSON object');
  }
  const o = json as Record<string, unknown>;
  if (o.version !== IDENTITY_VERSION) throw malformed(`version is not ${IDENTITY_VERSION}`);
  const text = (name: string): string => {
    const v = o[name];
    if (typeof v !== 'string') throw malformed(`${name} is not a string`);
    return v;
  };
  const optional = (name: string): string | undefined =>
    o[name] === undefined ? undefined : text(name);
  const oemid = optional('oemid');
  const hwmodel = optional('hwmodel');
  const identity: DeviceIdentity = {
    ueid: text('ueid').toLowerCase(),
    deviceClass: text('deviceClass'),
    ...(oemid !== undefined ? { oemid: oemid.toLowerCase() } : {}),
    ...(hwmodel !== undefined ? { hwmodel: hwmodel.toLowerCase() } : {}),
    swname: text('swname'),
    swversion: text('swversion'),
  };
  const problem = identityProblem(identity);
  if (problem !== undefined) throw malformed(problem);
  const akmProblem = akmJwkProblem(o.akm);
  if (akmProblem !== undefined) throw malformed(`akm: ${akmProblem}`);
  return new SoftwareKeyStore(identity, o.akm as JWK);
}

/** What is wrong with an identity, or undefined. */
export function identityProblem(identity: DeviceIdentity): string | undefined {
  if (!isHex(identity.ueid)) return 'ueid is not hex';
  const ueidProblem = ueidExpectation(fromHex(identity.ueid));
  if (ueidProblem !== undefined) return `ueid: expected ${ueidProblem}`;
  if (!DEVICE_CLASS.test(identity.deviceClass)) {
    return 'deviceClass must be 1 to 64 of A-Z a-z 0-9 . _ -';
  }
  if (identity.oemid !== undefined) {
    const ok = isHex(identity.oemid) && [6, 32].includes(identity.oemid.length);
    if (!ok) return 'oemid must be hex of 3 bytes (an IEEE OUI) or 16 bytes';
  }
  if (identity.hwmodel !== undefined) {
    const n = identity.hwmodel.length;
    if (!isHex(identity.hwmodel) || n < 2 || n > 64) return 'hwmodel must be hex of 1 to 32 bytes';
  }
  if (identity.swname.length < 1 || identity.swname.length > 256) {
    return 'swname must have 1 to 256 characters';
  }
  if (identity.swversion.length < 1 || identity.swversion.length > 256) {
    return 'swversion must have 1 to 256 characters';
  }
  return undefined;
}

/** An EC P-256 private JWK or an oct JWK of 32 bytes; the problem (never the key) otherwise. */
function akmJwkProblem(akm: unknown): string | undefined {
  if (typeof akm !== 'object' || akm === null || Array.isArray(akm)) return 'not a JWK object';
  const jwk = akm as Record<string, unknown>;
  if (jwk.kty === 'oct') {
    const k = fromBase64url(jwk.k);
    return k?.length === HMAC_KEY_BYTES
      ? undefined
      : `an oct key must have ${HMAC_KEY_BYTES} bytes`;
  }
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') return 'expected an EC P-256 or an oct JWK';
  if (typeof jwk.d !== 'string' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
    return 'an EC key needs d, x and y';
  }
  try {
    createPrivateKey({
      key: { kty: 'EC', crv: 'P-256', d: jwk.d, x: jwk.x, y: jwk.y },
      format: 'jwk',
    });
  } catch {
    return 'not a valid P-256 private key';
  }
  return undefined;
}
