import type { FastifyRequest } from 'fastify';
import { addMonths } from '../../domain/dates.js';
import { type Milestone, PERIODS } from '../../domain/timeline.js';
import { answerRows, askedFields } from '../../platform/form-engine.js';
import { formatDate } from '../../platform/time.js';
import { SECTIONS } from '../send/forms.js';
import type { SendService } from '../send/service.js';
import type { CaseRow } from './repo.js';
import type { CaseService } from './service.js';

const DECISIONS = ['decision_to_assess', 'decision_not_to_assess', 'decision_not_to_issue', 'draft_plan_issued', 'final_plan_issued', 'ceased', 'withdrawn'];
const APPEALABLE = ['decision_not_to_assess', 'decision_not_to_issue', 'final_plan_issued', 'ceased'];

/**
 * What a case page shows, for the back office and for the family. The family's version leaves out
 * internal matters (notes are added by the staff page; the request's answers are the family's own).
 */
export async function caseViewModel(request: FastifyRequest, row: CaseRow, cases: CaseService, send: SendService, audience: 'staff' | 'family') {
  const t = request.t;
  const f = (d?: string | null) => (d ? formatDate(d, request.lang) : '');
  const db = request.server.db;
  const [events, child, adults, req, documents, assignee] = await Promise.all([
    cases.events(row),
    db.selectFrom('children').selectAll().where('id', '=', row.child_id).executeTakeFirstOrThrow(),
    send.adultsOf(row.child_id),
    db.selectFrom('assessment_requests').selectAll().where('id', '=', row.request_id).executeTakeFirst(),
    db.selectFrom('documents').selectAll().where('owner_type', '=', 'case').where('owner_id', '=', row.id).orderBy('created_at').execute(),
    row.assigned_to ? db.selectFrom('users').select(['first_name', 'last_name']).where('id', '=', row.assigned_to).executeTakeFirst() : undefined,
  ]);
  const timeline = await cases.timeline(row, events);
  const milestone = (m: Milestone) => ({
    key: m.key,
    name: t(`staff:milestones.${m.key}`),
    dueOn: f(m.dueOn),
    doneOn: f(m.doneOn),
    state: m.state,
    stateText: t(`staff:states.${m.state}`),
    owner: m.owner,
    exceptionApplies: m.exceptionApplies,
  });
  const answers = req ? (JSON.parse(req.answers) as Record<string, { values: Record<string, string | string[]> }>) : {};
  const letters = events
    .filter((e) => DECISIONS.includes(e.type))
    .map((e) => {
      const data = e.data ? (JSON.parse(e.data) as { reasons?: string }) : {};
      // A letter keeps the rights it gave on its own date (2 months from the letter): a later decision, such as
      // ceasing the plan, must not take the appeal section out of the final plan's letter.
      const appeal = APPEALABLE.includes(e.type) ? { mediationBy: addMonths(e.on_date, PERIODS.mediationMonths), tribunalBy: addMonths(e.on_date, PERIODS.tribunalMonths) } : undefined;
      return {
        eventId: e.id,
        type: e.type,
        title: t(`staff:letters.${e.type}.title`),
        date: f(e.on_date),
        onDate: e.on_date,
        reasons: data.reasons,
        paragraphs: t(`staff:letters.${e.type}.body`, { returnObjects: true, child: child.first_name, reference: row.reference, finalBy: f(row.final_plan_due_on) }) as string[],
        appeal: appeal ? { mediationBy: f(appeal.mediationBy), tribunalBy: f(appeal.tribunalBy) } : undefined,
        document: documents.find((d) => d.id === e.id),
      };
    });
  const exceptions = events
    .filter((e) => e.type === 'exception')
    .map((e) => {
      const d = JSON.parse(e.data ?? '{}') as { exceptionType: string; reason: string; from: string; to?: string };
      return { type: t(`staff:exceptions.types.${d.exceptionType}`), reason: d.reason, from: f(d.from), to: f(d.to) };
    });
  return {
    caseRow: row,
    reference: row.reference,
    stage: row.stage,
    stageText: t(`send:stages.${row.stage}`),
    child: {
      name: `${child.first_name} ${child.last_name}`,
      firstName: child.first_name,
      dateOfBirth: f(child.date_of_birth),
      address: [child.address_line1, child.address_line2, child.town, child.postcode].filter(Boolean).join(', '),
      school: child.school,
      upn: child.upn,
      nhsNumber: child.nhs_number,
      homeLanguage: child.home_language,
      interpreter: child.interpreter,
    },
    adults: adults.map((a) => ({ name: `${a.first_name} ${a.last_name}`, email: a.email, relationship: a.relationship.split(':')[0], pr: a.parental_responsibility === 1 })),
    receivedOn: f(row.received_on),
    currentWeek: timeline.currentWeek,
    rag: timeline.rag,
    next: timeline.nextMilestone ? milestone(timeline.nextMilestone) : undefined,
    milestones: timeline.milestones.map(milestone),
    exceptions,
    letters,
    appeal: timeline.appeal ? { decision: t(`staff:letters.${timeline.appeal.decision}.title`), decisionOn: f(timeline.appeal.decisionOn), mediationBy: f(timeline.appeal.mediationBy), tribunalBy: f(timeline.appeal.tribunalBy), open: timeline.appeal.tribunalOpen } : undefined,
    caseworker: assignee ? `${assignee.first_name} ${assignee.last_name}` : undefined,
    assignedTo: row.assigned_to,
    documents: documents.map((d) => ({ id: d.id, name: d.filename, kind: d.kind, size: Math.max(1, Math.round(d.size / 1024)), href: audience === 'staff' ? `/staff/documents/${d.id}` : `/send/documents/${d.id}` })),
    request: SECTIONS.map((s) => ({
      title: t(`request:sections.${s.key}.title`),
      rows: answerRows('request', askedFields(s.fields, answers[s.key]?.values ?? {}), answers[s.key]?.values ?? {}, t, (d) => f(d)).filter((r) => r.value !== t('common:notProvided')),
    })),
  };
}
