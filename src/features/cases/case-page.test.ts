import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { type AccountsTestApp, createAccountsTestApp, createCitizen, locationOf, signedIn, type TestPerson } from '../../../test/support/accounts.js';
import { Client, textOf } from '../../../test/support/app.js';
import {
  actOk,
  advanceDays,
  caseAuditRows,
  caseById,
  errorTexts,
  eventsOfCase,
  h1,
  linksTo,
  longDate,
  queueRows,
  staffMember,
  staffPost,
  summaryRows,
  timelineRows,
} from '../../../test/support/cases.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import { casesOf, dateFields, type Family, familyWithRequest, moveClockToTenthOfJanuary, submitRequest, todayOf, words } from '../../../test/support/send.js';
import { addDays } from '../../domain/dates.js';
import type { CaseRow } from './repo.js';

describeEachDatabase("cases: the case page, notes, exceptions and the family's view", (kind) => {
  let t: AccountsTestApp;
  let today: string;
  let staff: { person: TestPerson; client: Client };
  let family: Family;
  let other: { person: TestPerson; client: Client };
  let row: CaseRow;

  before(async () => {
    t = await createAccountsTestApp(kind);
    moveClockToTenthOfJanuary(t);
    today = todayOf(t);
    staff = await staffMember(t, 'caseworker', { firstName: 'Casey', lastName: 'Worker' });
    // A real submission, through the forms.
    family = await familyWithRequest(t);
    const submitted = await submitRequest(family.client, family.requestId);
    assert.equal(submitted.statusCode, 302);
    const [created] = await casesOf(t, family.requestId);
    assert.ok(created);
    row = created;
    const person = await createCitizen(t, { twoStep: 'email' });
    other = { person, client: await signedIn(t, person) };
  });
  after(() => t.close());

  const familyPage = async (reference = row.reference) => {
    const res = await family.client.get(`/send/cases/${reference}`);
    assert.equal(res.statusCode, 200, `/send/cases/${reference}`);
    return res.body;
  };
  const staffPage = async () => {
    const res = await staff.client.get(`/staff/cases/${row.id}`);
    assert.equal(res.statusCode, 200);
    return res.body;
  };
  const milestone = (html: string, key: string) => {
    const found = timelineRows(html).find((m) => m.name.startsWith(words('en', `staff:milestones.${key}`)));
    assert.ok(found, `milestone ${key}`);
    return found;
  };
  const inset = (html: string) => html.match(/<div class="govuk-inset-text">([\s\S]*?)<\/div>/)?.[1]?.replace(/\s+/g, ' ').trim();

  test("the family's view on the day of the request: week 1 of 20, the next step with its date, every milestone with its due date", async () => {
    assert.equal(row.received_on, today);
    const html = await familyPage();
    assert.equal(h1(html), words('en', 'track:title', { child: 'Sam' }));
    const summary = summaryRows(html);
    assert.equal(summary[words('en', 'track:weekLabel')], words('en', 'track:week', { week: 1 }));
    assert.equal(summary[words('en', 'staff:case.stage')], words('en', 'send:stages.received'));
    assert.equal(summary[words('en', 'staff:case.received')], longDate(today));
    assert.equal(summary[words('en', 'track:caseworker')], words('en', 'track:noCaseworker'));
    assert.equal(inset(html), words('en', 'track:next.decision_to_assess', { date: longDate(addDays(today, 42)), child: 'Sam' }));
    const due = words('en', 'staff:states.due');
    assert.deepEqual(milestone(html, 'decision_to_assess'), { name: words('en', 'staff:milestones.decision_to_assess'), due: longDate(addDays(today, 42)), happened: '–', status: due });
    assert.deepEqual(milestone(html, 'draft_plan'), { name: words('en', 'staff:milestones.draft_plan'), due: longDate(addDays(today, 112)), happened: '–', status: due });
    assert.deepEqual(milestone(html, 'final_plan'), { name: words('en', 'staff:milestones.final_plan'), due: longDate(addDays(today, 140)), happened: '–', status: due });
    assert.equal(milestone(html, 'decision_not_to_issue').status, words('en', 'staff:states.not_applicable'));

    const lower = await familyPage(row.reference.toLowerCase());
    assert.equal(h1(lower), h1(html), 'the reference in the address is not case-sensitive');
    assert.equal(summaryRows(lower)[words('en', 'track:weekLabel')], words('en', 'track:week', { week: 1 }));
  });

  test('another parent gets 404 for the case and for its letters, and each refusal is audited; anonymous people are sent to sign in', async () => {
    const [received] = await eventsOfCase(t, row.id);
    assert.ok(received);
    const urls = [`/send/cases/${row.reference}`, `/send/cases/${row.reference.toLowerCase()}/letters/${received.id}`];
    for (const url of urls) {
      const res = await other.client.get(url);
      assert.equal(res.statusCode, 404, url);
      assert.equal(h1(res.body), words('en', 'errors:notFound.title'));
      assert.ok(!textOf(res.body).includes(row.reference) && !textOf(res.body).includes('Sam'), 'nothing of the case is shown');
    }
    const refused = await t.app.db.selectFrom('audit_events').select(['subject_type', 'subject_id']).where('action', '=', 'access.refused').where('actor_id', '=', other.person.id).orderBy('id').execute();
    assert.deepEqual(refused, [
      { subject_type: 'case', subject_id: row.reference },
      { subject_type: 'case', subject_id: row.reference.toLowerCase() },
    ]);
    assert.equal((await family.client.get('/send/cases/EHC-1999-99999')).statusCode, 404, 'an unknown reference');
    const anonymous = await new Client(t.app).get(urls[0] ?? '');
    assert.equal(anonymous.statusCode, 302);
    assert.equal(locationOf(anonymous), '/login');
  });

  test('exceptions: a valid one shows on both pages with its reason and moves no date; invalid ones are refused with messages', async () => {
    const before = await caseById(t, row.id);
    const timelineBefore = timelineRows(await staffPage()).map((m) => [m.name, m.due]);
    const events = (await eventsOfCase(t, row.id)).length;
    const form = (type: string, reason: string, from: string | null, to: string | null) => ({
      exceptionType: type,
      reason,
      ...(from ? dateFields(from, 'from') : { 'from-day': '', 'from-month': '', 'from-year': '' }),
      ...(to ? dateFields(to, 'to') : { 'to-day': '', 'to-month': '', 'to-year': '' }),
    });
    const refused = async (body: Record<string, string>, problems: string[]) => {
      const res = await staffPost(staff.client, row.id, 'exceptions', body);
      assert.equal(res.statusCode, 400);
      const messages = problems.map((p) => words('en', `staff:exceptions.errors.${p}`));
      assert.deepEqual(errorTexts(res.body), messages);
      for (const m of messages) assert.equal(res.body.split(m).length - 1, 2, `"${m}" is in the summary and by the form`);
      assert.match(res.body, /<details class="govuk-details" open/, 'the form is open again');
    };
    await refused(form('school_closure', '', today, addDays(today, 30)), ['reason_required']);
    await refused(form('school_closure', '   ', today, addDays(today, 30)), ['reason_required']);
    await refused(form('exceptional_personal_circumstances', 'A bereavement', today, addDays(today, -1)), ['ends_before_it_starts']);
    // "4 weeks or more": 27 days is too short.
    await refused(form('school_closure', 'Flood', today, addDays(today, 26)), ['shorter_than_4_weeks']);
    await refused(form('absent_from_area', 'Abroad', today, addDays(today, 26)), ['shorter_than_4_weeks']);
    await refused(form('', 'Flood', today, null), ['unknown_type']);
    await refused(form('strike', 'Flood', today, null), ['unknown_type']);
    await refused(form('school_closure', 'Flood', null, null), ['from_invalid']);
    await refused({ ...form('school_closure', 'Flood', today, null), 'to-day': '31', 'to-month': '2', 'to-year': today.slice(0, 4) }, ['to_invalid']);
    assert.equal((await eventsOfCase(t, row.id)).length, events, 'nothing recorded');

    // Exactly 4 weeks (28 days, both ends counted) is enough.
    const reason = 'Oak Primary School is closed for rebuilding.';
    const ok = await staffPost(staff.client, row.id, 'exceptions', form('school_closure', reason, today, addDays(today, 27)));
    assert.equal(ok.statusCode, 302);
    assert.equal(locationOf(ok), `/staff/cases/${row.id}#exceptions`);
    const line = `${words('en', 'staff:exceptions.types.school_closure')}: ${longDate(today)} – ${longDate(addDays(today, 27))}. ${reason}`;
    const staffHtml = await staffPage();
    assert.ok(staffHtml.includes(words('en', 'staff:exceptions.recorded')));
    assert.ok(staffHtml.includes(`<li>${line}</li>`), 'listed on the staff page');
    const familyHtml = await familyPage();
    assert.ok(familyHtml.includes(words('en', 'track:exceptionsTitle')));
    assert.ok(familyHtml.includes(`<li>${line}</li>`), "listed on the family's page with its reason");

    const afterRow = await caseById(t, row.id);
    assert.deepEqual({ ...afterRow, updated_at: '' }, { ...before, updated_at: '' }, 'no date on the case moved');
    const timelineAfter = timelineRows(staffHtml);
    assert.deepEqual(
      timelineAfter.map((m) => [m.name.replace(` ${words('en', 'staff:timeline.exceptionApplies')}`, ''), m.due]),
      timelineBefore,
      'no due date moved',
    );
    assert.ok(milestone(staffHtml, 'decision_to_assess').name.endsWith(words('en', 'staff:timeline.exceptionApplies')), 'the decision is flagged');
    assert.equal((await caseAuditRows(t, row.id)).filter((a) => a.action === 'case.exception_recorded').length, 1);
  });

  test('internal notes are never on the family page; assignment names the caseworker on the queue and to the family', async () => {
    const empty = await staffPost(staff.client, row.id, 'notes', { note: '   ' });
    assert.equal(empty.statusCode, 400);
    assert.deepEqual(errorTexts(empty.body), [words('en', 'staff:notes.required')]);
    const long = await staffPost(staff.client, row.id, 'notes', { note: 'x'.repeat(5001) });
    assert.equal(long.statusCode, 400);
    assert.deepEqual(errorTexts(long.body), [words('en', 'staff:notes.tooLong')]);

    const note = 'Mum prefers phone calls after 3pm; dad works nights.';
    const added = await staffPost(staff.client, row.id, 'notes', { note });
    assert.equal(added.statusCode, 302);
    const staffHtml = await staffPage();
    assert.ok(staffHtml.includes(note), 'the note is on the staff page');
    assert.ok(staffHtml.includes('Casey Worker –'), 'with its author');
    const familyHtml = await familyPage();
    assert.ok(!familyHtml.includes('phone calls after 3pm'), 'the note is not on the family page');
    assert.ok(!familyHtml.includes(words('en', 'staff:notes.title')));

    for (const assignee of [family.person.id, other.person.id, randomUUID(), 'nonsense']) {
      const res = await staffPost(staff.client, row.id, 'assign', { assignee });
      assert.equal(res.statusCode, 400, `assign to ${assignee}`);
      assert.equal(h1(res.body), words('en', 'errors:badRequest.title'));
    }
    assert.equal((await caseById(t, row.id)).assigned_to, null);

    assert.equal((await staffPost(staff.client, row.id, 'assign', { assignee: staff.person.id })).statusCode, 302);
    assert.equal((await caseById(t, row.id)).assigned_to, staff.person.id);
    assert.equal(summaryRows(await staffPage())[words('en', 'staff:case.assigned')], 'Casey Worker');
    const queue = queueRows((await staff.client.get('/staff')).body);
    assert.equal(queue.find((r) => r.id === row.id)?.assignee, 'Casey Worker');
    assert.equal(summaryRows(await familyPage())[words('en', 'track:caseworker')], 'Casey Worker');

    const audit = await staff.client.get(`/staff/cases/${row.id}/audit`);
    assert.equal(audit.statusCode, 200);
    assert.equal(h1(audit.body), words('en', 'staff:audit.title', { reference: row.reference }));
    const listed = [...audit.body.matchAll(/<code>([^<]+)<\/code>/g)].map((m) => m[1]);
    const stored = await t.app.db.selectFrom('audit_events').select('action').where('subject_id', 'in', [row.id, row.request_id]).orderBy('id', 'desc').execute();
    assert.deepEqual(
      listed,
      stored.map((a) => a.action),
      'newest first, as stored',
    );
    for (const action of ['request.submitted', 'case.viewed', 'case.exception_recorded', 'case.note_added', 'case.assigned']) assert.ok(listed.includes(action), action);
    assert.ok(audit.body.includes('Casey Worker (caseworker)'), 'who did it');
  });

  test("the family's view follows the clock (day 35 is week 6) and changes as soon as the caseworker acts", async () => {
    advanceDays(t, 35);
    family.client = await signedIn(t, family.person);
    staff.client = await signedIn(t, staff.person);
    const now = todayOf(t);
    let html = await familyPage();
    assert.equal(summaryRows(html)[words('en', 'track:weekLabel')], words('en', 'track:week', { week: 6 }));
    assert.equal(inset(html), words('en', 'track:next.decision_to_assess', { date: longDate(addDays(today, 42)), child: 'Sam' }));

    await actOk(t, staff.client, row.id, 'decision_to_assess', { date: now });
    html = await familyPage();
    assert.equal(summaryRows(html)[words('en', 'staff:case.stage')], words('en', 'send:stages.assessment'));
    assert.deepEqual(milestone(html, 'decision_to_assess'), {
      name: `${words('en', 'staff:milestones.decision_to_assess')} ${words('en', 'staff:timeline.exceptionApplies')}`,
      due: longDate(addDays(today, 42)),
      happened: longDate(now),
      status: words('en', 'staff:states.done_on_time'),
    });
    assert.equal(inset(html), words('en', 'track:next.draft_plan', { date: longDate(addDays(today, 112)), child: 'Sam' }));
    assert.equal(summaryRows(html)[words('en', 'track:weekLabel')], words('en', 'track:week', { week: 6 }));
    const letters = linksTo(html, `/send/cases/${row.reference}/letters/`);
    assert.equal(letters.length, 1);
    assert.equal(letters[0]?.[1], words('en', 'staff:letters.decision_to_assess.title'));
    const letter = await family.client.get(letters[0]?.[0] ?? '');
    assert.equal(letter.statusCode, 200);
    assert.equal(h1(letter.body), words('en', 'staff:letters.decision_to_assess.title'));

    const otherClient = await signedIn(t, other.person);
    const refusals = () => t.app.db.selectFrom('audit_events').select('subject_id').where('action', '=', 'access.refused').where('actor_id', '=', other.person.id).execute();
    const before = (await refusals()).length;
    const refused = await otherClient.get(letters[0]?.[0] ?? '');
    assert.equal(refused.statusCode, 404);
    assert.ok(!textOf(refused.body).includes(words('en', 'staff:letters.decision_to_assess.title')));
    assert.deepEqual((await refusals()).slice(before), [{ subject_id: row.reference }]);
  });
});
