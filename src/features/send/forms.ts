import type { FieldDef } from '../../platform/form-engine.js';

const YES_NO = ['yes', 'no'] as const;

/** UK postcode, loosely: councils get addresses from everywhere, but a typo like "TS18" alone is caught. */
const POSTCODE = /^[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$/;
/** Unique Pupil Number: a check letter and 12 characters (DfE format). */
const UPN = /^[A-Z]\d{11}[0-9A-Z]$/;

/** NHS numbers carry a modulus 11 check digit. */
export function isNhsNumber(value: string): boolean {
  const digits = value.replace(/\s/g, '');
  if (!/^\d{10}$/.test(digits)) return false;
  const sum = [...digits.slice(0, 9)].reduce((acc, d, i) => acc + Number(d) * (10 - i), 0);
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === Number(digits[9]);
}

export const YEAR_GROUPS = ['nursery', 'reception', ...Array.from({ length: 14 }, (_, i) => `year${i + 1}`), 'notInEducation'] as const;

export const RELATIONSHIPS = ['mother', 'father', 'parent', 'stepParent', 'grandparent', 'fosterCarer', 'guardian', 'other'] as const;

/** Adding a child (or a young person adding themselves: no relationship questions). */
export function childFields(self: boolean): FieldDef[] {
  const fields: FieldDef[] = [
    { name: 'firstName', type: 'text', required: true, maxLength: 100, width: 'two-thirds', autocomplete: self ? 'given-name' : 'off' },
    { name: 'lastName', type: 'text', required: true, maxLength: 100, width: 'two-thirds', autocomplete: self ? 'family-name' : 'off' },
    { name: 'preferredName', type: 'text', maxLength: 100, width: 'two-thirds' },
    { name: 'dateOfBirth', type: 'date', required: true },
    { name: 'gender', type: 'radios', required: true, options: ['female', 'male', 'other', 'notSay'] },
    { name: 'address1', type: 'text', required: true, maxLength: 200, autocomplete: 'address-line1' },
    { name: 'address2', type: 'text', maxLength: 200, autocomplete: 'address-line2' },
    { name: 'town', type: 'text', required: true, maxLength: 100, width: 'two-thirds', autocomplete: 'address-level2' },
    {
      name: 'postcode',
      type: 'text',
      required: true,
      width: '10',
      autocomplete: 'postal-code',
      normalise: (v) => v.toUpperCase().replace(/\s+/g, ' '),
      check: (v) => (POSTCODE.test(v) ? undefined : 'invalid'),
    },
    { name: 'school', type: 'text', maxLength: 200 },
    { name: 'yearGroup', type: 'select', options: YEAR_GROUPS },
    { name: 'homeLanguage', type: 'text', required: true, maxLength: 100, width: 'one-half' },
    { name: 'interpreterNeeded', type: 'radios', required: true, options: YES_NO },
    { name: 'interpreterLanguage', type: 'text', requiredIf: { field: 'interpreterNeeded', values: ['yes'] }, maxLength: 100, width: 'one-half' },
    { name: 'upn', type: 'text', width: '20', normalise: (v) => v.toUpperCase().replace(/\s/g, ''), check: (v) => (UPN.test(v) ? undefined : 'invalid') },
    { name: 'nhsNumber', type: 'text', width: '10', normalise: (v) => v.replace(/[\s-]/g, ''), check: (v) => (isNhsNumber(v) ? undefined : 'invalid') },
  ];
  if (!self) {
    fields.push(
      { name: 'relationship', type: 'radios', required: true, options: RELATIONSHIPS },
      { name: 'relationshipOther', type: 'text', requiredIf: { field: 'relationship', values: ['other'] }, maxLength: 100, width: 'one-half' },
      { name: 'parentalResponsibility', type: 'radios', required: true, options: YES_NO },
    );
  }
  return fields;
}

export const SHARE_FIELDS: FieldDef[] = [
  { name: 'firstName', type: 'text', required: true, maxLength: 100, width: 'two-thirds' },
  { name: 'email', type: 'email', required: true, check: (v) => (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? undefined : 'invalid') },
];

export const ACCEPT_FIELDS: FieldDef[] = [
  { name: 'relationship', type: 'radios', required: true, options: RELATIONSHIPS },
  { name: 'relationshipOther', type: 'text', requiredIf: { field: 'relationship', values: ['other'] }, maxLength: 100, width: 'one-half' },
  { name: 'parentalResponsibility', type: 'radios', required: true, options: YES_NO },
];

export interface SectionDef {
  key: string;
  fields: FieldDef[];
  /** At least one of these fields must be answered. */
  atLeastOne?: string[];
}

/** The request for an EHC needs assessment, in the order of the task list. */
export const SECTIONS: SectionDef[] = [
  {
    key: 'child',
    fields: [
      { name: 'detailsCorrect', type: 'radios', required: true, options: YES_NO },
      { name: 'detailsChanges', type: 'textarea', requiredIf: { field: 'detailsCorrect', values: ['no'] }, maxLength: 2000 },
      { name: 'diagnoses', type: 'textarea', maxLength: 5000 },
      { name: 'communication', type: 'textarea', maxLength: 5000 },
      { name: 'lookedAfter', type: 'radios', required: true, options: YES_NO },
    ],
  },
  {
    key: 'you',
    fields: [
      { name: 'phone', type: 'tel', required: true, autocomplete: 'tel', width: '20', check: (v) => (/^[+\d][\d\s()-]{6,}$/.test(v) ? undefined : 'invalid') },
      { name: 'contactMethod', type: 'radios', required: true, options: ['email', 'phone', 'letter'] },
      { name: 'otherParents', type: 'textarea', maxLength: 2000 },
      { name: 'meetingInterpreter', type: 'radios', required: true, options: YES_NO },
      { name: 'meetingInterpreterLanguage', type: 'text', requiredIf: { field: 'meetingInterpreter', values: ['yes'] }, maxLength: 100, width: 'one-half' },
    ],
  },
  {
    key: 'education',
    fields: [
      { name: 'settingType', type: 'radios', required: true, options: ['earlyYears', 'mainstream', 'special', 'college', 'homeEducated', 'none'] },
      { name: 'settingName', type: 'text', requiredIf: { field: 'settingType', values: ['earlyYears', 'mainstream', 'special', 'college'] }, maxLength: 200 },
      { name: 'sencoName', type: 'text', maxLength: 200 },
      { name: 'supportSoFar', type: 'textarea', required: true },
      { name: 'exclusions', type: 'radios', required: true, options: YES_NO },
      { name: 'exclusionDetails', type: 'textarea', requiredIf: { field: 'exclusions', values: ['yes'] }, maxLength: 5000 },
    ],
  },
  {
    key: 'needs',
    fields: [
      { name: 'communicationInteraction', type: 'textarea' },
      { name: 'cognitionLearning', type: 'textarea' },
      { name: 'socialEmotionalMentalHealth', type: 'textarea' },
      { name: 'sensoryPhysical', type: 'textarea' },
    ],
    atLeastOne: ['communicationInteraction', 'cognitionLearning', 'socialEmotionalMentalHealth', 'sensoryPhysical'],
  },
  {
    key: 'health',
    fields: [
      { name: 'healthNeeds', type: 'textarea', maxLength: 5000 },
      { name: 'healthProfessionals', type: 'textarea', maxLength: 5000 },
      { name: 'socialCare', type: 'radios', required: true, options: ['yes', 'no', 'notSure'] },
      { name: 'socialCareDetails', type: 'textarea', requiredIf: { field: 'socialCare', values: ['yes'] }, maxLength: 5000 },
    ],
  },
  {
    key: 'professionals',
    fields: [
      { name: 'anyProfessionals', type: 'radios', required: true, options: YES_NO },
      { name: 'professionalsList', type: 'textarea', requiredIf: { field: 'anyProfessionals', values: ['yes'] }, maxLength: 5000 },
    ],
  },
  {
    key: 'views',
    fields: [
      { name: 'parentViews', type: 'textarea', required: true },
      { name: 'strengths', type: 'textarea', required: true },
      { name: 'childViews', type: 'textarea', required: true },
      { name: 'aspirations', type: 'textarea', required: true },
    ],
  },
  {
    key: 'documents',
    fields: [{ name: 'documentsDone', type: 'checkboxes', required: true, options: ['done'] }],
  },
  {
    key: 'consent',
    fields: [
      { name: 'shareWith', type: 'checkboxes', required: true, options: ['school', 'health', 'socialCare', 'educationalPsychology', 'otherCouncilServices'] },
      { name: 'doNotShare', type: 'textarea', maxLength: 2000 },
    ],
  },
  {
    key: 'declaration',
    fields: [
      { name: 'declaration', type: 'checkboxes', required: true, options: ['agree'] },
      { name: 'signature', type: 'text', required: true, maxLength: 200, width: 'two-thirds' },
    ],
  },
];

export function sectionDef(key: string): SectionDef | undefined {
  return SECTIONS.find((s) => s.key === key);
}
