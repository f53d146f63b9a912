// Audit records are listed newest first by their time, and two records of one UEID can fall in
// the same millisecond. This clock gives RFC 3339 times with microseconds that strictly increase
// within the process (a repeat or a step back is nudged 1 µs past the last one), so the order of
// the records one process writes is the order they happened in.

let last = 0n;

/** Microseconds since the epoch, strictly increasing within this process. */
function nowMicros(): bigint {
  const wall = BigInt(Date.now()) * 1000n + ((process.hrtime.bigint() / 1000n) % 1000n);
  last = wall > last ? wall : last + 1n;
  return last;
}

/** e.g. 2026-11-28T19:48:05.123456Z */
export function auditTimestamp(): string {
  const micros = nowMicros();
  const iso = new Date(Number(micros / 1000n)).toISOString(); // ...SS.mmmZ
  return `${iso.slice(0, -1)}${(micros % 1000n).toString().padStart(3, '0')}Z`;
}
