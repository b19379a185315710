import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  addDays,
  addMonths,
  addWeeks,
  ageInYears,
  compareIsoDates,
  daysBetween,
  daysInMonth,
  isIsoDate,
  isLeapYear,
  maxIsoDate,
  minIsoDate,
  parseIsoDate,
  toIsoDate,
} from './dates.js';

describe('isIsoDate / parseIsoDate', () => {
  test('accepts real calendar dates', () => {
    for (const d of ['2026-01-01', '2028-02-29', '2000-02-29', '2026-12-31', '0001-01-01', '9999-12-31']) {
      assert.equal(isIsoDate(d), true, d);
    }
  });

  test('rejects impossible dates and other shapes', () => {
    for (const d of [
      '2027-02-29',
      '1900-02-29',
      '2026-04-31',
      '2026-13-01',
      '2026-00-10',
      '2026-01-00',
      '2026-1-5',
      '26-01-05',
      '2026-01-05T00:00:00Z',
      ' 2026-01-05',
      '',
      '2026/01/05',
    ]) {
      assert.equal(isIsoDate(d), false, d);
      assert.throws(() => parseIsoDate(d), RangeError, d);
    }
    assert.equal(isIsoDate(20260105), false);
    assert.equal(isIsoDate(undefined), false);
  });

  test('parses to midnight UTC', () => {
    assert.equal(parseIsoDate('2026-03-29').toISOString(), '2026-03-29T00:00:00.000Z');
    assert.equal(parseIsoDate('0050-06-01').getUTCFullYear(), 50);
  });

  test('toIsoDate uses the UTC calendar date and round-trips', () => {
    assert.equal(toIsoDate(new Date('2026-03-29T23:30:00Z')), '2026-03-29');
    assert.equal(toIsoDate(parseIsoDate('0050-06-01')), '0050-06-01');
    assert.throws(() => toIsoDate(new Date('nope')), RangeError);
  });
});

describe('leap years and month lengths', () => {
  test('isLeapYear', () => {
    assert.equal(isLeapYear(2028), true);
    assert.equal(isLeapYear(2026), false);
    assert.equal(isLeapYear(2000), true);
    assert.equal(isLeapYear(2100), false);
  });

  test('daysInMonth', () => {
    assert.equal(daysInMonth(2028, 2), 29);
    assert.equal(daysInMonth(2027, 2), 28);
    assert.equal(daysInMonth(2026, 4), 30);
    assert.equal(daysInMonth(2026, 12), 31);
    assert.throws(() => daysInMonth(2026, 13), RangeError);
  });
});

describe('addDays / addWeeks', () => {
  test('crosses month and year ends', () => {
    assert.equal(addDays('2026-01-31', 1), '2026-02-01');
    assert.equal(addDays('2026-12-31', 1), '2027-01-01');
    assert.equal(addDays('2026-01-01', -1), '2025-12-31');
    assert.equal(addDays('2026-05-05', 0), '2026-05-05');
  });

  test('crosses 29 February in a leap year only', () => {
    assert.equal(addDays('2028-02-28', 1), '2028-02-29');
    assert.equal(addDays('2027-02-28', 1), '2027-03-01');
  });

  test('is unaffected by the UK clock change (last Sunday of March / October)', () => {
    assert.equal(addDays('2026-03-28', 1), '2026-03-29');
    assert.equal(addDays('2026-03-29', 1), '2026-03-30');
    assert.equal(addDays('2026-10-24', 2), '2026-10-26');
  });

  test('weeks are 7 calendar days', () => {
    assert.equal(addWeeks('2026-01-05', 6), '2026-02-16');
    assert.equal(addWeeks('2028-01-20', 6), '2028-03-02'); // through 29 Feb 2028
    assert.equal(addWeeks('2027-01-20', 6), '2027-03-03');
    assert.equal(addWeeks('2026-01-05', 20), '2026-05-25');
  });

  test('refuses fractional amounts', () => {
    assert.throws(() => addDays('2026-01-01', 1.5), RangeError);
    assert.throws(() => addWeeks('2026-01-01', 0.5), RangeError);
    assert.throws(() => addMonths('2026-01-01', Number.NaN), RangeError);
  });

  test('refuses invalid dates', () => {
    assert.throws(() => addDays('2026-02-30', 1), RangeError);
  });
});

describe('addMonths', () => {
  test('same day of month when it exists', () => {
    assert.equal(addMonths('2026-01-15', 1), '2026-02-15');
    assert.equal(addMonths('2026-11-30', 2), '2027-01-30');
  });

  test('clamps to the last day of a shorter month', () => {
    assert.equal(addMonths('2026-01-31', 1), '2026-02-28');
    assert.equal(addMonths('2028-01-31', 1), '2028-02-29');
    assert.equal(addMonths('2026-03-31', 1), '2026-04-30');
    assert.equal(addMonths('2026-08-31', 1), '2026-09-30');
    assert.equal(addMonths('2027-12-31', 2), '2028-02-29');
    assert.equal(addMonths('2026-12-31', 2), '2027-02-28');
  });

  test('12 months from 29 February lands on 28 February', () => {
    assert.equal(addMonths('2028-02-29', 12), '2029-02-28');
    assert.equal(addMonths('2028-02-29', 48), '2032-02-29');
  });

  test('does not carry a clamp forward (each call starts from its own date)', () => {
    assert.equal(addMonths(addMonths('2026-01-31', 1), 1), '2026-03-28');
    assert.equal(addMonths('2026-01-31', 2), '2026-03-31');
  });

  test('negative months and year wrap', () => {
    assert.equal(addMonths('2026-03-31', -1), '2026-02-28');
    assert.equal(addMonths('2026-01-15', -1), '2025-12-15');
    assert.equal(addMonths('2026-01-15', -25), '2023-12-15');
    assert.equal(addMonths('2026-12-15', 1), '2027-01-15');
  });
});

describe('daysBetween / compare / min / max', () => {
  test('daysBetween counts calendar days, signed', () => {
    assert.equal(daysBetween('2026-01-05', '2026-02-16'), 42);
    assert.equal(daysBetween('2026-02-16', '2026-01-05'), -42);
    assert.equal(daysBetween('2026-01-05', '2026-01-05'), 0);
    assert.equal(daysBetween('2028-01-01', '2029-01-01'), 366);
    assert.equal(daysBetween('2026-03-01', '2026-11-01'), 245); // across both clock changes
  });

  test('compareIsoDates', () => {
    assert.equal(compareIsoDates('2026-01-05', '2026-01-06'), -1);
    assert.equal(compareIsoDates('2026-01-06', '2026-01-05'), 1);
    assert.equal(compareIsoDates('2026-01-05', '2026-01-05'), 0);
    assert.deepEqual(['2026-12-01', '2025-12-31', '2026-01-02'].sort(compareIsoDates), [
      '2025-12-31',
      '2026-01-02',
      '2026-12-01',
    ]);
    assert.throws(() => compareIsoDates('2026-1-5', '2026-01-05'), RangeError);
  });

  test('min / max', () => {
    assert.equal(maxIsoDate('2026-01-05', '2026-03-01'), '2026-03-01');
    assert.equal(minIsoDate('2026-01-05', '2026-03-01'), '2026-01-05');
  });
});

describe('ageInYears', () => {
  test('counts whole years, the birthday itself included', () => {
    assert.equal(ageInYears('2021-06-15', '2026-06-14'), 4);
    assert.equal(ageInYears('2021-06-15', '2026-06-15'), 5);
    assert.equal(ageInYears('2021-06-15', '2026-12-31'), 5);
    assert.equal(ageInYears('2021-06-15', '2021-06-15'), 0);
  });

  test('a 29 February birthday counts from 1 March in a common year', () => {
    assert.equal(ageInYears('2024-02-29', '2029-02-28'), 4);
    assert.equal(ageInYears('2024-02-29', '2029-03-01'), 5);
    assert.equal(ageInYears('2024-02-29', '2028-02-29'), 4);
  });

  test('validates both dates', () => {
    assert.throws(() => ageInYears('2021-02-30', '2026-01-01'), RangeError);
  });
});
