// Calendar-date helpers for the statutory clock.
// Dates are ISO strings 'YYYY-MM-DD' and all arithmetic is done in UTC, so a date never
// shifts with the server's time zone or a daylight-saving change.

/** A calendar date, 'YYYY-MM-DD'. */
export type IsoDate = string;

const MS_PER_DAY = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when `year` is a leap year in the Gregorian calendar. */
export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** Days in `month` (1–12) of `year`. */
export function daysInMonth(year: number, month: number): number {
  if (!Number.isInteger(month) || month < 1 || month > 12) throw new RangeError(`Not a month: ${month}`);
  return month === 2 && isLeapYear(year) ? 29 : MONTH_DAYS[month - 1]!;
}

/** True for a real calendar date written exactly as 'YYYY-MM-DD' (rejects 2027-02-29, 2026-1-5, ...). */
export function isIsoDate(value: unknown): value is IsoDate {
  if (typeof value !== 'string') return false;
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** A valid ISO date as a Date at 00:00 UTC; throws RangeError otherwise. */
export function parseIsoDate(value: string): Date {
  if (!isIsoDate(value)) throw new RangeError(`Not a calendar date (YYYY-MM-DD): ${JSON.stringify(value)}`);
  const [year, month, day] = value.split('-').map(Number) as [number, number, number];
  return fromUtcParts(year, month, day);
}

/** The UTC calendar date of a Date, as 'YYYY-MM-DD'. */
export function toIsoDate(date: Date): IsoDate {
  if (Number.isNaN(date.getTime())) throw new RangeError('Invalid Date');
  const y = date.getUTCFullYear();
  if (y < 0 || y > 9999) throw new RangeError(`Year out of range: ${y}`);
  return `${pad(y, 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}`;
}

/** `date` plus `days` calendar days (negative goes back). */
export function addDays(date: IsoDate, days: number): IsoDate {
  assertWhole(days, 'days');
  return toIsoDate(new Date(parseIsoDate(date).getTime() + days * MS_PER_DAY));
}

/** `date` plus `weeks` calendar weeks: statutory weeks are 7 calendar days, not working weeks. */
export function addWeeks(date: IsoDate, weeks: number): IsoDate {
  assertWhole(weeks, 'weeks');
  return addDays(date, weeks * 7);
}

/**
 * `date` plus `months` calendar months, clamped to the end of a shorter month
 * (31 Jan + 1 month = 28 Feb, or 29 Feb in a leap year), so a deadline never spills
 * into the month after.
 */
export function addMonths(date: IsoDate, months: number): IsoDate {
  assertWhole(months, 'months');
  const d = parseIsoDate(date);
  const index = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  const day = Math.min(d.getUTCDate(), daysInMonth(year, month));
  return toIsoDate(fromUtcParts(year, month, day));
}

/** Calendar days from `from` to `to`: positive when `to` is later (received → day 42 = 42). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((parseIsoDate(to).getTime() - parseIsoDate(from).getTime()) / MS_PER_DAY);
}

/** -1, 0 or 1, for sorting. Valid ISO dates order correctly as strings, but both are checked. */
export function compareIsoDates(a: IsoDate, b: IsoDate): -1 | 0 | 1 {
  parseIsoDate(a);
  parseIsoDate(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The later of two dates. */
export function maxIsoDate(a: IsoDate, b: IsoDate): IsoDate {
  return compareIsoDates(a, b) >= 0 ? a : b;
}

/** The earlier of two dates. */
export function minIsoDate(a: IsoDate, b: IsoDate): IsoDate {
  return compareIsoDates(a, b) <= 0 ? a : b;
}

/**
 * Whole years of age on `on` for someone born on `dateOfBirth`. A 29 February birthday
 * counts from 1 March in a common year (the usual reading in England).
 */
export function ageInYears(dateOfBirth: IsoDate, on: IsoDate): number {
  compareIsoDates(dateOfBirth, on); // validates both
  const [by, bm, bd] = dateOfBirth.split('-').map(Number) as [number, number, number];
  const [oy, om, od] = on.split('-').map(Number) as [number, number, number];
  const hadBirthday = om > bm || (om === bm && od >= bd);
  return oy - by - (hadBirthday ? 0 : 1);
}

function fromUtcParts(year: number, month: number, day: number): Date {
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function assertWhole(n: number, name: string): void {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${name} must be a whole number: ${n}`);
}
