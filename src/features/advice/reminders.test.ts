import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { answeredBy, askForm, askOk, caseInAssessment, FAMILY_ADVICE } from '../../../test/support/advice.js';
import { type AccountsTestApp, createAccountsTestApp, createCitizen, type TestPerson } from '../../../test/support/accounts.js';
import { DAY } from '../../../test/support/cases.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import { moveClockToTenthOfJanuary, signedInAs, todayOf, words } from '../../../test/support/send.js';
import { addDays } from '../../domain/dates.js';
import { formatDate } from '../../platform/time.js';

const REMINDERS = ['adviceReminder', 'adviceOverdue', 'adviceReminderFamily', 'adviceOverdueFamily'];

describeEachDatabase('advice: reminders', (kind) => {
  let t: AccountsTestApp;
  before(async () => {
    t = await createAccountsTestApp(kind);
    moveClockToTenthOfJanuary(t);
  });
  after(() => t.close());

  const remindersTo = async (to: string) => (await t.mail.all(to)).filter((e) => REMINDERS.includes(e.template)).map((e) => ({ template: e.template, lang: e.lang, subject: e.subject, text: e.text }));

  test('a week before the due date, and once overdue, each open request is reminded once: professionals in English, the family adults each in their language; answered and withdrawn requests are not', async () => {
    const mum = await createCitizen(t, { twoStep: 'email', firstName: 'Alex', lang: 'en' });
    const dad = await createCitizen(t, { twoStep: 'email', firstName: 'Dafydd', lang: 'cy' });
    const { caseRow, staff } = await caseInAssessment(t, { adults: [mum, dad] });
    const open = await askOk(t, staff.client, caseRow.id, askForm('education'));
    const answered = await answeredBy(t, staff.client, caseRow.id, 'educationalPsychologist');
    const withdrawn = await askOk(t, staff.client, caseRow.id, askForm('health'));
    assert.equal((await staff.client.post(`/staff/cases/${caseRow.id}/advice/${withdrawn.id}/cancel`)).statusCode, 302);
    const familyRequest = await askOk(t, staff.client, caseRow.id, askForm('family', { name: 'Alex Parent', organisation: 'Family', email: mum.email }));
    const due = familyRequest.due_on;
    assert.equal(due, addDays(todayOf(t), 42));
    assert.equal(open.due_on, due);

    // Asking the family emails each adult, in their language.
    for (const [adult, lang] of [
      [mum, 'en'],
      [dad, 'cy'],
    ] as [TestPerson, 'en' | 'cy'][]) {
      const asked = (await t.mail.all(adult.email)).filter((e) => e.template === 'adviceRequestedFamily');
      assert.equal(asked.length, 1, adult.email);
      assert.equal(asked[0]?.lang, lang);
      assert.equal(asked[0]?.subject, words(lang, 'emails:adviceRequestedFamily.subject', { child: 'Sam' }));
      assert.ok(asked[0]?.text.includes(`/send/cases/${caseRow.reference}/advice`));
      assert.ok(asked[0]?.text.includes(formatDate(due, lang)));
    }

    const everyone = [open.email, answered.request.email, withdrawn.email, mum.email, dad.email];
    const noneYet = async (why: string) => {
      for (const to of everyone) assert.deepEqual(await remindersTo(to), [], `${why}: ${to}`);
    };

    // Day 34: due in 8 days, too early.
    t.clock.advance(34 * DAY);
    assert.equal(await t.app.advice.sendReminders(), 0);
    await noneYet('8 days before');

    // Day 35: due in 7 days.
    t.clock.advance(DAY);
    assert.equal(await t.app.advice.sendReminders(), 2, 'the open professional request and the family request');
    assert.equal(await t.app.advice.sendReminders(), 0, 'once');
    const first = await remindersTo(open.email);
    assert.deepEqual(
      first.map((e) => [e.template, e.lang, e.subject]),
      [['adviceReminder', 'en', words('en', 'emails:adviceReminder.subject', { child: 'Sam Taylor', dueOn: formatDate(due, 'en') })]],
    );
    assert.ok(first[0]?.text.includes('http://localhost:3000/professional'));
    for (const [adult, lang] of [
      [mum, 'en'],
      [dad, 'cy'],
    ] as [TestPerson, 'en' | 'cy'][]) {
      const got = await remindersTo(adult.email);
      assert.deepEqual(
        got.map((e) => [e.template, e.lang, e.subject]),
        [['adviceReminderFamily', lang, words(lang, 'emails:adviceReminderFamily.subject', { child: 'Sam', dueOn: formatDate(due, lang) })]],
        adult.email,
      );
      assert.ok(got[0]?.text.includes(`/send/cases/${caseRow.reference}/advice`));
    }
    for (const to of [answered.request.email, withdrawn.email]) assert.deepEqual(await remindersTo(to), [], to);

    // Days 36 to 42: nothing new (due on day 42 is not yet late).
    for (let day = 36; day <= 42; day++) {
      t.clock.advance(DAY);
      assert.equal(await t.app.advice.sendReminders(), 0, `day ${day}`);
    }

    // Day 43: overdue, once.
    t.clock.advance(DAY);
    assert.equal(await t.app.advice.sendReminders(), 2);
    assert.equal(await t.app.advice.sendReminders(), 0);
    t.clock.advance(7 * DAY);
    assert.equal(await t.app.advice.sendReminders(), 0, 'a week later, still nothing more');

    assert.deepEqual(
      (await remindersTo(open.email)).map((e) => [e.template, e.subject]),
      [
        ['adviceReminder', words('en', 'emails:adviceReminder.subject', { child: 'Sam Taylor', dueOn: formatDate(due, 'en') })],
        ['adviceOverdue', words('en', 'emails:adviceOverdue.subject', { child: 'Sam Taylor' })],
      ],
    );
    for (const [adult, lang] of [
      [mum, 'en'],
      [dad, 'cy'],
    ] as [TestPerson, 'en' | 'cy'][]) {
      assert.deepEqual(
        (await remindersTo(adult.email)).map((e) => [e.template, e.lang, e.subject]),
        [
          ['adviceReminderFamily', lang, words(lang, 'emails:adviceReminderFamily.subject', { child: 'Sam', dueOn: formatDate(due, lang) })],
          ['adviceOverdueFamily', lang, words(lang, 'emails:adviceOverdueFamily.subject', { child: 'Sam' })],
        ],
        adult.email,
      );
    }
    for (const to of [answered.request.email, withdrawn.email]) assert.deepEqual(await remindersTo(to), [], to);
  });

  test('a request first seen when already overdue gets only the overdue reminder, once; the family answering stops theirs', async () => {
    const { caseRow, staff, adults } = await caseInAssessment(t);
    const late = await askOk(t, staff.client, caseRow.id, askForm('socialCare'));
    await askOk(t, staff.client, caseRow.id, askForm('family', { email: 'family@example.com' }));
    t.clock.advance(50 * DAY);
    // The family sends their advice late, before any reminder run: it answers the family request.
    const parent = adults[0] as TestPerson;
    const client = await signedInAs(t, parent);
    await client.get(`/send/cases/${caseRow.reference}/advice`);
    assert.equal((await client.post(`/send/cases/${caseRow.reference}/advice`, FAMILY_ADVICE)).statusCode, 302);
    assert.equal(await t.app.advice.sendReminders(), 1);
    assert.deepEqual(await remindersTo(parent.email), []);
    assert.deepEqual(
      (await remindersTo(late.email)).map((e) => e.template),
      ['adviceOverdue'],
    );
    assert.equal(await t.app.advice.sendReminders(), 0);
  });
});
