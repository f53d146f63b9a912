// Audit record ids: UUIDv7 (RFC 9562), time-ordered, so that new records append to the end of
// the id index instead of landing on a random page of it (half the pages an audit commit
// writes). The random bits come from a pool: asking the OS for 10 bytes per record cost more
// than the rest of the id.
import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

const POOL_IDS = 256;
const pool = Buffer.alloc(16 * POOL_IDS);
let offset = pool.length;

export function auditRecordId(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const random = pool.subarray(offset, offset + 16);
  offset += 16;
  return v7({ random });
}
