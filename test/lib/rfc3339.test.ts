// RFC 3339 date-times: the examples of RFC 3339 section 5.8, with their instants computed here
// from their fields with Date.UTC; and the texts that are not date-times, including dates that
// Date.parse would quietly move to another day.
import { describe, expect, test } from 'vitest';
import { parseRfc3339 } from '../../src/lib/rfc3339.js';

describe('parseRfc3339', () => {
  test.each<[string, number]>([
    // RFC 3339 5.8: 20 minutes and 50.52 seconds after the 23rd hour of April 12th, 1985, in UTC
    ['1985-04-12T23:20:50.52Z', Date.UTC(1985, 3, 12, 23, 20, 50, 520)],
    // RFC 3339 5.8: 39 minutes and 57 seconds after the 16th hour of December 19th, 1996, at an
    // offset of -08:00 from UTC, the same instant as 1996-12-20T00:39:57Z
    ['1996-12-19T16:39:57-08:00', Date.UTC(1996, 11, 20, 0, 39, 57)],
    // RFC 3339 5.8: Netherlands time 1937, +00:20
    ['1937-01-01T12:00:27.87+00:20', Date.UTC(1937, 0, 1, 11, 40, 27, 870)],
    // lower-case T and Z (RFC 3339 5.6, NOTE); fractions beyond the millisecond are dropped
    ['2027-01-01t02:00:00.123456+02:00', Date.UTC(2027, 0, 1, 0, 0, 0, 123)],
    ['2026-12-28t00:00:00z', Date.UTC(2026, 11, 28)],
    // a leap year's 29 February, and a year below 100, which Date.UTC would read as 19xx
    ['2028-02-29T12:00:00Z', Date.UTC(2028, 1, 29, 12)],
    ['0099-06-01T00:00:00Z', new Date(Date.UTC(2000, 5, 1)).setUTCFullYear(99)],
    // 2000 and year 0 are leap years (divisible by 400), 1900 is not
    ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
    ['0000-02-29T00:00:00Z', new Date(Date.UTC(2000, 1, 29)).setUTCFullYear(0)],
  ])('%s', (text, instant) => {
    expect(parseRfc3339(text)).toBe(instant);
  });

  test.each([
    '2026-02-30T00:00:00Z', // Date.parse: 2 March
    '2027-02-29T00:00:00Z', // not a leap year
    '1900-02-29T00:00:00Z', // divisible by 100, not by 400
    '2026-04-31T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-00-10T00:00:00Z',
    '2026-01-00T00:00:00Z',
    '2026-01-01T24:00:00Z', // Date.parse: the next day
    '2026-01-01T23:60:00Z',
    '1990-12-31T23:59:60Z', // a leap second: RFC 3339 allows it, a JavaScript date cannot hold it
    '2026-01-01T00:00:00+24:00',
    '2026-01-01T00:00:00+01:60',
    '2026-12-28', // a date only
    '2026-12-28T00:00:00', // no offset
    '2026-12-28 00:00:00Z', // a space in place of T: RFC 3339 5.6 leaves it to agreement
    '2026-12-28T00:00Z',
    '2026-12-28T00:00:00.Z',
    ' 2026-12-28T00:00:00Z',
    '+002026-12-28T00:00:00Z',
    '',
  ])('%j is not an RFC 3339 date-time', (text) => {
    expect(parseRfc3339(text)).toBeUndefined();
  });

  test('anything but a string is not one either', () => {
    for (const value of [undefined, null, 0, Date.now(), new Date(), ['2026-12-28T00:00:00Z']]) {
      expect(parseRfc3339(value)).toBeUndefined();
    }
  });
});
