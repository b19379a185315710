import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AccountsTestApp, createAccountsTestApp, HOUR, inputValue, locationOf, signedIn } from '../../../test/support/accounts.js';
import { textOf } from '../../../test/support/app.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import {
  assertFormErrors,
  casesOf,
  checkedValues,
  type ExpectedError,
  familyWithRequest,
  fieldError,
  fillRequest,
  type FormBody,
  type Lang,
  requestRow,
  SECTION_ANSWERS,
  SECTION_KEYS,
  saveSection,
  startRequest,
  submitRequest,
  taskStatuses,
  textareaValue,
  words,
} from '../../../test/support/send.js';

/** The questions each section needs answered, in page order. */
const REQUIRED: Record<string, string[]> = {
  child: ['detailsCorrect', 'lookedAfter'],
  you: ['phone', 'contactMethod', 'meetingInterpreter'],
  education: ['settingType', 'supportSoFar', 'exclusions'],
  needs: [],
  health: ['socialCare'],
  professionals: ['anyProfessionals'],
  views: ['parentViews', 'strengths', 'childViews', 'aspirations'],
  documents: ['documentsDone'],
  consent: ['shareWith'],
  declaration: ['declaration', 'signature'],
};

const err = (lang: Lang, field: string, key = 'required', max?: number): ExpectedError => ({ field, text: fieldError(lang, 'request', field, key, max) });
const atLeastOne = (lang: Lang): ExpectedError => ({ field: 'needs', text: words(lang, 'request:sections.needs.atLeastOne'), href: '#communicationInteraction', inline: false });

/** Follow-up questions: [section, answers, the one error expected]. */
const FOLLOW_UPS: [string, FormBody, string][] = [
  ['child', { detailsCorrect: 'no', detailsChanges: '' }, 'detailsChanges'],
  ['you', { meetingInterpreter: 'yes', meetingInterpreterLanguage: '' }, 'meetingInterpreterLanguage'],
  ['education', { settingType: 'special', settingName: '' }, 'settingName'],
  ['education', { exclusions: 'yes', exclusionDetails: '' }, 'exclusionDetails'],
  ['health', { socialCare: 'yes', socialCareDetails: '' }, 'socialCareDetails'],
  ['professionals', { anyProfessionals: 'yes', professionalsList: '' }, 'professionalsList'],
];

describeEachDatabase('SEND: the request for an assessment', (kind) => {
  let t: AccountsTestApp;
  before(async () => {
    t = await createAccountsTestApp(kind);
  });
  after(() => t.close());

  const statuses = async (client: { get(url: string): Promise<{ body: string }> }, requestId: string, lang: Lang = 'en') => {
    const html = (await client.get(`/send/requests/${requestId}`)).body;
    const byTitle = taskStatuses(html);
    return Object.fromEntries(SECTION_KEYS.map((k) => [k, byTitle[words(lang, `request:sections.${k}.title`)]]));
  };
  const status = (lang: Lang, s: 'completed' | 'inProgress' | 'notStarted') => words(lang, `request:status.${s}`);

  test('starting a request twice gives the same draft', async () => {
    const { client, childId, requestId } = await familyWithRequest(t, { complete: false });
    assert.equal(await startRequest(client, childId), requestId);
    const rows = await t.app.db.selectFrom('assessment_requests').select(['id', 'status']).where('child_id', '=', childId).execute();
    assert.deepEqual(rows, [{ id: requestId, status: 'draft' }]);
    const all = await statuses(client, requestId);
    for (const k of SECTION_KEYS) assert.equal(all[k], 'Not yet started', k);
    const home = textOf((await client.get('/send')).body);
    assert.ok(home.includes(words('en', 'send:home.continueRequest')));
    assert.ok(home.includes('0 of 10 sections completed'));
  });

  for (const lang of ['en', 'cy'] as const) {
    test(`each section checks its answers (${lang}): 400, error summary, messages from the locale, answers kept`, async () => {
      const { client, requestId } = await familyWithRequest(t, { complete: false });
      const page = await client.get(`/send/requests/${requestId}?lng=${lang}`);
      assert.match(page.body, new RegExp(`<html lang="${lang}"`));
      const before = (await requestRow(t, requestId))?.answers;

      for (const key of SECTION_KEYS) {
        const res = await saveSection(client, requestId, key, {});
        assertFormErrors(res, lang, key === 'needs' ? [atLeastOne(lang)] : (REQUIRED[key] ?? []).map((f) => err(lang, f)));
      }
      for (const [key, answers, field] of FOLLOW_UPS) {
        const res = await saveSection(client, requestId, key, { ...SECTION_ANSWERS[key], ...answers });
        assertFormErrors(res, lang, [err(lang, field)]);
      }
      assertFormErrors(await saveSection(client, requestId, 'you', { ...SECTION_ANSWERS.you, phone: 'call me' }), lang, [err(lang, 'phone', 'invalid')]);
      assertFormErrors(await saveSection(client, requestId, 'you', { ...SECTION_ANSWERS.you, contactMethod: 'pigeon' }), lang, [err(lang, 'contactMethod', 'invalidOption')]);
      assertFormErrors(await saveSection(client, requestId, 'consent', { shareWith: ['school', 'everyone'] }), lang, [err(lang, 'shareWith', 'invalidOption')]);

      // What was typed is shown again.
      const kept = await saveSection(client, requestId, 'education', { settingType: 'mainstream', settingName: 'Oak Primary', supportSoFar: '', exclusions: 'yes', exclusionDetails: 'Two days in May\nthen reduced hours' });
      assertFormErrors(kept, lang, [err(lang, 'supportSoFar')]);
      assert.deepEqual(checkedValues(kept.body, 'settingType'), ['mainstream']);
      assert.equal(inputValue(kept.body, 'settingName'), 'Oak Primary');
      assert.deepEqual(checkedValues(kept.body, 'exclusions'), ['yes']);
      assert.equal(textareaValue(kept.body, 'exclusionDetails'), 'Two days in May then reduced hours');
      const keptBoxes = await saveSection(client, requestId, 'declaration', { declaration: ['agree'], signature: '' });
      assertFormErrors(keptBoxes, lang, [err(lang, 'signature')]);
      assert.deepEqual(checkedValues(keptBoxes.body, 'declaration'), ['agree']);

      assert.equal((await requestRow(t, requestId))?.answers, before, 'nothing saved');
      const all = await statuses(client, requestId, lang);
      for (const k of SECTION_KEYS) assert.equal(all[k], status(lang, 'notStarted'), k);
    });
  }

  test('"Save and come back later" keeps part of a section without checking it; "Save and continue" completes it', async () => {
    const { client, requestId } = await familyWithRequest(t, { complete: false });
    const later = await saveSection(client, requestId, 'child', { diagnoses: 'Autism' }, 'later');
    assert.equal(later.statusCode, 302);
    assert.equal(locationOf(later), '/send');
    assert.ok(textOf((await client.get('/send')).body).includes(words('en', 'request:taskList.savedForLater')));
    const needsLater = await saveSection(client, requestId, 'needs', {}, 'later');
    assert.equal(needsLater.statusCode, 302, 'no area of need is needed to save for later');

    let all = await statuses(client, requestId);
    assert.equal(all.child, 'In progress');
    assert.equal(all.needs, 'In progress');
    assert.equal(all.you, 'Not yet started');
    const section = (await client.get(`/send/requests/${requestId}/sections/child`)).body;
    assert.equal(textareaValue(section, 'diagnoses'), 'Autism');

    // "Save and continue" on a partial section is checked in full.
    assertFormErrors(await saveSection(client, requestId, 'child', { diagnoses: 'Autism' }), 'en', [err('en', 'detailsCorrect'), err('en', 'lookedAfter')]);
    assertFormErrors(await saveSection(client, requestId, 'needs', {}), 'en', [atLeastOne('en')]);

    const done = await saveSection(client, requestId, 'child', SECTION_ANSWERS.child as FormBody);
    assert.equal(done.statusCode, 302);
    assert.equal(locationOf(done), `/send/requests/${requestId}`);
    for (const area of ['communicationInteraction', 'cognitionLearning', 'socialEmotionalMentalHealth', 'sensoryPhysical']) {
      const one = await saveSection(client, requestId, 'needs', { [area]: 'Described' });
      assert.equal(one.statusCode, 302, `${area} alone is enough`);
    }
    all = await statuses(client, requestId);
    assert.equal(all.child, 'Completed');
    assert.equal(all.needs, 'Completed');
    const stored = JSON.parse((await requestRow(t, requestId))?.answers ?? '{}');
    assert.equal(stored.child.complete, true);
    assert.equal(stored.child.values.diagnoses, SECTION_ANSWERS.child?.diagnoses);
    assert.ok(textOf((await client.get('/send')).body).includes('2 of 10 sections completed'));
  });

  test('text that is too long is refused, even when saving for later', async () => {
    const { client, requestId } = await familyWithRequest(t, { complete: false });
    await saveSection(client, requestId, 'child', { diagnoses: 'Saved before' }, 'later');
    const before = (await requestRow(t, requestId))?.answers;
    const long = await saveSection(client, requestId, 'child', { diagnoses: 'x'.repeat(5001) }, 'later');
    assertFormErrors(long, 'en', [{ field: 'diagnoses', text: 'Diagnoses or conditions must be 5000 characters or fewer' }]);
    assert.equal(textareaValue(long.body, 'diagnoses')?.length, 5001, 'the text is given back to shorten');
    assertFormErrors(await saveSection(client, requestId, 'education', { supportSoFar: 'y'.repeat(10_001) }, 'later'), 'en', [err('en', 'supportSoFar', 'tooLong', 10_000)]);
    assertFormErrors(await saveSection(client, requestId, 'declaration', { signature: 'z'.repeat(201) }, 'later'), 'en', [err('en', 'signature', 'tooLong', 200)]);
    assertFormErrors(await saveSection(client, requestId, 'you', { contactMethod: 'pigeon' }, 'later'), 'en', [err('en', 'contactMethod', 'invalidOption')]);
    assert.equal((await requestRow(t, requestId))?.answers, before, 'nothing saved');
    const atLimit = await saveSection(client, requestId, 'child', { diagnoses: 'x'.repeat(5000) }, 'later');
    assert.equal(atLimit.statusCode, 302);
  });

  test('save and return: signing in again later shows the saved answers', async () => {
    const { person, client, requestId } = await familyWithRequest(t, { complete: false });
    await saveSection(client, requestId, 'you', { phone: '07700 900982', contactMethod: 'phone', otherParents: 'Dad: Chris, 07700 900123' }, 'later');
    await saveSection(client, requestId, 'consent', { shareWith: ['health', 'socialCare'] }, 'later');
    t.clock.advance(3 * 24 * HOUR);
    assert.equal(locationOf(await client.get(`/send/requests/${requestId}`)), '/signed-out', 'the old session has ended');

    const again = await signedIn(t, person);
    const you = (await again.get(`/send/requests/${requestId}/sections/you`)).body;
    assert.equal(inputValue(you, 'phone'), '07700 900982');
    assert.deepEqual(checkedValues(you, 'contactMethod'), ['phone']);
    assert.equal(textareaValue(you, 'otherParents'), 'Dad: Chris, 07700 900123');
    const consent = (await again.get(`/send/requests/${requestId}/sections/consent`)).body;
    assert.deepEqual(checkedValues(consent, 'shareWith'), ['health', 'socialCare']);
    const all = await statuses(again, requestId);
    assert.equal(all.you, 'In progress');
    assert.equal(all.consent, 'In progress');
  });

  test('check your answers lists the answers and leaves out follow-up questions that were not asked', async () => {
    const { client, requestId } = await familyWithRequest(t, { complete: false });
    await fillRequest(client, requestId, {
      answers: {
        // A follow-up answered and then made irrelevant (its textarea is hidden, but a browser still sends it).
        child: { detailsCorrect: 'yes', detailsChanges: 'Old address' },
        education: { settingType: 'homeEducated', settingName: '', exclusions: 'no', exclusionDetails: '' },
      },
    });
    const page = await client.get(`/send/requests/${requestId}/check`);
    assert.equal(page.statusCode, 200);
    const text = textOf(page.body);
    const shown = [
      'About your child',
      'Are these details correct?',
      'Autism, being assessed for ADHD',
      'Your phone number',
      '01632 960 001',
      'Educated at home',
      'SEN support plan since Year 2, small group reading',
      'Finds it hard to follow spoken instructions',
      'Cognition and learning',
      'Who are they?',
      'Speech and language therapist, NHS',
      "Your child's school, college or setting, Health services (NHS)",
      'Alex Parent',
      words('en', 'request:check.submit'),
    ];
    for (const s of shown) assert.ok(text.includes(s), `shown: ${s}`);
    const hidden = ['What needs to change?', 'Old address', 'Language you need an interpreter for', 'Name of the school, college or setting', 'Tell us about the exclusions or reduced hours', 'Their name and team'];
    for (const s of hidden) assert.ok(!text.includes(s), `not shown: ${s}`);
    assert.ok(!text.includes(words('en', 'request:check.incomplete')));
  });

  test('a request with a section not completed cannot be sent', async () => {
    const { client, requestId } = await familyWithRequest(t, { complete: false });
    await fillRequest(client, requestId, { except: ['declaration'] });
    await saveSection(client, requestId, 'declaration', { signature: 'Alex Parent' }, 'later');
    const check = await client.get(`/send/requests/${requestId}/check`);
    const text = textOf(check.body);
    assert.ok(text.includes(words('en', 'request:check.incomplete')));
    assert.ok(text.includes(words('en', 'request:check.finishSection', { section: 'Declaration' })));
    assert.ok(!check.body.includes(`action="/send/requests/${requestId}/submit"`), 'no send button');

    const submit = await client.post(`/send/requests/${requestId}/submit`);
    assert.equal(submit.statusCode, 302);
    assert.equal(locationOf(submit), `/send/requests/${requestId}/check`);
    assert.equal((await casesOf(t, requestId)).length, 0);
    assert.equal((await requestRow(t, requestId))?.status, 'draft');

    // Completing it lets it through.
    await fillRequest(client, requestId, { except: SECTION_KEYS.filter((k) => k !== 'declaration') });
    const sent = await submitRequest(client, requestId);
    assert.equal(locationOf(sent), `/send/requests/${requestId}/confirmation`);
    assert.equal((await casesOf(t, requestId)).length, 1);
  });
});
