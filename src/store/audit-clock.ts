// Audit records are listed newest first by their time, and two records of one UEID can fall in
// the same millisecond. This clock gives RFC 3339 times with microseconds that strictly increase
// within the process (a repeat or a step back is nudged 1 µs past the last one), so the order of
// the records one process writes is the order they happened in.

// Plain numbers, not BigInt: microseconds since the epoch stay below 2^53 until the year 2255,
// and this runs once per appraisal.
let last = 0;

/** Microseconds since the epoch, strictly increasing within this process. */
function nowMicros(): number {
  const wall = Date.now() * 1000 + (Math.floor(performance.now() * 1000) % 1000);
  last = wall > last ? wall : last + 1;
  return last;
}

/** e.g. 2026-11-28T19:48:05.123456Z */
export function auditTimestamp(): string {
  const micros = nowMicros();
  const iso = new Date(Math.floor(micros / 1000)).toISOString(); // ...SS.mmmZ
  return `${iso.slice(0, -1)}${String(micros % 1000).padStart(3, '0')}Z`;
}
