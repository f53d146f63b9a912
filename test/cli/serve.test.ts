// `serve dcs` as an operator runs it: ready line, secrets in the data directory, SIGTERM stops it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { runCli } from './run-cli.js';

const BIN = fileURLToPath(new URL('../../bin/npn-onboard', import.meta.url));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'npn-serve-'));
  dirs.push(d);
  return d;
}

test('serve dcs --json: ready line, admin token 0600, API answers, SIGTERM exits 0', async () => {
  const data = join(tempDir(), 'data');
  const env = { ...process.env };
  delete env.NPN_ONBOARD_ADMIN_TOKEN;
  delete env.NPN_ONBOARD_KEK;
  const child = spawn(BIN, ['serve', 'dcs', '--data', data, '--port-base', '0', '--json'], { env });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before ready`)));
  });
  const ready = JSON.parse(line) as { ready: boolean; endpoints: { dcs: string } };
  expect(ready.ready).toBe(true);
  expect(ready.endpoints.dcs).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

  const tokenFile = join(data, 'admin-token');
  expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
  expect(statSync(join(data, 'kek')).mode & 0o777).toBe(0o600);
  const token = readFileSync(tokenFile, 'utf8').trim();
  const ok = await fetch(`${ready.endpoints.dcs}/endorsements/v1/devices`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(ok.status).toBe(200);
  const denied = await fetch(`${ready.endpoints.dcs}/endorsements/v1/devices`);
  expect(denied.status).toBe(401);
  expect(denied.headers.get('content-type')).toMatch(/application\/problem\+json/);

  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
});

test('--data naming a file, and an unknown function, are usage errors', async () => {
  const file = join(tempDir(), 'not-a-dir');
  writeFileSync(file, 'x');
  const r1 = await runCli(['serve', 'dcs', '--data', file, '--json']);
  expect(r1.code).toBe(2);
  expect(r1.stderr).toMatch(/--data expects a directory/);
  const r2 = await runCli(['serve', 'hss', '--data', tempDir()]);
  expect(r2.code).toBe(2);
  expect(r2.stderr).toMatch(/unknown function "hss"; expected one of dcs/);
});
