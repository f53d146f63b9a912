// RFC 3339 date-times (section 5.6), as the bundle's notAfter and the UDM's copy of it carry
// them. Date.parse alone is not a check: V8 turns 2026-02-30 into 2 March and accepts 24:00:00,
// so a date that does not exist would become another one.

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** RFC 3339 Appendix C. */
function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/**
 * The instant of an RFC 3339 date-time, in milliseconds since the epoch (fractions past the
 * millisecond dropped), or undefined when the text is not one: another form, a date that does
 * not exist, an hour, minute or offset out of range. `T` and `Z` may be lower case (RFC 3339
 * 5.6, NOTE). A leap second (:60) is refused: a JavaScript date cannot hold it.
 */
export function parseRfc3339(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const hours = Number(m[10]);
    const minutes = Number(m[11]);
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  const millis = m[7] === undefined ? 0 : Number(`${m[7].slice(1)}00`.slice(0, 3));
  // Not Date.UTC: it reads years 0-99 as 1900-1999, and RFC 3339 years are literal.
  const instant = new Date(0);
  instant.setUTCFullYear(year, month - 1, day);
  instant.setUTCHours(hour, minute, second, millis);
  return instant.getTime() - offsetMinutes * 60_000;
}
