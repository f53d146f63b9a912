// The operator's path from a fresh checkout: init, serve with every function, and the demo that
// runs Steps 1-2 for simulated devices; each checked from outside, as a user runs them.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, expect, test } from 'vitest';
import { runCli, runJson } from './run-cli.js';
import { readyLine } from '../../src/cli/ready-line.js';

const BIN = fileURLToPath(new URL('../../bin/npn-onboard', import.meta.url));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'npn-network-cli-'));
  dirs.push(d);
  return d;
}

test('init writes the commented configuration and every secret (0600); a second init needs --force', async () => {
  const data = join(tempDir(), 'data');
  const out = await runJson(['init', '--data', data]);
  expect(out.config).toBe(join(data, 'npn-onboard.yaml'));
  const yaml = readFileSync(join(data, 'npn-onboard.yaml'), 'utf8');
  expect(yaml).toMatch(/^#/m);
  const config = parse(yaml) as Record<string, unknown>;
  expect(JSON.stringify(config)).toContain('000007ED9D5');
  for (const secret of [
    'admin-token',
    'kek',
    'op',
    'udm-transport-key',
    'dcs-ear-signing-key.jwk',
  ]) {
    expect(statSync(join(data, secret)).mode & 0o777).toBe(0o600);
  }
  expect(/^[0-9a-f]{32}$/.test(readFileSync(join(data, 'op'), 'utf8').trim())).toBe(true);
  const op = readFileSync(join(data, 'op'), 'utf8');
  expect(yaml).not.toContain(op.trim());

  const again = await runCli(['init', '--data', data]);
  expect(again.code).toBe(2);
  expect(again.stderr).toMatch(/exists: edit it, or pass --force/);
  expect((await runCli(['init', '--data', data, '--force'])).code).toBe(0);
  expect(readFileSync(join(data, 'op'), 'utf8')).toBe(op);
});

test('serve without init names the fix; a broken configuration names the field', async () => {
  const bare = join(tempDir(), 'bare');
  const r = await runCli(['serve', '--data', bare, '--port-base', '0', '--json']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/npn-onboard init --data/);

  const data = join(tempDir(), 'data');
  await runJson(['init', '--data', data]);
  const path = join(data, 'npn-onboard.yaml');
  writeFileSync(path, readFileSync(path, 'utf8').replace(/mcc: "001"/, 'mcc: "1"'));
  const broken = await runCli(['serve', '--data', data, '--port-base', '0', '--json']);
  expect(broken.code).toBe(2);
  expect(broken.stderr).toMatch(/mcc/);
  expect(broken.stderr.split('\n').filter(Boolean)).toHaveLength(1);
});

test('serve --json runs the PS, the DCS and the UDM; each serves its OpenAPI document', async () => {
  const data = join(tempDir(), 'data');
  await runJson(['init', '--data', data]);
  const child = spawn(BIN, ['serve', '--data', data, '--port-base', '0', '--json']);
  try {
    const { endpoints } = await readyLine(child);
    expect(Object.keys(endpoints).sort()).toEqual(['amf', 'ausf', 'dcs', 'ps', 'udm']);
    for (const [fn, prefix] of [
      ['ps', '/onboarding/v1'],
      ['dcs', '/verification/v1'],
      ['udm', '/nudm-cp/v1'],
      ['udm', '/nudm-ueau/v1'],
      ['ausf', '/nausf-auth/v1'],
      ['amf', '/namf-reg/v1'],
    ] as const) {
      const r = await fetch(`${endpoints[fn]}${prefix}/openapi.json`);
      expect(r.status).toBe(200);
    }
    const challenge = await fetch(`${endpoints.ps}/onboarding/v1/challenges`, { method: 'POST' });
    expect(challenge.status).toBe(201);
  } finally {
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }
}, 30_000);

test('serve --workers N refuses the AMF (its registrations live in memory) and writes nothing', async () => {
  const data = join(tempDir(), 'never-made');
  const r = await runCli(['serve', '--data', data, '--workers', '2']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/AMF keeps each registration in memory.*serve amf --peer ausf=URL/);
  expect(existsSync(data)).toBe(false);
});

test('a lone PS without its peers is told to pass --peer', async () => {
  const data = join(tempDir(), 'data');
  await runJson(['init', '--data', data]);
  const r = await runCli(['serve', 'ps', '--data', data, '--port-base', '0']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/--peer dcs=/);
  const bad = await runCli(['serve', 'ps', '--data', data, '--peer', 'hss=http://x']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--peer expects NAME=URL/);
});

test('demo --ues 12 --json: every device onboarded and authenticated, the issue fields', async () => {
  const summary = await runJson(['demo', '--ues', '12', '--json']);
  expect(Object.keys(summary).sort()).toEqual(
    ['authenticated', 'failed', 'onboarded', 'p50_ms', 'p99_ms', 'rate_per_s', 'ues'].sort(),
  );
  expect(summary).toMatchObject({ ues: 12, onboarded: 12, authenticated: 12, failed: 0 });
  expect(summary.rate_per_s as number).toBeGreaterThan(0);
  expect(summary.p99_ms as number).toBeGreaterThanOrEqual(summary.p50_ms as number);
}, 60_000);

test('demo prints the ladder of the first UE and the summary line', async () => {
  const r = await runCli(['demo', '--ues', '3', '--form', 'jwt']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^UE\s+PS\s+DCS\s+UDM$/m);
  expect(r.stdout).toContain('EAR affirming');
  expect(r.stdout).toMatch(/PUT imsi-00101\d{10} \(5G_AKA\)/);
  expect(r.stdout).toMatch(/^UE\s+AMF\s+AUSF\s+UDM$/m);
  expect(r.stdout).toMatch(/authenticated as imsi-00101\d{10}/);
  expect(r.stdout).toMatch(
    /onboarded 3 of 3, authenticated 3; [\d.]+\/s, p50 [\d.]+ ms, p99 [\d.]+ ms/,
  );
  expect((await runCli(['demo', '--ues', '0'])).stderr).toMatch(/--ues/);
}, 60_000);
