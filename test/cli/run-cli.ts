// Runs ./bin/npn-onboard as a user would (the build in dist/ is made by `npm test`'s pretest).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/npn-onboard', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(BIN, [...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs and parses the one JSON object a toolbox command prints; fails loudly otherwise. */
export async function runJson(args: readonly string[]): Promise<Record<string, unknown>> {
  const r = await runCli(args);
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  if (lines.length !== 1) throw new Error(`expected one line of JSON, got ${lines.length}`);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

/** `{ '--k': 'ab', '--amf': '8000' }` -> `['--k', 'ab', '--amf', '8000']`, for readable tests. */
export function flags(options: Record<string, string>): string[] {
  return Object.entries(options).flat();
}
