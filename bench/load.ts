// The load generators of the HTTP benchmarks. wrk (Debian package `wrk`, written in C) is used
// when it is installed: on a 2-core machine the load generator shares the cores with the server,
// and wrk needs a small fraction of what autocannon (Node.js) needs per request, so more of the
// machine measures the server. Without wrk, autocannon runs, and the result says which ran.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export interface LoadResult {
  generator: 'wrk' | 'autocannon';
  requests: number;
  seconds: number;
  non2xx: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

export interface Load {
  url: string;
  /** JSON request bodies, POSTed in turn */
  bodies: string[];
  connections: number;
  seconds: number;
  /** for the bodies file */
  workDir: string;
}

const WRK_SCRIPT = fileURLToPath(new URL('../../bench/wrk-bodies.lua', import.meta.url));

export function wrkInstalled(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

/** `generator` picks one; by default wrk when installed, else autocannon. */
export function postBodies(load: Load, generator?: LoadResult['generator']): Promise<LoadResult> {
  const use = generator ?? (wrkInstalled() ? 'wrk' : 'autocannon');
  return use === 'wrk' ? withWrk(load) : withAutocannon(load);
}

async function withWrk(load: Load): Promise<LoadResult> {
  const bodiesFile = join(load.workDir, 'bodies.jsonl');
  writeFileSync(bodiesFile, `${load.bodies.join('\n')}\n`);
  const child = spawn(
    'wrk',
    [
      '-t1',
      `-c${load.connections}`,
      `-d${load.seconds}s`,
      '--timeout',
      '10s',
      '-s',
      WRK_SCRIPT,
      load.url,
      '--',
      bodiesFile,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const line = out.split('\n').find((l) => l.startsWith('{"requests"'));
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}): ${out.slice(-500)}`);
  const r = JSON.parse(line) as {
    requests: number;
    duration_us: number;
    non_2xx: number;
    errors: number;
    p50_us: number;
    p99_us: number;
  };
  return {
    generator: 'wrk',
    requests: r.requests,
    seconds: r.duration_us / 1e6,
    non2xx: r.non_2xx,
    errors: r.errors,
    p50Ms: r.p50_us / 1000,
    p99Ms: r.p99_us / 1000,
  };
}

async function withAutocannon(load: Load): Promise<LoadResult> {
  let next = 0;
  const result = await autocannon({
    url: load.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    connections: load.connections,
    duration: load.seconds,
    timeout: 10,
    requests: [
      { setupRequest: (req) => ({ ...req, body: load.bodies[next++ % load.bodies.length]! }) },
    ],
  });
  return {
    generator: 'autocannon',
    requests: result.requests.total,
    seconds: load.seconds,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}
