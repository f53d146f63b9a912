// Validation of option values, one function per kind of value. Each names the flag in its
// message so that the user knows what to fix.
import { fromHex, isHex } from '../lib/bytes.js';
import { CliUsageError } from './usage-error.js';

/** A hex option of exactly `bytes` bytes (either case). */
export function hexOption(flag: string, value: unknown, bytes: number): Uint8Array {
  const text = requireOption(flag, value, `${bytes * 2} hex digits`);
  if (!isHex(text)) {
    throw new CliUsageError(
      `${flag} expects ${bytes * 2} hex digits (${bytes} bytes); got a value that is not hex`,
    );
  }
  if (text.length !== bytes * 2) {
    throw new CliUsageError(
      `${flag} expects ${bytes * 2} hex digits (${bytes} bytes); got ${text.length} digits`,
    );
  }
  return fromHex(text);
}

/** A hex option of any whole number of bytes within [min, max]. */
export function hexOptionRange(flag: string, value: unknown, min: number, max: number): Uint8Array {
  const text = requireOption(flag, value, 'hex digits');
  const expects = `${flag} expects hex of ${min === max ? min : `${min} to ${max}`} bytes`;
  if (!isHex(text)) throw new CliUsageError(`${expects}; got a value that is not hex`);
  if (text.length / 2 < min || text.length / 2 > max) {
    throw new CliUsageError(`${expects}; got ${text.length / 2} bytes`);
  }
  return fromHex(text);
}

export function textOption(flag: string, value: unknown, expects: string): string {
  const text = requireOption(flag, value, expects);
  if (text.length === 0) throw new CliUsageError(`${flag} expects ${expects}; got an empty value`);
  return text;
}

export function intOption(flag: string, value: unknown, min: number, max: number): number {
  const text = requireOption(flag, value, `an integer from ${min} to ${max}`);
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new CliUsageError(`${flag} expects an integer from ${min} to ${max}`);
  }
  return n;
}

function requireOption(flag: string, value: unknown, expects: string): string {
  if (value === undefined) throw new CliUsageError(`${flag} is required: it expects ${expects}`);
  if (typeof value !== 'string') throw new CliUsageError(`${flag} expects ${expects}`);
  return value;
}

/** Prints one JSON object on stdout, as every toolbox command does. */
export function printJson(value: object): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
