import type { TFunction } from 'i18next';

/**
 * Long forms described as data: each field's type and rules here, its words in the locale files under
 * `<ns>:fields.<name>.label|hint|required` and `<ns>:options.<name>.<value>`. One template renders any
 * of them with GOV.UK components, and one validator checks them, so forty questions do not need forty
 * hand-written handlers.
 */
export type FieldType = 'text' | 'textarea' | 'radios' | 'checkboxes' | 'date' | 'tel' | 'email' | 'select';

export interface FieldDef {
  name: string;
  type: FieldType;
  required?: boolean;
  /** Required only when another field has one of these values. */
  requiredIf?: { field: string; values: string[] };
  options?: readonly string[];
  maxLength?: number;
  /** A rule beyond "present": returns a locale key (under `<ns>:fields.<name>.`) when the value is wrong. */
  check?: (value: string, all: FormValues) => string | undefined;
  /** Turns what people type into the stored form (e.g. upper-case postcodes). */
  normalise?: (value: string) => string;
  width?: 'full' | 'two-thirds' | 'one-half' | '10' | '20' | '5';
  autocomplete?: string;
}

export type FormValues = Record<string, string | string[]>;
export type FormErrors = Record<string, string>;

const DEFAULT_MAX = { text: 200, textarea: 10_000, tel: 30, email: 254, radios: 50, checkboxes: 50, date: 10, select: 50 } as const;

function asString(v: unknown): string {
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === 'string' ? first : '';
}
function asList(v: unknown): string[] {
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.filter((x): x is string => typeof x === 'string');
}

/** A date from the GOV.UK date input's three boxes, as YYYY-MM-DD, or undefined when it is not a real date. */
export function dateFromParts(day: string, month: string, year: string): string | undefined {
  if (!/^\d{1,2}$/.test(day.trim()) || !/^\d{1,2}$/.test(month.trim()) || !/^\d{4}$/.test(year.trim())) return undefined;
  const [d, m, y] = [Number(day), Number(month), Number(year)];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined;
  return date.toISOString().slice(0, 10);
}

/** Reads a posted form into values: text trimmed, checkbox groups as lists, dates as YYYY-MM-DD (or the raw parts). */
export function readForm(fields: readonly FieldDef[], body: Record<string, unknown>): FormValues {
  const values: FormValues = {};
  for (const f of fields) {
    if (f.type === 'checkboxes') values[f.name] = asList(body[f.name]).map((s) => s.trim());
    else if (f.type === 'date') {
      const [d, m, y] = ['day', 'month', 'year'].map((p) => asString(body[`${f.name}-${p}`]).trim()) as [string, string, string];
      values[f.name] = d || m || y ? (dateFromParts(d, m, y) ?? `${y}-${m}-${d}|invalid`) : '';
    } else {
      const raw = f.type === 'textarea' ? asString(body[f.name]).replace(/\r\n/g, '\n').trim() : asString(body[f.name]).trim();
      values[f.name] = f.normalise && raw ? f.normalise(raw) : raw;
    }
  }
  return values;
}

function isRequired(f: FieldDef, values: FormValues): boolean {
  if (f.required) return true;
  if (!f.requiredIf) return false;
  const other = values[f.requiredIf.field];
  const list = Array.isArray(other) ? other : [other ?? ''];
  return list.some((v) => f.requiredIf?.values.includes(v));
}

/**
 * Checks values against the rules. `complete: false` (saving to come back later) only refuses what could
 * never be stored: over-long text and unknown options. Returns locale keys, not words.
 */
export function validateForm(fields: readonly FieldDef[], values: FormValues, complete = true): FormErrors {
  const errors: FormErrors = {};
  for (const f of fields) {
    const v = values[f.name];
    const empty = Array.isArray(v) ? v.length === 0 : !v;
    const max = f.maxLength ?? DEFAULT_MAX[f.type];
    if (Array.isArray(v)) {
      if (v.some((x) => !f.options?.includes(x))) errors[f.name] = 'invalidOption';
    } else if (v && f.options && !f.options.includes(v)) {
      errors[f.name] = 'invalidOption';
    } else if (v && f.type === 'date' && v.endsWith('|invalid')) {
      // Before the length check: the raw parts kept for re-display ("2020-2-31|invalid") are longer than a date.
      errors[f.name] = 'invalidDate';
    } else if (v && v.length > max) {
      errors[f.name] = 'tooLong';
    }
    if (errors[f.name] || !complete) continue;
    if (empty && isRequired(f, values)) errors[f.name] = 'required';
    else if (!empty && f.check) {
      const problem = f.check(Array.isArray(v) ? v.join(',') : (v as string), values);
      if (problem) errors[f.name] = problem;
    }
  }
  return errors;
}

/** Words for the errors, for the GOV.UK error summary (links go to the field, or a date's day box). */
export function errorMessages(ns: string, fields: readonly FieldDef[], errors: FormErrors, t: TFunction) {
  const list: { text: string; href: string }[] = [];
  const byField: Record<string, { text: string }> = {};
  for (const f of fields) {
    const key = errors[f.name];
    if (!key) continue;
    const label = t(`${ns}:fields.${f.name}.label`);
    const specific = `${ns}:fields.${f.name}.${key}`;
    const text = t(specific, { defaultValue: '' }) || t(`${ns}:errors.${key}`, { label, max: f.maxLength ?? DEFAULT_MAX[f.type] });
    byField[f.name] = { text };
    const first = f.type === 'date' ? `${f.name}-day` : f.type === 'radios' || f.type === 'checkboxes' ? f.name : f.name;
    list.push({ text, href: `#${first}` });
  }
  return { list, fields: byField };
}

/** A view model for the generic field template: labels, hints, options and current values, in order. */
export function fieldViews(ns: string, fields: readonly FieldDef[], values: FormValues, t: TFunction) {
  return fields.map((f) => {
    const v = values[f.name];
    const hint = t(`${ns}:fields.${f.name}.hint`, { defaultValue: '' });
    let date: { day: string; month: string; year: string } | undefined;
    if (f.type === 'date' && typeof v === 'string' && v) {
      const [y, m, d] = v.replace('|invalid', '').split('-');
      date = { day: d ?? '', month: m ?? '', year: y ?? '' };
    }
    return {
      name: f.name,
      type: f.type,
      label: t(`${ns}:fields.${f.name}.label`),
      hint: hint || undefined,
      value: Array.isArray(v) ? undefined : v,
      values: Array.isArray(v) ? v : [],
      date,
      width: f.width,
      autocomplete: f.autocomplete,
      options: (f.options ?? []).map((o) => ({ value: o, text: t(`${ns}:options.${f.name}.${o}`) })),
      optional: !f.required && !f.requiredIf,
      /**
       * Shown inside the answer that makes it needed (GOV.UK conditional reveal; always shown without JavaScript).
       * Only when one answer makes it needed: revealed under several, the field would be on the page several
       * times (the same id and name), and the first, empty copy would be the one posted.
       */
      revealedBy: f.requiredIf?.values.length === 1 && fields.find((o) => o.name === f.requiredIf?.field)?.type === 'radios' ? f.requiredIf : undefined,
    };
  });
}

/** The answers as rows for a GOV.UK summary list (check your answers). */
export function answerRows(ns: string, fields: readonly FieldDef[], values: FormValues, t: TFunction, formatDate: (iso: string) => string) {
  return fields.map((f) => {
    const v = values[f.name];
    let text: string;
    if (Array.isArray(v)) text = v.map((o) => t(`${ns}:options.${f.name}.${o}`)).join(', ');
    else if (v && f.options) text = t(`${ns}:options.${f.name}.${v}`);
    else if (v && f.type === 'date') text = formatDate(v);
    else text = v ?? '';
    return { key: t(`${ns}:fields.${f.name}.label`), value: text || t('common:notProvided'), name: f.name };
  });
}

/** On check-your-answers, follow-up questions that were not asked (their condition not met) are left out. */
export function askedFields(fields: readonly FieldDef[], values: FormValues): FieldDef[] {
  // An answer left in a follow-up whose condition no longer holds (a hidden reveal still posts its text) is not shown either.
  return fields.filter((f) => {
    if (!f.requiredIf) return true;
    const other = values[f.requiredIf.field];
    return (Array.isArray(other) ? other : [other ?? '']).some((v) => f.requiredIf?.values.includes(v));
  });
}
