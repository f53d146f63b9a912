// `serve dcs` as an operator runs it: ready line, secrets in the data directory, SIGTERM stops it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { runCli } from './run-cli.js';
import { readyLine } from '../../src/cli/ready-line.js';

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
  const ready = await readyLine(child);
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

/** The PIDs of a process's children, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text === '' ? [] : text.split(' ').map(Number);
}

test('serve dcs --workers 2: two processes share the port; a dead worker is replaced; SIGTERM stops all', async () => {
  const data = join(tempDir(), 'data');
  const child = spawn(BIN, [
    'serve',
    'dcs',
    '--data',
    data,
    '--port-base',
    '0',
    '--json',
    '--workers',
    '2',
  ]);
  const { endpoints } = await readyLine(child);
  // bin/npn-onboard is a shell-free node script: the primary is the spawned process itself.
  const workers = childrenOf(child.pid!);
  expect(workers).toHaveLength(2);
  for (let i = 0; i < 20; i++) {
    const r = await fetch(`${endpoints.dcs}/verification/v1/keys`);
    expect(r.status).toBe(200);
  }

  process.kill(workers[0]!, 'SIGKILL');
  let now: number[] = [];
  for (let i = 0; i < 100; i++) {
    now = childrenOf(child.pid!);
    if (now.length === 2 && !now.includes(workers[0]!)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(now).toHaveLength(2);
  expect(now).not.toContain(workers[0]);
  expect((await fetch(`${endpoints.dcs}/verification/v1/keys`)).status).toBe(200);

  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  for (const pid of now) expect(() => process.kill(pid, 0)).toThrow();
}, 30_000);

test('--workers outside 1-64 is a usage error', async () => {
  const r = await runCli(['serve', 'dcs', '--data', tempDir(), '--workers', '0']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/--workers/);
});
