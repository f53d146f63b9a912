// Where a device keeps the credentials it was delivered: DEVICE_DIR/credentials.json (0600),
// replaced as a whole on re-onboarding (written to a temporary file, flushed to disk, then renamed
// over it: a crash leaves the old credentials or the new ones, never half a file).
// Beside it, DEVICE_DIR/usim-sqn.json holds the USIM's SQN array (TS 33.102 Annex C) as the last
// accepted challenge left it, written the same way: a USIM that forgot an accepted SQN would
// accept that challenge again (a replay), so the array must outlive the process. It names the
// delivery it belongs to (SUPI and ackToken), so new credentials never inherit an old array.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { UsimSqnArray, type SqnProfile } from '../lib/aka/sqn.js';
import {
  parseCredentialBundle,
  type CredentialBundle,
} from '../lib/onboarding/credential-bundle.js';
import { KeyStoreError } from './software-key-store.js';

export const CREDENTIALS_FILE = 'credentials.json';
export const USIM_SQN_FILE = 'usim-sqn.json';
const VERSION = 1;
const SQN_VERSION = 1;

export interface StoredCredentials {
  bundle: CredentialBundle;
  /** RFC 3339: when the device stored them */
  receivedAt: string;
  /** the onboarding session that delivered them */
  sessionId?: string;
}

export interface CredentialStore {
  /** Replaces the stored credentials (if any) with these. */
  save(bundle: CredentialBundle, meta?: { sessionId?: string }): void;
  /** The stored credentials, or undefined when the device has none yet. */
  load(): StoredCredentials | undefined;
}

/** Where the USIM's SQN array persists between registrations. */
export interface UsimSqnStore {
  /**
   * The SQN array saved for these credentials, or undefined when there is none (the USIM then
   * starts from the bundle's SQN). An array saved for other credentials is never returned.
   */
  loadSqnArray(bundle: CredentialBundle): UsimSqnArray | undefined;
  /** Saves the array for these credentials, atomically; called after each accepted challenge. */
  saveSqnArray(bundle: CredentialBundle, array: UsimSqnArray): void;
}

/** Writes `text` to `path` (0600) through a flushed temporary file and a rename. */
function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** The file mode of `path`, or undefined when it does not exist; refuses group/other access. */
function privateFileMode(path: string, what: string): number | undefined {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    return undefined;
  }
  if ((mode & 0o077) !== 0) {
    throw new KeyStoreError(
      `${path} is readable by group or others (mode ${mode.toString(8).padStart(4, '0')}): ` +
        `it holds ${what}; run chmod 600 ${path}`,
    );
  }
  return mode;
}

/** What usim-sqn.json holds. */
interface SqnFile {
  version: number;
  /** the credentials this array belongs to */
  supi: string;
  ackToken: string;
  profile: SqnProfile;
  seqMs: number[];
  highestInd: number;
  updatedAt: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sqnArrayFrom(o: Record<string, unknown>): UsimSqnArray | undefined {
  const p = o.profile;
  if (!isObject(p) || !Number.isInteger(p.indBits) || typeof p.delta !== 'number') return undefined;
  if (p.freshnessLimit !== undefined && typeof p.freshnessLimit !== 'number') return undefined;
  const profile: SqnProfile = {
    indBits: p.indBits as number,
    delta: p.delta,
    ...(p.freshnessLimit !== undefined ? { freshnessLimit: p.freshnessLimit } : {}),
  };
  if (profile.indBits < 0 || profile.indBits > 10) return undefined;
  const seqMs = o.seqMs;
  if (!Array.isArray(seqMs) || !seqMs.every((s) => Number.isSafeInteger(s) && s >= 0)) {
    return undefined;
  }
  if (!Number.isInteger(o.highestInd)) return undefined;
  try {
    return new UsimSqnArray(profile, seqMs as number[], o.highestInd as number);
  } catch {
    return undefined;
  }
}

export class FileCredentialStore implements CredentialStore, UsimSqnStore {
  readonly path: string;
  readonly sqnPath: string;

  constructor(deviceDir: string) {
    this.path = join(deviceDir, CREDENTIALS_FILE);
    this.sqnPath = join(deviceDir, USIM_SQN_FILE);
  }

  save(bundle: CredentialBundle, meta: { sessionId?: string } = {}): void {
    const stored: StoredCredentials & { version: number } = {
      version: VERSION,
      receivedAt: new Date().toISOString(),
      ...(meta.sessionId !== undefined ? { sessionId: meta.sessionId } : {}),
      bundle,
    };
    writeFileAtomic(this.path, `${JSON.stringify(stored, null, 2)}\n`);
    // The old array belongs to the old credentials (loadSqnArray would ignore it anyway).
    rmSync(this.sqnPath, { force: true });
  }

  load(): StoredCredentials | undefined {
    if (privateFileMode(this.path, "the device's K and OPc") === undefined) return undefined;
    const malformed = (what: string) =>
      new KeyStoreError(`${this.path} is malformed (${what}): remove it and onboard again`);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch {
      throw malformed('not JSON');
    }
    const o = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
    if (o.version !== VERSION) throw malformed(`version is not ${VERSION}`);
    if (typeof o.receivedAt !== 'string') throw malformed('receivedAt is not a string');
    const parsed = parseCredentialBundle(o.bundle);
    if (!parsed.ok) throw malformed(`bundle: ${parsed.detail}`);
    return {
      bundle: parsed.bundle,
      receivedAt: o.receivedAt,
      ...(typeof o.sessionId === 'string' ? { sessionId: o.sessionId } : {}),
    };
  }

  loadSqnArray(bundle: CredentialBundle): UsimSqnArray | undefined {
    if (privateFileMode(this.sqnPath, "the USIM's SQN array") === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(this.sqnPath, 'utf8'));
    } catch {
      json = undefined;
    }
    // Starting again from the bundle's SQN is safe only where the file's SQNs are never above
    // it; a damaged file therefore stops the USIM instead of being silently replaced.
    const o = isObject(json) ? json : {};
    if (o.version !== SQN_VERSION || typeof o.supi !== 'string' || typeof o.ackToken !== 'string') {
      throw new KeyStoreError(
        `${this.sqnPath} is malformed: remove it to start again from the delivered SQN`,
      );
    }
    if (o.supi !== bundle.supi || o.ackToken !== bundle.ackToken) return undefined;
    const array = sqnArrayFrom(o);
    if (array === undefined) {
      throw new KeyStoreError(
        `${this.sqnPath} holds no valid SQN array: remove it to start again from the delivered SQN`,
      );
    }
    return array;
  }

  saveSqnArray(bundle: CredentialBundle, array: UsimSqnArray): void {
    const state = array.toJSON();
    const file: SqnFile = {
      version: SQN_VERSION,
      supi: bundle.supi,
      ackToken: bundle.ackToken,
      profile: state.profile,
      seqMs: state.seqMs,
      highestInd: state.highestInd,
      updatedAt: new Date().toISOString(),
    };
    writeFileAtomic(this.sqnPath, `${JSON.stringify(file)}\n`);
  }
}

/** Credentials and SQN array in memory only: for simulated devices (benchmarks, tests). */
export class MemoryCredentialStore implements CredentialStore, UsimSqnStore {
  #stored: StoredCredentials | undefined;
  #sqn: { supi: string; ackToken: string; array: UsimSqnArray } | undefined;

  save(bundle: CredentialBundle, meta: { sessionId?: string } = {}): void {
    this.#stored = {
      bundle: structuredClone(bundle),
      receivedAt: new Date().toISOString(),
      ...(meta.sessionId !== undefined ? { sessionId: meta.sessionId } : {}),
    };
    this.#sqn = undefined;
  }

  load(): StoredCredentials | undefined {
    return this.#stored === undefined ? undefined : structuredClone(this.#stored);
  }

  loadSqnArray(bundle: CredentialBundle): UsimSqnArray | undefined {
    const s = this.#sqn;
    if (s === undefined || s.supi !== bundle.supi || s.ackToken !== bundle.ackToken)
      return undefined;
    const { profile, seqMs, highestInd } = s.array.toJSON();
    return new UsimSqnArray(profile, seqMs, highestInd);
  }

  saveSqnArray(bundle: CredentialBundle, array: UsimSqnArray): void {
    const { profile, seqMs, highestInd } = array.toJSON();
    this.#sqn = {
      supi: bundle.supi,
      ackToken: bundle.ackToken,
      array: new UsimSqnArray(profile, seqMs, highestInd),
    };
  }
}
