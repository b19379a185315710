// Case references shown to families and staff: 'EHC-2026-00042'.
// The number is zero-padded to 5 digits so references sort and read evenly, and simply
// grows past 99999 (never truncated, which would make two cases share a reference).

export interface CaseReference {
  year: number;
  n: number;
}

const PREFIX = 'EHC';
const MIN_DIGITS = 5;
// 5+ digits; beyond 5 there is no leading zero, so each case has exactly one spelling.
const REFERENCE = /^EHC-(\d{4})-(\d{5}|[1-9]\d{5,})$/;

/** 'EHC-YYYY-NNNNN' for the n-th case (n >= 1) of a 4-digit year; throws RangeError otherwise. */
export function formatCaseReference(year: number, n: number): string {
  if (!isReferenceYear(year)) throw new RangeError(`Case reference year must be 1000–9999: ${year}`);
  if (!isReferenceNumber(n)) throw new RangeError(`Case reference number must be a whole number >= 1: ${n}`);
  return `${PREFIX}-${year}-${String(n).padStart(MIN_DIGITS, '0')}`;
}

/**
 * The year and number of a reference, or undefined when it is not one. Surrounding spaces
 * and lower case are forgiven (people type references into search boxes); anything else
 * must be the canonical form formatCaseReference produces.
 */
export function parseCaseReference(text: string): CaseReference | undefined {
  const m = REFERENCE.exec(text.trim().toUpperCase());
  if (!m) return undefined;
  const year = Number(m[1]);
  const n = Number(m[2]);
  return isReferenceYear(year) && isReferenceNumber(n) ? { year, n } : undefined;
}

function isReferenceYear(year: number): boolean {
  return Number.isInteger(year) && year >= 1000 && year <= 9999;
}

function isReferenceNumber(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 1;
}
