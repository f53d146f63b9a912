// bench/dcs: appraisals per second over HTTP against a running DCS (`serve dcs`, durable SQLite
// store), with p50/p99 latency and the raw ES256 verify rate measured in the same run. Prints one
// JSON object. Run: `npm run build && node dist/bench/dcs.js [--seconds 10] [--warmup 5] [--concurrency 64]
// [--workers N] [--sqlite-normal] [--no-floor] [--bodies 20000]`. The load comes from wrk when installed (`apt-get install
// wrk`), else from autocannon; see bench/load.ts.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toHex } from '../src/lib/bytes.js';
import { EAT_PROFILE, INTUSE } from '../src/lib/rats/eat-claims.js';
import { encodeEatCwt } from '../src/lib/rats/eat-cwt.js';
import { generateJwkPair } from '../src/lib/key-pairs.js';
import { readyLine } from '../src/cli/ready-line.js';
import { es256VerifyRate, httpRoundTripRate } from './host-probe.js';
import { postBodies, type Load } from './load.js';
import { treeCpuSeconds } from './proc-cpu.js';
import { spawnServe } from './serve.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('--seconds', 10);
// Load before the measured run, not counted: the JIT and the caches settle first.
const WARMUP_SECONDS = arg('--warmup', 5);
const CONCURRENCY = arg('--concurrency', 64);
const DEVICES = 1000;
const BODIES = arg('--bodies', 20_000);
const loadIndex = process.argv.indexOf('--load');
const LOAD = loadIndex > 0 ? (process.argv[loadIndex + 1] as 'wrk' | 'autocannon') : undefined;
const SYNCHRONOUS = process.argv.includes('--sqlite-normal') ? 'NORMAL' : 'FULL';
// The DCS runs as `serve dcs --workers N`, one process per core by default.
const WORKERS = arg('--workers', availableParallelism());
const FLOOR_SERVER = fileURLToPath(new URL('./dcs-floor-server.js', import.meta.url));
const FLOOR = !process.argv.includes('--no-floor');

async function startDcs(dataDir: string) {
  const child = spawnServe(['dcs', '--workers', String(WORKERS)], {
    dataDir,
    synchronous: SYNCHRONOUS,
  });
  const url = (await readyLine(child)).endpoints.dcs!;
  return { url, child };
}

/** The same load against the floor server (see bench/dcs-floor-server.ts), after the DCS stopped. */
async function floorRate(target: Omit<Load, 'url'>): Promise<number> {
  const server = spawn(process.execPath, [FLOOR_SERVER, String(WORKERS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = (await readyLine(server)).endpoints.dcs!;
    const full = { ...target, url: `${url}/verification/v1/appraisals` };
    if (WARMUP_SECONDS > 0) await postBodies({ ...full, seconds: WARMUP_SECONDS }, LOAD);
    const load = await postBodies(full, LOAD);
    if (load.non2xx + load.errors > 0) throw new Error('floor server: requests failed');
    return Math.round(load.requests / load.seconds);
  } finally {
    server.kill('SIGTERM');
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'npn-bench-dcs-'));
const { url, child } = await startDcs(dataDir);
// A load test stops by itself: whatever hangs, the whole run ends within a bounded time.
const watchdog = setTimeout(
  () => {
    process.stderr.write('bench/dcs: did not finish in time; stopping the server and exiting\n');
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(1);
  },
  (2 * (WARMUP_SECONDS + SECONDS) + 120) * 1000,
);
watchdog.unref();
try {
  const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  const devices = Array.from({ length: DEVICES }, () => {
    const pair = generateJwkPair('P-256');
    return {
      ueid: Uint8Array.from([0x01, ...randomBytes(16)]),
      key: pair.privateJwk,
      akm: pair.publicJwk,
    };
  });
  const imported = await fetch(`${url}/endorsements/v1/device-batches`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      devices: devices.map((d) => ({ ueid: toHex(d.ueid), akm: d.akm, deviceClass: 'meter-v1' })),
    }),
  });
  if (imported.status !== 201) throw new Error(`batch import: ${imported.status}`);
  await fetch(`${url}/endorsements/v1/classes/meter-v1`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ swversions: ['1.4.2'], requireOemboot: true, dbgstat: [1, 2, 3, 4] }),
  });

  // Evidence made beforehand, each with its own nonce, as many as the run can use.
  const cnf = generateJwkPair('P-256').publicJwk;
  const bodies = Array.from({ length: BODIES }, (_, i) => {
    const d = devices[i % DEVICES]!;
    const nonce = randomBytes(32);
    const cwt = encodeEatCwt(
      {
        nonce,
        ueid: d.ueid,
        cnf,
        iat: Math.floor(Date.now() / 1000),
        swversion: { version: '1.4.2' },
        oemboot: true,
        dbgstat: 3,
        intuse: INTUSE.provisioning,
        eatProfile: EAT_PROFILE,
      },
      { key: d.key, tag61: true },
    );
    return JSON.stringify({
      evidence: { type: 'application/eat+cwt', value: Buffer.from(cwt).toString('base64url') },
      nonce: nonce.toString('base64url'),
    });
  });

  const target = {
    url: `${url}/verification/v1/appraisals`,
    bodies,
    connections: CONCURRENCY,
    workDir: dataDir,
  };
  if (WARMUP_SECONDS > 0) await postBodies({ ...target, seconds: WARMUP_SECONDS }, LOAD);
  const cpuBefore = treeCpuSeconds(child.pid!);
  const load = await postBodies({ ...target, seconds: SECONDS }, LOAD);
  const cpuAfter = treeCpuSeconds(child.pid!);
  const next = load.requests;
  // One appraisal checked end to end after the run: the DCS answers affirming.
  const check = (await (
    await fetch(`${url}/verification/v1/appraisals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bodies[next % bodies.length]!,
    })
  ).json()) as { ear: string };
  const status = JSON.parse(Buffer.from(check.ear.split('.')[1]!, 'base64url').toString()).submods
    .ue['ear.status'] as string;
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  const floor = FLOOR ? await floorRate({ ...target, seconds: SECONDS }) : undefined;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'dcs',
      node: process.version,
      store: `sqlite (WAL, synchronous ${SYNCHRONOUS})`,
      server_workers: WORKERS,
      seconds: SECONDS,
      warmup_seconds: WARMUP_SECONDS,
      concurrency: CONCURRENCY,
      devices: DEVICES,
      load_generator: load.generator,
      appraisals: load.requests,
      non_2xx: load.non2xx,
      errors: load.errors,
      sample_status: status,
      appraisals_per_s: Math.round(load.requests / load.seconds),
      goal_appraisals_per_s: 5000,
      p50_ms: load.p50Ms,
      p99_ms: load.p99Ms,
      // all server processes and threads, per appraisal: steadier than the rate on a shared host
      server_cpu_us_per_appraisal:
        cpuBefore !== undefined && cpuAfter !== undefined
          ? Math.round(((cpuAfter - cpuBefore) * 1e6) / load.requests)
          : null,
      // the host's speed at the time of the run (bench/host-probe.ts)
      es256_verify_per_s_one_core: es256VerifyRate(1000),
      http_round_trips_per_s_one_core: await httpRoundTripRate(1000),
      // HTTP + one ES256 verify + one ES256 sign per request, same workers and load: the stack's
      // ceiling on this machine (bench/dcs-floor-server.ts); --no-floor skips it
      floor_per_s: floor ?? null,
    })}\n`,
  );
} finally {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
  }
  rmSync(dataDir, { recursive: true, force: true });
}
