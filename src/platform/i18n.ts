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
  const fixed = { en: instance.getFixedT('en'), cy: instance.getFixedT('cy') };
  return { t: (lang) => fixed[lang] };
}
