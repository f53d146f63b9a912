// CPU time of a process and all its descendants (every thread), from /proc. Throughput on a
// shared 2-core machine moves with the neighbours; CPU time per request moves much less, so
// the benchmarks print both.
import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function ownTicks(pid: number): number {
  // utime and stime are fields 14 and 15; the command name (field 2) may hold spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function children(pid: number): number[] {
  const out: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const list = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
    if (list) out.push(...list.split(' ').map(Number));
  }
  return out;
}

/** CPU seconds used so far by `pid` and its live descendants; undefined where /proc is absent. */
export function treeCpuSeconds(pid: number): number | undefined {
  try {
    let ticks = 0;
    const pending = [pid];
    while (pending.length > 0) {
      const p = pending.pop()!;
      ticks += ownTicks(p);
      pending.push(...children(p));
    }
    return ticks / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
