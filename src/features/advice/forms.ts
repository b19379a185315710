import type { FieldDef } from '../../platform/form-engine.js';

/** Whose advice reg 6(1) asks for, plus anyone else the caseworker thinks fit. */
export const ADVICE_ROLES = ['family', 'education', 'educationalPsychologist', 'health', 'socialCare', 'preparationForAdulthood', 'other'] as const;
export type AdviceRole = (typeof ADVICE_ROLES)[number];

const EMAIL = (v: string) => (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? undefined : 'invalid');

/** A caseworker asking someone for advice. */
export const REQUEST_FIELDS: FieldDef[] = [
  { name: 'role', type: 'radios', required: true, options: ADVICE_ROLES },
  { name: 'name', type: 'text', required: true, maxLength: 200, width: 'two-thirds' },
  { name: 'organisation', type: 'text', required: true, maxLength: 200 },
  { name: 'email', type: 'email', required: true, check: EMAIL },
  { name: 'asked', type: 'textarea', required: true, maxLength: 5000 },
];

/** A professional's advice: what an EHC plan's sections B to H draw on. */
export const PROFESSIONAL_FIELDS: FieldDef[] = [
  { name: 'needs', type: 'textarea', required: true },
  { name: 'outcomes', type: 'textarea', required: true },
  { name: 'provision', type: 'textarea', required: true },
  { name: 'healthCare', type: 'textarea' },
  { name: 'other', type: 'textarea' },
];

/** The family's own advice: what becomes Section A of a plan. */
export const FAMILY_FIELDS: FieldDef[] = [
  { name: 'aboutMyChild', type: 'textarea', required: true },
  { name: 'working', type: 'textarea', required: true },
  { name: 'notWorking', type: 'textarea', required: true },
  { name: 'views', type: 'textarea', required: true },
  { name: 'aspirations', type: 'textarea', required: true },
];

/** Accepting an invitation without an account: the email address is the one the link was sent to. */
export const PROFESSIONAL_ACCOUNT_FIELDS: FieldDef[] = [
  { name: 'firstName', type: 'text', required: true, maxLength: 100, width: 'two-thirds', autocomplete: 'given-name' },
  { name: 'lastName', type: 'text', required: true, maxLength: 100, width: 'two-thirds', autocomplete: 'family-name' },
];
