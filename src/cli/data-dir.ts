// The secrets a data directory holds for the functions that run from it: created on first use
// with mode 0600, read on later starts, and overridable from the environment.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliUsageError } from './usage-error.js';
import { generateJwkPair } from '../lib/key-pairs.js';

/** Creates DIR (0700) if needed; refuses a path that exists and is not a directory. */
export function prepareDataDir(dir: string): string {
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new CliUsageError(`--data expects a directory; ${dir} is a file`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Reads a secret file, or creates it (exclusively, 0600) with `make()` when absent. */
function secretFile(path: string, make: () => string): string {
  if (!existsSync(path)) {
    try {
      writeFileSync(path, `${make()}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // Another process created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) chmodSync(path, 0o600);
  return readFileSync(path, 'utf8').trim();
}

/** NPN_ONBOARD_ADMIN_TOKEN, else DIR/admin-token (generated). */
export function adminToken(dir: string): string {
  const fromEnv = process.env.NPN_ONBOARD_ADMIN_TOKEN;
  if (fromEnv !== undefined) {
    if (fromEnv.length < 16) {
      throw new CliUsageError('NPN_ONBOARD_ADMIN_TOKEN must have at least 16 characters');
    }
    return fromEnv;
  }
  return secretFile(join(dir, 'admin-token'), () => randomBytes(32).toString('base64url'));
}

/**
 * A key of `bytes` bytes: the environment variable's hex when set, else DIR/<file> (generated).
 * `what` names it in the error, e.g. "the key-encryption key (NPN_ONBOARD_KEK or DIR/kek)".
 */
function hexKey(
  dir: string,
  file: string,
  envVar: string,
  bytes: number,
  what: string,
): Uint8Array {
  const text =
    process.env[envVar] ?? secretFile(join(dir, file), () => randomBytes(bytes).toString('hex'));
  if (!new RegExp(`^[0-9a-fA-F]{${2 * bytes}}$`).test(text)) {
    throw new CliUsageError(`${what} must be ${2 * bytes} hex digits (${bytes} bytes)`);
  }
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** NPN_ONBOARD_KEK (64 hex digits), else DIR/kek (generated). */
export function keyEncryptionKey(dir: string): Uint8Array {
  return hexKey(
    dir,
    'kek',
    'NPN_ONBOARD_KEK',
    32,
    'the key-encryption key (NPN_ONBOARD_KEK or DIR/kek)',
  );
}

/** The operator variant key OP (16 bytes): NPN_ONBOARD_OP (32 hex digits), else DIR/op (generated). */
export function operatorKey(dir: string): Uint8Array {
  return hexKey(dir, 'op', 'NPN_ONBOARD_OP', 16, 'the operator key OP (NPN_ONBOARD_OP or DIR/op)');
}

/** A private signing JWK in DIR/<name>.jwk (ES256, P-256), generated on first use. */
export function signingKey(dir: string, name: string): Record<string, string> {
  const text = secretFile(join(dir, `${name}.jwk`), () =>
    JSON.stringify(generateJwkPair('P-256').privateJwk),
  );
  try {
    return JSON.parse(text) as Record<string, string>;
  } catch {
    throw new CliUsageError(
      `${join(dir, `${name}.jwk`)} is not a JWK: remove it to have a new key made`,
    );
  }
}

/**
 * A 32-byte key two functions share (e.g. the PS-UDM transport key), in DIR/<name> as 64 hex
 * digits, generated on first use. The id names it without revealing it.
 */
export function sharedKey(dir: string, name: string): { id: string; key: Uint8Array } {
  const path = join(dir, name);
  const text = secretFile(path, () => randomBytes(32).toString('hex'));
  if (!/^[0-9a-fA-F]{64}$/.test(text)) {
    throw new CliUsageError(
      `${path} must hold 64 hex digits (32 bytes): remove it to have a new key made`,
    );
  }
  const key = new Uint8Array(Buffer.from(text, 'hex'));
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key };
}
