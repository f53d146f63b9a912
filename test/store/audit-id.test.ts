// Audit record ids are UUIDv7 (RFC 9562 section 5.7): version 7, variant 10, and the first 48
// bits are the Unix time in milliseconds, so ids of later milliseconds sort after earlier ones.
import { describe, expect, test } from 'vitest';
import { auditRecordId } from '../../src/store/audit-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('auditRecordId', () => {
  test('is a UUIDv7 carrying the time of its making', () => {
    const before = Date.now();
    const id = auditRecordId();
    const after = Date.now();
    expect(id).toMatch(UUID_V7);
    const millis = parseInt(id.replaceAll('-', '').slice(0, 12), 16);
    expect(millis).toBeGreaterThanOrEqual(before);
    expect(millis).toBeLessThanOrEqual(after);
  });

  test('ids are unique, and those of a later millisecond sort after', async () => {
    const first = Array.from({ length: 3000 }, auditRecordId);
    await new Promise((r) => setTimeout(r, 5));
    const second = Array.from({ length: 3000 }, auditRecordId);
    expect(new Set([...first, ...second]).size).toBe(6000);
    const lastOfFirst = [...first].sort().at(-1)!;
    expect(second.every((id) => id > lastOfFirst)).toBe(true);
  });
});
