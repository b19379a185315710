import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AccountsTestApp, createAccountsTestApp, createCitizen, createStaff, locationOf, signedIn, type TestPerson } from '../../../test/support/accounts.js';
import { Client, textOf } from '../../../test/support/app.js';
import { actOk, eventsOfCase, h1, linksTo, longDate, seedCase, staffMember } from '../../../test/support/cases.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import { assertPdfDownload, auditCount, normalise, pdfText, unescapeHtml } from '../../../test/support/plans.js';
import { type Lang, moveClockToTenthOfJanuary, refusals, todayOf, words } from '../../../test/support/send.js';
import { addDays, addMonths } from '../../domain/dates.js';
import type { CaseRow } from './repo.js';

/** The letter as its HTML page shows it: the text of each paragraph and heading, in order, as read. */
function letterBlocks(html: string): string[] {
  const letter = html.match(/<div class="portal-letter">([\s\S]*?)<\/div>/)?.[1] ?? '';
  assert.ok(letter, 'the page shows a letter');
  return [...letter.matchAll(/<(p|h1|h2)\b[^>]*>([\s\S]*?)<\/\1>/g)].map((m) => normalise(unescapeHtml(m[2] ?? '')));
}

/** The Info dictionary of a PDF, as pdf-parse reads it. */
async function pdfInfo(data: Buffer): Promise<{ Title?: string; Author?: string }> {
  const { PDFParse } = await import('pdf-parse');
  const parser = new PDFParse({ data: new Uint8Array(data) });
  try {
    return ((await parser.getInfo()).info ?? {}) as { Title?: string; Author?: string };
  } finally {
    await parser.destroy();
  }
}

/** The detail of the newest 'letter.downloaded' audit row about a case. */
async function lastDownload(t: AccountsTestApp, caseId: string) {
  const row = await t.app.db
    .selectFrom('audit_events')
    .select(['actor_id', 'subject_type', 'detail'])
    .where('subject_id', '=', caseId)
    .where('action', '=', 'letter.downloaded')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  return { actor: row.actor_id, subjectType: row.subject_type, detail: JSON.parse(row.detail ?? '{}') as Record<string, unknown> };
}

describeEachDatabase('cases: decision letters as PDFs', (kind) => {
  let t: AccountsTestApp;
  let today: string;
  let staff: { person: TestPerson; client: Client };
  let mother: TestPerson;
  let motherClient: Client;
  /** Decided not to assess 42 days ago, with reasons: the letter gives the mediation and appeal dates. */
  let refused: CaseRow;
  let refusedLetter: string;
  let letterOn: string;
  /** Assessed, then a draft plan with its PDF: letters without appeal rights, one with a plan document. */
  let drafted: CaseRow;
  let draftLetter: string;
  const reasons = 'Siôn\'s needs can be met at Ysgol Tŷ Gwyn with "SEN support" & a quiet space.\nThe school – Ysgol Gŵyr – agrees <fully>.';

  before(async () => {
    t = await createAccountsTestApp(kind);
    moveClockToTenthOfJanuary(t);
    today = todayOf(t);
    staff = await staffMember(t, 'caseworker');
    mother = await createCitizen(t, { twoStep: 'email', firstName: 'Alex', lastName: 'Parent' });
    motherClient = await signedIn(t, mother);

    refused = await seedCase(t, { adults: [mother], firstName: 'Siôn', lastName: 'Llŷr', receivedOn: addDays(today, -51) });
    letterOn = addDays(today, -42);
    await actOk(t, staff.client, refused.id, 'decision_not_to_assess', { date: letterOn, reasons });
    refusedLetter = (await eventsOfCase(t, refused.id)).find((e) => e.type === 'decision_not_to_assess')?.id ?? '';
    assert.ok(refusedLetter);

    drafted = await seedCase(t, { adults: [mother], firstName: 'Mia', lastName: 'Jones', receivedOn: addDays(today, -60) });
    await actOk(t, staff.client, drafted.id, 'decision_to_assess', { date: addDays(today, -30) });
    await actOk(t, staff.client, drafted.id, 'draft_plan_issued', { date: addDays(today, -5), pdf: true });
    draftLetter = (await eventsOfCase(t, drafted.id)).find((e) => e.type === 'draft_plan_issued')?.id ?? '';
    assert.ok(draftLetter);
  });
  after(() => t.close());

  const familyBase = (row: CaseRow, eventId: string) => `/send/cases/${row.reference}/letters/${eventId}`;
  const staffBase = (row: CaseRow, eventId: string) => `/staff/cases/${row.id}/letters/${eventId}`;

  /**
   * Opens the HTML letter, follows its "Download this letter as a PDF" link, and checks the download: a PDF,
   * not cached, audited, and whose text is the letter's text as the page shows it. Returns the PDF's text.
   */
  async function download(client: Client, who: TestPerson, base: string, row: CaseRow, eventId: string, lang: Lang, fileName: string) {
    const page = await client.get(`${base}?lng=${lang}`);
    assert.equal(page.statusCode, 200, base);
    assert.deepEqual(linksTo(page.body, `${base}/pdf`), [[`${base}/pdf`, words(lang, 'staff:letters.download')]], 'the page links to its PDF');
    const blocks = letterBlocks(page.body);

    const downloads = await auditCount(t, row.id, 'letter.downloaded');
    const res = await client.get(`${base}/pdf`);
    const data = assertPdfDownload(res, fileName);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(await auditCount(t, row.id, 'letter.downloaded'), downloads + 1, 'the download is audited');
    const type = (await eventsOfCase(t, row.id)).find((e) => e.id === eventId)?.type;
    assert.deepEqual(await lastDownload(t, row.id), { actor: who.id, subjectType: 'case', detail: { eventId, type } });

    const text = normalise(await pdfText(data));
    for (const b of blocks) assert.ok(text.includes(b), `the PDF has: ${b}`);
    assert.equal(text, blocks.join(' '), 'the PDF is the letter as the page shows it, in order, and nothing else');
    const info = await pdfInfo(data);
    assert.equal(info.Title, h1(page.body), 'the document is titled as the letter');
    assert.equal(info.Author, t.config.councilName);
    assert.ok(data.includes(`/Lang (${lang}-GB)`), `the document's language is ${lang}-GB`);
    return text;
  }

  test('a decision with appeal rights: the family’s and the caseworker’s PDFs have the decision, reasons, reference, child and appeal dates of the HTML letter, in English and in Welsh; each download audited', async () => {
    const by = addMonths(letterOn, 2);
    const fileName = `${refused.reference}-decision-not-to-assess-${letterOn}.pdf`;
    const texts: Record<string, string> = {};
    for (const lang of ['en', 'cy'] as const) {
      for (const [who, client, person, base] of [
        ['family', motherClient, mother, familyBase(refused, refusedLetter)],
        ['staff', staff.client, staff.person, staffBase(refused, refusedLetter)],
      ] as const) {
        const text = await download(client, person, base, refused, refusedLetter, lang, fileName);
        assert.ok(text.includes(words(lang, 'staff:letters.decision_not_to_assess.title')), `${who} ${lang}: the decision`);
        assert.ok(text.includes(normalise(reasons)), `${who} ${lang}: the reasons, as written, Welsh letters and all`);
        assert.ok(text.includes(words(lang, 'staff:letters.reasons')));
        assert.ok(text.includes(words(lang, 'staff:letters.reference', { reference: refused.reference })), `${who} ${lang}: the reference`);
        assert.ok(text.includes('Siôn Llŷr'), `${who} ${lang}: the child`);
        assert.ok(text.includes(longDate(letterOn, lang)), `${who} ${lang}: the letter's date`);
        assert.ok(text.includes(words(lang, 'staff:letters.rightsTitle')), `${who} ${lang}: the rights`);
        assert.ok(text.includes(`${t.config.councilName} – ${words(lang, 'staff:letters.team')}`), `${who} ${lang}: the council`);
        if (lang === 'en') {
          assert.ok(text.includes(`contact a mediation adviser by ${longDate(by)}`), 'the mediation date');
          assert.ok(text.includes(`You must appeal by ${longDate(by)}`), 'the tribunal date');
        } else {
          assert.ok(text.includes(`chynghorydd cyfryngu erbyn ${longDate(by, 'cy')}`), 'y dyddiad cyfryngu');
          assert.ok(text.includes(`Rhaid i chi apelio erbyn ${longDate(by, 'cy')}`), 'y dyddiad apelio');
          assert.ok(!text.includes('You must appeal'), 'nothing in English');
        }
        const previous = texts[lang];
        if (previous) assert.equal(text, previous, `${lang}: the family and the caseworker download the same letter`);
        texts[lang] = text;
      }
    }
    await motherClient.get('/send?lng=en');
    await staff.client.get('/staff?lng=en');
  });

  test('letters without appeal rights have no rights section; a plan’s letter names its document', async () => {
    const assessed = (await eventsOfCase(t, drafted.id)).find((e) => e.type === 'decision_to_assess');
    assert.ok(assessed);
    const assessText = await download(motherClient, mother, familyBase(drafted, assessed.id), drafted, assessed.id, 'en', `${drafted.reference}-decision-to-assess-${assessed.on_date}.pdf`);
    assert.ok(assessText.includes(words('en', 'staff:letters.decision_to_assess.title')));
    assert.ok(!assessText.includes(words('en', 'staff:letters.rightsTitle')) && !assessText.includes(words('en', 'staff:letters.reasons')));

    const draftOn = addDays(today, -5);
    const draftText = await download(staff.client, staff.person, staffBase(drafted, draftLetter), drafted, draftLetter, 'en', `${drafted.reference}-draft-plan-issued-${draftOn}.pdf`);
    assert.ok(draftText.includes(`${words('en', 'staff:letters.document')} EHC plan.pdf`), 'the plan document is named');
    assert.ok(!draftText.includes(words('en', 'staff:letters.rightsTitle')));
  });

  test('another family gets 404 for the PDF, audited as the HTML letter’s refusals are; a family cannot reach another case’s letter through its own case; nothing is downloaded', async () => {
    const other = await createCitizen(t, { twoStep: 'email' });
    const client = await signedIn(t, other);
    const downloads = await auditCount(t, refused.id, 'letter.downloaded');
    const draftDownloads = await auditCount(t, drafted.id, 'letter.downloaded');
    const base = familyBase(refused, refusedLetter);
    for (const url of [base, `${base}/pdf`, `/send/cases/${refused.reference.toLowerCase()}/letters/${refusedLetter}/pdf`]) {
      const res = await client.get(url);
      assert.equal(res.statusCode, 404, url);
      assert.equal(h1(res.body), words('en', 'errors:notFound.title'));
      assert.ok(!res.body.includes('%PDF') && !textOf(res.body).includes(refused.reference) && !textOf(res.body).includes('Siôn'), url);
    }
    assert.deepEqual(await refusals(t, other.id), [
      { subject_type: 'case', subject_id: refused.reference },
      { subject_type: 'case', subject_id: refused.reference },
      { subject_type: 'case', subject_id: refused.reference.toLowerCase() },
    ]);

    // The mother's own case, but a letter of her other case, or no letter at all: not found.
    for (const url of [`/send/cases/${drafted.reference}/letters/${refusedLetter}/pdf`, `/send/cases/${refused.reference}/letters/${drafted.id}/pdf`]) {
      const res = await motherClient.get(url);
      assert.equal(res.statusCode, 404, url);
      assert.ok(!res.body.includes('%PDF'));
    }
    assert.equal(await auditCount(t, refused.id, 'letter.downloaded'), downloads);
    assert.equal(await auditCount(t, drafted.id, 'letter.downloaded'), draftDownloads);

    const anonymous = await new Client(t.app).get(`${base}/pdf`);
    assert.equal(anonymous.statusCode, 302);
    assert.equal(locationOf(anonymous), '/login');
  });

  test('staff: a caseworker downloads any case’s letter; an unknown letter is 404; a citizen and a professional get 403 (audited) and anonymous people are sent to sign in', async () => {
    const other = await staffMember(t, 'caseworker');
    await download(other.client, other.person, staffBase(refused, refusedLetter), refused, refusedLetter, 'en', `${refused.reference}-decision-not-to-assess-${letterOn}.pdf`);
    for (const url of [`/staff/cases/${drafted.id}/letters/${refusedLetter}/pdf`, `/staff/cases/${refused.id}/letters/${refused.id}/pdf`]) {
      const res = await other.client.get(url);
      assert.equal(res.statusCode, 404, url);
      assert.ok(!res.body.includes('%PDF'));
    }

    const downloads = await auditCount(t, refused.id, 'letter.downloaded');
    const url = `${staffBase(refused, refusedLetter)}/pdf`;
    for (const person of [await createCitizen(t, { twoStep: 'email' }), await createStaff(t, 'professional', { twoStep: 'email' })]) {
      const client = await signedIn(t, person);
      const res = await client.get(url);
      assert.equal(res.statusCode, 403, person.email);
      assert.equal(h1(res.body), words('en', 'errors:forbidden.title'));
      assert.ok(!res.body.includes('%PDF'));
      assert.deepEqual(
        (await refusals(t, person.id)).map((r) => r.subject_id),
        ['/staff/cases/:id/letters/:eventId/pdf'],
      );
    }
    assert.equal(await auditCount(t, refused.id, 'letter.downloaded'), downloads);
    const anonymous = await new Client(t.app).get(url);
    assert.equal(anonymous.statusCode, 302);
    assert.equal(locationOf(anonymous), '/login');
  });
});
