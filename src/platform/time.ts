const london = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The calendar date in the UK at this instant (statutory periods run on UK calendar days). */
export function londonDate(now: Date): string {
  return london.format(now);
}

const formats = {
  en: new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }),
  cy: new Intl.DateTimeFormat('cy-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }),
};

/** "12 January 2027" / "12 Ionawr 2027" for a YYYY-MM-DD date, as GOV.UK writes dates. */
export function formatDate(isoDate: string, lang: 'en' | 'cy'): string {
  if (!/^\d{4}-\d{2}-\d{2}/.test(isoDate)) return isoDate;
  return formats[lang].format(new Date(`${isoDate.slice(0, 10)}T00:00:00Z`));
}
