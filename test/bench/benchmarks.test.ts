// The benchmarks still run and print what they promise. Behaviour only, at toy sizes: each one
// prints one JSON object with its fields, and the work it measured succeeded. The numbers are
// not checked here (bench/ is where speed is judged, on purpose, by a person).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { wrkInstalled } from '../../bench/load.js';

const run = promisify(execFile);
const dist = (name: string) =>
  fileURLToPath(new URL(`../../dist/bench/${name}.js`, import.meta.url));

async function bench(name: string, args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [dist(name), ...args], { timeout: 120_000 });
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

describe('benchmarks print one JSON object', () => {
  test('bench/aka', { timeout: 60_000 }, async () => {
    const result = await bench('aka', ['--seconds', '1']);
    expect(result.bench).toBe('aka');
  });

  const dcs = async (generator: 'autocannon' | 'wrk') => {
    const result = await bench('dcs', [
      ...['--seconds', '1', '--warmup', '0', '--workers', '1', '--concurrency', '8'],
      ...['--bodies', '200', '--load', generator],
    ]);
    expect(result).toMatchObject({
      bench: 'dcs',
      load_generator: generator,
      non_2xx: 0,
      errors: 0,
      sample_status: 'affirming',
    });
    expect(result.appraisals).toBeGreaterThan(0);
    expect(result.server_cpu_us_per_appraisal).toBeGreaterThan(0);
    expect(result.floor_per_s).toBeGreaterThan(0);
    expect(result.es256_verify_per_s_one_core).toBeGreaterThan(0);
    expect(result.http_round_trips_per_s_one_core).toBeGreaterThan(0);
  };
  test('bench/dcs with autocannon, and its floor', { timeout: 120_000 }, () => dcs('autocannon'));
  // wrk is optional for a developer; .ci/run installs it.
  test.skipIf(!wrkInstalled())('bench/dcs with wrk, and its floor', { timeout: 120_000 }, () =>
    dcs('wrk'),
  );

  test('bench/onboarding, Steps 1-3', { timeout: 120_000 }, async () => {
    const result = await bench('onboarding', [
      '--ues',
      '12',
      '--warmup',
      '4',
      '--concurrency',
      '4',
    ]);
    expect(result).toMatchObject({
      bench: 'onboarding',
      ues: 12,
      warmup_ues: 4,
      onboarded: 12,
      authenticated: 12,
      failed: 0,
    });
    expect(result.server_cpu_ms_per_onboarding).toBeGreaterThan(0);
    expect(result.ue_cpu_ms_per_onboarding).toBeGreaterThan(0);
    expect(result.es256_verify_per_s_one_core).toBeGreaterThan(0);
    expect(result.http_round_trips_per_s_one_core).toBeGreaterThan(0);
  });
});
