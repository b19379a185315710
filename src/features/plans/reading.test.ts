import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { StaffClient } from '../../../test/support/advice.js';
import { type AccountsTestApp, createAccountsTestApp, createCitizen, createStaff, locationOf, signedIn, type TestPerson } from '../../../test/support/accounts.js';
import { type Client, textOf } from '../../../test/support/app.js';
import { actOk, advanceDays, h1, linksTo, seedCase, staffMember } from '../../../test/support/cases.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import {
  assertPdfDownload,
  auditCount,
  caseWithDraft,
  composeAndIssue,
  fullSections,
  normalise,
  pdfText,
  planResponses,
  planVersions,
  reviewsOf,
  sectionsOf,
  sectionsOnPage,
  unescapeHtml,
} from '../../../test/support/plans.js';
import { moveClockToTenthOfJanuary, refusals, signedInAs, todayOf, words } from '../../../test/support/send.js';
import { addDays } from '../../domain/dates.js';
import { PLAN_SECTIONS } from '../../domain/plan.js';
import { formatDate } from '../../platform/time.js';
import type { CaseRow } from '../cases/repo.js';
import type { PlanRow } from './service.js';

/** The "Every version" list of the family's plan page: each version's link, label and date. */
function versionList(html: string, reference: string): { href: string; label: string; date: string }[] {
  const list = html.split(/<h2 class="govuk-heading-m">[^<]*<\/h2>\s*<ul class="govuk-list">/).at(-1)?.split('</ul>')[0] ?? '';
  return [...list.matchAll(new RegExp(`<li><a class="govuk-link" href="(/send/cases/${reference}/plan/\\d+)">([\\s\\S]*?)</a> – ([^(]*?) \\(`, 'g'))].map((m) => ({
    href: m[1] ?? '',
    label: normalise(unescapeHtml(m[2] ?? '')),
    date: normalise(m[3] ?? ''),
  }));
}

/** What a plan page shows of every section, title then text, as one run of text. */
function sectionsAsText(html: string): string {
  return normalise(
    sectionsOnPage(html)
      .map((s) => `${s.title} ${s.text}`)
      .join(' '),
  );
}

describeEachDatabase('plans: reading, downloading, and who may', (kind) => {
  let t: AccountsTestApp;
  let staff: StaffClient;
  let parent: TestPerson;
  let family: Client;
  let caseRow: CaseRow;
  let draft: PlanRow;
  let final: PlanRow;
  let day0: string;
  let day16: string;
  const finalSections = { ...fullSections('final'), J: '', H1: 'Short breaks: one weekend a month at Tŷ Hafan, Caerdydd – ŵ ŷ.' };

  before(async () => {
    t = await createAccountsTestApp(kind);
    moveClockToTenthOfJanuary(t);
    day0 = todayOf(t);
    staff = await staffMember(t, 'caseworker');
    const made = await caseWithDraft(t, { staff, sections: fullSections('draft') });
    ({ caseRow, draft } = made);
    parent = made.adults[0] as TestPerson;
    day16 = advanceDays(t, 16);
    staff = { person: staff.person, client: await signedIn(t, staff.person) };
    final = await composeAndIssue(t, staff.client, caseRow.id, finalSections);
    family = await signedInAs(t, parent);
  });
  after(() => t.close());

  test('the family’s plan page shows the current version with every section and lists every issued version with its kind and date; each view is audited', async () => {
    const viewed = await auditCount(t, caseRow.id, 'plan.viewed');
    const res = await family.get(`/send/cases/${caseRow.reference}/plan`);
    assert.equal(res.statusCode, 200);
    assert.equal(await auditCount(t, caseRow.id, 'plan.viewed'), viewed + 1);
    assert.equal(h1(res.body), words('en', 'plans:family.title'));
    assert.ok(textOf(res.body).includes(words('en', 'plans:family.current', { version: 2, kind: words('en', 'plans:kinds.final'), date: formatDate(day16, 'en') })));
    assert.deepEqual(
      sectionsOnPage(res.body),
      PLAN_SECTIONS.map((s) => ({ key: s, title: words('en', `plans:sections.${s}`), text: finalSections[s] || words('en', 'plans:empty') })),
      'every section of the final plan, exactly as written',
    );
    assert.deepEqual(
      linksTo(res.body, '#section-').map(([href, text]) => [href, text]),
      PLAN_SECTIONS.map((s) => [`#section-${s}`, words('en', `plans:sections.${s}`)]),
      'contents',
    );
    assert.deepEqual(versionList(res.body, caseRow.reference), [
      { href: `/send/cases/${caseRow.reference}/plan/2`, label: words('en', 'plans:version.label', { version: 2, kind: words('en', 'plans:kinds.final') }), date: formatDate(day16, 'en') },
      { href: `/send/cases/${caseRow.reference}/plan/1`, label: words('en', 'plans:version.label', { version: 1, kind: words('en', 'plans:kinds.draft') }), date: formatDate(day0, 'en') },
    ]);
    for (const v of [1, 2]) assert.ok(res.body.includes(`href="/send/cases/${caseRow.reference}/plan/${v}/pdf"`), `PDF of version ${v}`);
    assert.ok(!res.body.includes('/reply"'), 'a final plan asks for no reply');
  });

  test('each version’s PDF, for the family and for staff, is a real PDF whose text has every section title and text exactly as on the HTML page, Welsh letters included; every view and download is audited', async () => {
    const pdfs = new Map<number, string>();
    for (const plan of [draft, final]) {
      const name = `EHC-plan-${caseRow.reference}-v${plan.version}-${plan.kind}.pdf`;
      for (const [who, client, base] of [
        ['family', family, `/send/cases/${caseRow.reference}/plan/${plan.version}`],
        ['staff', staff.client, `/staff/cases/${caseRow.id}/plan/${plan.version}`],
      ] as const) {
        const viewed = await auditCount(t, caseRow.id, 'plan.viewed');
        const page = await client.get(base);
        assert.equal(page.statusCode, 200, `${who} page of version ${plan.version}`);
        assert.equal(await auditCount(t, caseRow.id, 'plan.viewed'), viewed + 1, `${who} view audited`);
        const sections = sectionsOnPage(page.body);
        const stored = sectionsOf(plan);
        assert.deepEqual(
          sections.map((s) => s.text),
          PLAN_SECTIONS.map((s) => stored[s] || words('en', 'plans:empty')),
        );
        assert.ok(page.body.includes(`href="${base}/pdf"`));

        const downloaded = await auditCount(t, caseRow.id, 'plan.downloaded');
        const res = await client.get(`${base}/pdf`);
        const data = assertPdfDownload(res, name);
        assert.equal(await auditCount(t, caseRow.id, 'plan.downloaded'), downloaded + 1, `${who} download audited`);
        const text = normalise(await pdfText(data));
        for (const s of sections) {
          assert.ok(text.includes(normalise(s.title)), `${who} v${plan.version}: the title of ${s.key}`);
          assert.ok(text.includes(normalise(s.text)), `${who} v${plan.version}: the text of ${s.key}: ${s.text}`);
        }
        assert.ok(text.includes(sectionsAsText(page.body)), `${who} v${plan.version}: every section in order, titles then texts`);
        assert.ok(text.includes('ŵ ŷ') && text.includes('Tŷ Newydd') && text.includes('Gŵyr'), 'Welsh letters survive');
        assert.ok(text.includes(caseRow.reference));
        const previous = pdfs.get(plan.version);
        if (previous) assert.equal(text, previous, 'the family and staff download the same document');
        pdfs.set(plan.version, text);
      }
    }
    assert.ok(pdfs.get(2)?.includes('Caerdydd – ŵ ŷ'));

    // In Welsh: the page and the PDF both give the Welsh section titles.
    const page = await family.get(`/send/cases/${caseRow.reference}/plan/2?lng=cy`);
    const res = await family.get(`/send/cases/${caseRow.reference}/plan/2/pdf`);
    const text = normalise(await pdfText(assertPdfDownload(res, `EHC-plan-${caseRow.reference}-v2-final.pdf`)));
    for (const s of PLAN_SECTIONS) assert.ok(text.includes(words('cy', `plans:sections.${s}`)), `Welsh title of ${s}`);
    assert.ok(text.includes(sectionsAsText(page.body)));
    assert.ok(text.includes(words('cy', 'plans:empty')));
    await family.get(`/send/cases/${caseRow.reference}/plan?lng=en`);
  });

  test('another family gets 404 for the plan, a version, its PDF and the reply (GET and POST), each refusal audited; nothing is shown or stored', async () => {
    const other = await createCitizen(t, { twoStep: 'email' });
    const client = await signedInAs(t, other);
    const viewed = await auditCount(t, caseRow.id, 'plan.viewed');
    const downloaded = await auditCount(t, caseRow.id, 'plan.downloaded');
    const base = `/send/cases/${caseRow.reference}/plan`;
    for (const url of [base, `${base}/1`, `${base}/2`, `${base}/1/pdf`, `${base}/1/reply`]) {
      const res = await client.get(url);
      assert.equal(res.statusCode, 404, url);
      assert.equal(h1(res.body), words('en', 'errors:notFound.title'));
      assert.ok(!res.body.includes('Sam&#39;s views') && !res.body.includes('%PDF'), url);
    }
    await client.get('/send');
    const posted = await client.post(`${base}/1/reply`, { 'comment-A': 'Not my child', meeting: 'yes' });
    assert.equal(posted.statusCode, 404);
    assert.deepEqual(await refusals(t, other.id), Array(6).fill({ subject_type: 'case', subject_id: caseRow.reference }));
    assert.deepEqual(await planResponses(t, draft.id), []);
    assert.equal(await auditCount(t, caseRow.id, 'plan.viewed'), viewed);
    assert.equal(await auditCount(t, caseRow.id, 'plan.downloaded'), downloaded);
  });

  test('a professional and a citizen get 403 on every staff plan and review page and form, each refusal audited; nothing changes', async () => {
    const versions = await planVersions(t, caseRow.id);
    const citizen = await createCitizen(t, { twoStep: 'email' });
    const professional = await createStaff(t, 'professional', { twoStep: 'email' });
    const base = `/staff/cases/${caseRow.id}`;
    for (const person of [citizen, professional]) {
      const client = await signedIn(t, person);
      for (const url of [`${base}/plan`, `${base}/plan/1`, `${base}/plan/2/pdf`]) {
        const res = await client.get(url);
        assert.equal(res.statusCode, 403, `${url} as ${person.email}`);
        assert.equal(h1(res.body), words('en', 'errors:forbidden.title'));
        assert.ok(!res.body.includes('%PDF'));
      }
      // A valid CSRF token (from a page they may open), so that the refusal is the role's, not the token's.
      assert.equal((await client.get('/account')).statusCode, 200);
      for (const [path, form] of [
        ['plan/compose', {}],
        ['plan/sections', { A: 'Overwritten', action: 'issue' }],
        ['reviews/meeting', { 'meeting-day': '1', 'meeting-month': '1', 'meeting-year': '2020' }],
        ['reviews/decision', { decision: 'cease', reasons: 'No' }],
      ] as const) {
        const res = await client.post(`${base}/${path}`, form);
        assert.equal(res.statusCode, 403, `${path} as ${person.email}`);
        assert.equal(h1(res.body), words('en', 'errors:forbidden.title'));
      }
      assert.deepEqual(
        (await refusals(t, person.id)).map((r) => r.subject_id),
        [
          '/staff/cases/:id/plan',
          '/staff/cases/:id/plan/:version',
          '/staff/cases/:id/plan/:version/pdf',
          '/staff/cases/:id/plan/compose',
          '/staff/cases/:id/plan/sections',
          '/staff/cases/:id/reviews/meeting',
          '/staff/cases/:id/reviews/decision',
        ],
      );
    }
    assert.deepEqual(await planVersions(t, caseRow.id), versions);
    assert.deepEqual(await reviewsOf(t, caseRow.id), []);
  });

  test('once the final plan is issued, the superseded draft can no longer be replied to', async () => {
    const page = await family.get(`/send/cases/${caseRow.reference}/plan/1/reply`);
    assert.equal(page.statusCode, 302);
    assert.equal(locationOf(page), `/send/cases/${caseRow.reference}/plan`);
    await family.get(`/send/cases/${caseRow.reference}/plan`);
    const res = await family.post(`/send/cases/${caseRow.reference}/plan/1/reply`, { 'comment-B': 'Too late for this version', meeting: 'yes' });
    assert.equal(res.statusCode, 302);
    assert.deepEqual(await planResponses(t, draft.id), []);
  });

  test('a plan the SEN Team uploaded as a PDF instead of composing it is on the family’s plan page, newest first, and downloads', async () => {
    const mother = await createCitizen(t, { twoStep: 'email' });
    const uploadedCase = await seedCase(t, { adults: [mother], firstName: 'Nia', receivedOn: addDays(todayOf(t), -60) });
    const mothers = await signedInAs(t, mother);
    const page = () => mothers.get(`/send/cases/${uploadedCase.reference}/plan`);
    assert.ok(textOf((await page()).body).includes(words('en', 'plans:family.none')));

    await actOk(t, staff.client, uploadedCase.id, 'decision_to_assess', { date: addDays(todayOf(t), -40) });
    await actOk(t, staff.client, uploadedCase.id, 'draft_plan_issued', { date: addDays(todayOf(t), -20), pdf: true });
    await actOk(t, staff.client, uploadedCase.id, 'final_plan_issued', { date: todayOf(t), pdf: true });

    const res = await page();
    assert.equal(res.statusCode, 200);
    const text = textOf(res.body);
    assert.ok(!text.includes(words('en', 'plans:family.none')), 'not "no plan yet" when a plan was sent as a document');
    assert.ok(text.includes(words('en', 'plans:family.uploadedTitle')));
    const items = [...res.body.matchAll(/<li>([^<]*): <a class="govuk-link" href="(\/send\/documents\/[^"]+)">/g)].map((m) => ({ text: m[1], href: m[2] as string }));
    assert.deepEqual(
      items.map((i) => i.text),
      [
        words('en', 'plans:family.uploadedItem', { kind: words('en', 'plans:kinds.final'), date: formatDate(todayOf(t), 'en') }),
        words('en', 'plans:family.uploadedItem', { kind: words('en', 'plans:kinds.draft'), date: formatDate(addDays(todayOf(t), -20), 'en') }),
      ],
    );
    for (const item of items) {
      const download = await mothers.get(item.href);
      assert.equal(download.statusCode, 200);
      assert.equal(download.headers['content-type'], 'application/pdf');
      assert.equal((await family.get(item.href)).statusCode, 404, 'another family cannot download it');
    }
    const welsh = await mothers.get(`/send/cases/${uploadedCase.reference}/plan?lng=cy`);
    assert.ok(textOf(welsh.body).includes(words('cy', 'plans:family.uploadedTitle')));
  });
});
