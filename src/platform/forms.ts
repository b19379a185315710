import type { FastifyRequest } from 'fastify';

/** Field name → message, in the order the fields appear on the page. */
export type FieldErrors = Record<string, string>;

export interface ErrorView {
  list: { text: string; href: string }[];
  /** For each field, the `errorMessage` a GOV.UK macro takes. */
  fields: Record<string, { text: string }>;
}

/** The GOV.UK error summary and inline messages for a form. `ids` maps a field to its input's id when they differ. */
export function errorView(errors: FieldErrors, ids: Record<string, string> = {}): ErrorView | undefined {
  const entries = Object.entries(errors);
  if (!entries.length) return undefined;
  return {
    list: entries.map(([field, text]) => ({ text, href: `#${ids[field] ?? field}` })),
    fields: Object.fromEntries(entries.map(([field, text]) => [field, { text }])),
  };
}

/** A form body as plain strings: missing fields are '', arrays (repeated fields) keep their first value. */
export function formFields<K extends string>(request: FastifyRequest, names: readonly K[]): Record<K, string> {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const out = {} as Record<K, string>;
  for (const name of names) {
    const v = body[name];
    const first = Array.isArray(v) ? v[0] : v;
    out[name] = typeof first === 'string' ? first : '';
  }
  return out;
}

export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isEmail(value: string): boolean {
  return value.length <= 254 && EMAIL_PATTERN.test(value);
}

/** Only paths on this site may be returned to after sign-in: never another host. */
export function safeReturnPath(value: unknown, fallback: string): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  return value.length > 500 ? fallback : value;
}
