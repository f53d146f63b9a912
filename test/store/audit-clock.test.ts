import { expect, test } from 'vitest';
import { auditTimestamp } from '../../src/store/audit-clock.js';

test('audit times are RFC 3339 with microseconds and strictly increase, also within a millisecond', () => {
  const times = Array.from({ length: 10_000 }, () => auditTimestamp());
  for (const t of times) {
    expect(t).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  }
  for (let i = 1; i < times.length; i++) expect(times[i]! > times[i - 1]!).toBe(true);
  // Close to the wall clock.
  expect(Math.abs(Date.parse(times.at(-1)!) - Date.now())).toBeLessThan(1000);
});
