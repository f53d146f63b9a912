// `npn-onboard serve` as the benchmarks run it: from the build, listening on free ports, printing
// its ready line (read it with src/cli/ready-line.ts). BENCH_SERVER_NODE_ARGS passes node flags
// to the server, e.g. "--cpu-prof --cpu-prof-dir=DIR".
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/npn-onboard', import.meta.url));

export function spawnServe(
  args: string[],
  options: { dataDir: string; synchronous: 'FULL' | 'NORMAL' },
): ChildProcessByStdio<null, Readable, null> {
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  return spawn(
    process.execPath,
    [
      ...nodeArgs,
      BIN,
      'serve',
      ...args,
      '--data',
      options.dataDir,
      '--port-base',
      '0',
      '--json',
      '--sqlite-synchronous',
      options.synchronous,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
}
