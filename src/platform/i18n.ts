import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import i18next, { type Resource, type TFunction } from 'i18next';
import { localesDir } from './paths.js';

export const languages = ['en', 'cy'] as const;
export type Lang = (typeof languages)[number];

export function isLang(value: unknown): value is Lang {
  return value === 'en' || value === 'cy';
}

/** Reads every locales/<lang>/<namespace>.json file. */
export function loadResources(dir = localesDir): Record<Lang, Record<string, unknown>> & Resource {
  const out = {} as Record<Lang, Record<string, unknown>> & Resource;
  for (const lang of languages) {
    const folder = path.join(dir, lang);
    out[lang] = Object.fromEntries(
      readdirSync(folder)
        .filter((f) => f.endsWith('.json'))
        .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(path.join(folder, f), 'utf8'))]),
    );
  }
  return out;
}

export interface I18n {
  t(lang: Lang): TFunction;
}

export async function createI18n(): Promise<I18n> {
  const resources = loadResources();
  const instance = i18next.createInstance();
  await instance.init({
    resources,
    lng: 'en',
    fallbackLng: 'en',
    supportedLngs: [...languages],
    ns: Object.keys(resources.en),
    defaultNS: 'common',
    // Nunjucks escapes output; i18next must not escape a second time.
    interpolation: { escapeValue: false },
    returnNull: false,
    initAsync: false,
  });
  const fixed = { en: remembered(instance.getFixedT('en')), cy: remembered(instance.getFixedT('cy')) };
  return { t: (lang) => fixed[lang] };
}

/** How many distinct translated strings a language keeps before it starts afresh. */
const REMEMBERED_MAX = 20_000;

/**
 * i18next copies its whole options object on every call, and a page makes hundreds of calls, which made
 * translation the largest cost of a signed-in page. The resources never change while the process runs, so
 * a key with the same values always gives the same string: each result is kept, per language. Calls whose
 * options are not plain values (returnObjects, nested objects) go straight to i18next.
 */
export function remembered(t: TFunction): TFunction {
  const kept = new Map<string, string>();
  const call = t as unknown as (key: unknown, options?: unknown) => unknown;
  const cached = (key: unknown, options?: unknown): unknown => {
    if (typeof key !== 'string' || !plainValues(options)) return call(key, options);
    const id = options === undefined ? key : `${key}\u0000${JSON.stringify(options)}`;
    const hit = kept.get(id);
    if (hit !== undefined) return hit;
    const value = call(key, options);
    if (typeof value === 'string') {
      if (kept.size >= REMEMBERED_MAX) kept.clear();
      kept.set(id, value);
    }
    return value;
  };
  return Object.assign(cached, t) as unknown as TFunction;
}

function plainValues(options: unknown): boolean {
  if (options === undefined) return true;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return false;
  for (const [name, value] of Object.entries(options)) {
    if (name === 'returnObjects') return false;
    const kind = typeof value;
    if (value !== null && value !== undefined && kind !== 'string' && kind !== 'number' && kind !== 'boolean') return false;
  }
  return true;
}
