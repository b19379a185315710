// The sections of an EHC plan (SEND Regulations 2014 reg 12; Code of Practice 9.62).
export const PLAN_SECTIONS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H1', 'H2', 'I', 'J', 'K'] as const;
export type PlanSection = (typeof PLAN_SECTIONS)[number];

export type PlanKind = 'draft' | 'final' | 'amendment' | 'amended';

/** A draft names no school or setting: Section I stays empty until the final plan (reg 13). */
export function sectionsForIssue(kind: PlanKind, sections: Partial<Record<PlanSection, string>>): Partial<Record<PlanSection, string>> {
  return kind === 'draft' ? { ...sections, I: '' } : { ...sections };
}

/** What must be written before a version can be issued: every section but J (a personal budget is optional), and I only for a final plan. */
export function missingSections(kind: PlanKind, sections: Partial<Record<PlanSection, string>>): PlanSection[] {
  return PLAN_SECTIONS.filter((s) => {
    if (s === 'J') return false;
    if (s === 'I') return (kind === 'final' || kind === 'amended') && !sections.I?.trim();
    if (s === 'H1' || s === 'H2' || s === 'C' || s === 'D' || s === 'G') return false; // may truly be "none"
    return !sections[s]?.trim();
  });
}

/** Families have at least 15 days to comment on a draft or on proposed amendments (regs 13(1), 22(2)). */
export const RESPONSE_DAYS = 15;
