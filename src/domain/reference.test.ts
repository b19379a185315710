import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatCaseReference, parseCaseReference } from './reference.js';

describe('formatCaseReference', () => {
  test('pads the number to 5 digits', () => {
    assert.equal(formatCaseReference(2026, 42), 'EHC-2026-00042');
    assert.equal(formatCaseReference(2026, 1), 'EHC-2026-00001');
    assert.equal(formatCaseReference(2026, 99999), 'EHC-2026-99999');
  });

  test('grows beyond 99999 without truncation', () => {
    assert.equal(formatCaseReference(2026, 100000), 'EHC-2026-100000');
    assert.equal(formatCaseReference(2026, 1234567), 'EHC-2026-1234567');
  });

  test('refuses numbers that are not whole and positive', () => {
    for (const n of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      assert.throws(() => formatCaseReference(2026, n), RangeError, String(n));
    }
  });

  test('refuses years that are not 4 digits', () => {
    for (const y of [999, 10000, 2026.5, Number.NaN]) {
      assert.throws(() => formatCaseReference(y, 1), RangeError, String(y));
    }
  });
});

describe('parseCaseReference', () => {
  test('reads the year and number', () => {
    assert.deepEqual(parseCaseReference('EHC-2026-00042'), { year: 2026, n: 42 });
    assert.deepEqual(parseCaseReference('EHC-2026-100000'), { year: 2026, n: 100000 });
  });

  test('forgives surrounding spaces and lower case', () => {
    assert.deepEqual(parseCaseReference('  ehc-2026-00042 '), { year: 2026, n: 42 });
  });

  test('round-trips with formatCaseReference', () => {
    for (const [y, n] of [
      [2026, 1],
      [2026, 42],
      [2030, 99999],
      [2031, 100000],
      [2032, 9876543],
    ] as const) {
      assert.deepEqual(parseCaseReference(formatCaseReference(y, n)), { year: y, n });
    }
  });

  test('rejects anything that is not a canonical reference', () => {
    for (const s of [
      '',
      'EHC-2026-42',
      'EHC-2026-0042',
      'EHC-2026-000042', // a longer number never starts with 0
      'EHC-2026-00000',
      'EHC-26-00042',
      'EHC-0999-00042',
      'EHC2026-00042',
      'ABC-2026-00042',
      'EHC-2026-00042x',
      'EHC-2026--0042',
      'EHC-2026-00 42',
    ]) {
      assert.equal(parseCaseReference(s), undefined, s);
    }
  });
});
