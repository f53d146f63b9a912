// Where a device keeps the credentials it was delivered: DEVICE_DIR/credentials.json (0600),
// replaced as a whole on re-onboarding (written to a temporary file, flushed to disk, then renamed
// over it: a crash leaves the old credentials or the new ones, never half a file).
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
import {
  parseCredentialBundle,
  type CredentialBundle,
} from '../lib/onboarding/credential-bundle.js';
import { KeyStoreError } from './software-key-store.js';

export const CREDENTIALS_FILE = 'credentials.json';
const VERSION = 1;

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

export class FileCredentialStore implements CredentialStore {
  readonly path: string;

  constructor(deviceDir: string) {
    this.path = join(deviceDir, CREDENTIALS_FILE);
  }

  save(bundle: CredentialBundle, meta: { sessionId?: string } = {}): void {
    const stored: StoredCredentials & { version: number } = {
      version: VERSION,
      receivedAt: new Date().toISOString(),
      ...(meta.sessionId !== undefined ? { sessionId: meta.sessionId } : {}),
      bundle,
    };
    const tmp = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const fd = openSync(tmp, 'wx', 0o600);
      try {
        writeSync(fd, `${JSON.stringify(stored, null, 2)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.path);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  load(): StoredCredentials | undefined {
    let mode: number;
    try {
      mode = statSync(this.path).mode & 0o777;
    } catch {
      return undefined;
    }
    if ((mode & 0o077) !== 0) {
      throw new KeyStoreError(
        `${this.path} is readable by group or others (mode ${mode.toString(8).padStart(4, '0')}): ` +
          `it holds the device's K and OPc; run chmod 600 ${this.path}`,
      );
    }
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
}
