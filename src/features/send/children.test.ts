import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AccountsTestApp, createAccountsTestApp, createCitizen, inputValue, locationOf, signedIn } from '../../../test/support/accounts.js';
import { Client, textOf } from '../../../test/support/app.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import {
  addChild,
  assertFormErrors,
  checkedValues,
  childForm,
  dateFields,
  type ExpectedError,
  fieldError,
  type Lang,
  selectedOption,
  selfForm,
  todayOf,
  words,
  yearsBefore,
} from '../../../test/support/send.js';
import { addDays } from '../../domain/dates.js';

/** The messages of an empty "Add a child" form, in page order (a date links to its day box). */
function emptyFormErrors(lang: Lang, self = false): ExpectedError[] {
  const required = ['firstName', 'lastName', 'dateOfBirth', 'gender', 'address1', 'town', 'postcode', 'homeLanguage', 'interpreterNeeded', ...(self ? [] : ['relationship', 'parentalResponsibility'])];
  return required.map((field) => ({ field, text: fieldError(lang, 'send', field, 'required'), href: field === 'dateOfBirth' ? '#dateOfBirth-day' : `#${field}` }));
}

const one = (lang: Lang, field: string, key: string, max?: number): ExpectedError[] => [
  { field, text: fieldError(lang, 'send', field, key, max), href: field === 'dateOfBirth' ? '#dateOfBirth-day' : `#${field}` },
];

describeEachDatabase('SEND: the home page and adding a child', (kind) => {
  let t: AccountsTestApp;
  let client: Client;
  before(async () => {
    t = await createAccountsTestApp(kind);
    // A birthday that does not exist every year would make "16 years ago today" ambiguous.
    if (todayOf(t).endsWith('-02-29')) t.clock.advance(24 * 60 * 60 * 1000);
    client = await signedIn(t, await createCitizen(t, { twoStep: 'email' }));
  });
  after(() => t.close());

  const children = () => t.app.db.selectFrom('children').selectAll().execute();
  const post = async (form: Record<string, string>, url = '/send/children/new') => {
    await client.get(url);
    return client.post(url, form);
  };

  test('the SEND area needs sign-in with two step verification by email', async () => {
    const anonymous = await new Client(t.app).get('/send');
    assert.equal(anonymous.statusCode, 302);
    assert.equal(locationOf(anonymous), '/login');
    assert.equal(locationOf(await new Client(t.app).get('/send/children/new')), '/login');

    for (const twoStep of [undefined, 'app'] as const) {
      const person = await createCitizen(t, { twoStep });
      const other = await signedIn(t, person);
      const page = await other.get('/send');
      assert.equal(page.statusCode, 403, `two-step ${twoStep ?? 'off'}`);
      const h1 = page.body.match(/<h1[^>]*>([\s\S]*?)<\/h1>/)?.[1]?.trim();
      assert.equal(h1, 'This area requires two step verification');
      assert.equal(h1, words('en', 'account:twoStepRequired.title'));
      assert.equal((await other.get('/send/children/new')).statusCode, 403);
      assert.equal((await other.post('/send/children/new', childForm(t))).statusCode, 403);
    }
    assert.equal((await children()).length, 0, 'nothing was added by people without email two-step');

    const home = await client.get('/send');
    assert.equal(home.statusCode, 200);
    assert.ok(textOf(home.body).includes(words('en', 'send:home.title')));
  });

  test('an empty form: every required question is asked for, linked from the error summary', async () => {
    const res = await post({});
    assertFormErrors(res, 'en', emptyFormErrors('en'));
    assert.equal(fieldError('en', 'send', 'firstName', 'required'), 'Enter the first name');
    // Optional and follow-up questions are not in error.
    for (const f of ['preferredName', 'address2', 'school', 'yearGroup', 'interpreterLanguage', 'upn', 'nhsNumber', 'relationshipOther']) {
      assert.ok(!res.body.includes(`id="${f}-error"`), f);
    }
  });

  test('answers are kept in the re-rendered form, and nothing is saved until every answer is right', async () => {
    const before = (await children()).length;
    const res = await post(
      childForm(t, {
        firstName: 'Sam',
        lastName: '',
        preferredName: 'Sammy',
        gender: 'female',
        yearGroup: 'year4',
        'dateOfBirth-day': '31',
        'dateOfBirth-month': '2',
        'dateOfBirth-year': '2020',
        interpreterNeeded: 'yes',
        interpreterLanguage: 'Polish',
        relationship: 'other',
        relationshipOther: 'Aunt',
        postcode: 'TS18',
        upn: 'A123',
        nhsNumber: '943 476 5918',
      }),
    );
    assertFormErrors(res, 'en', [
      { field: 'lastName', text: 'Enter the last name' },
      { field: 'dateOfBirth', text: 'Date of birth must be a real date', href: '#dateOfBirth-day' },
      { field: 'postcode', text: words('en', 'send:fields.postcode.invalid') },
      { field: 'upn', text: words('en', 'send:fields.upn.invalid') },
      { field: 'nhsNumber', text: words('en', 'send:fields.nhsNumber.invalid') },
    ]);
    const html = res.body;
    assert.equal(inputValue(html, 'firstName'), 'Sam');
    assert.equal(inputValue(html, 'preferredName'), 'Sammy');
    assert.equal(inputValue(html, 'address1'), '1 High Street');
    assert.equal(inputValue(html, 'dateOfBirth-day'), '31');
    assert.equal(inputValue(html, 'dateOfBirth-month'), '2');
    assert.equal(inputValue(html, 'dateOfBirth-year'), '2020');
    assert.equal(inputValue(html, 'interpreterLanguage'), 'Polish');
    assert.equal(inputValue(html, 'relationshipOther'), 'Aunt');
    assert.equal(inputValue(html, 'postcode'), 'TS18');
    assert.equal(inputValue(html, 'upn'), 'A123');
    assert.equal(inputValue(html, 'nhsNumber'), '9434765918');
    assert.deepEqual(checkedValues(html, 'gender'), ['female']);
    assert.deepEqual(checkedValues(html, 'interpreterNeeded'), ['yes']);
    assert.deepEqual(checkedValues(html, 'relationship'), ['other']);
    assert.deepEqual(checkedValues(html, 'parentalResponsibility'), ['yes']);
    assert.equal(selectedOption(html, 'yearGroup'), 'year4');
    assert.equal((await children()).length, before);
  });

  test('text too long and answers that are not among the options are refused', async () => {
    assertFormErrors(await post(childForm(t, { firstName: 'x'.repeat(101) })), 'en', [{ field: 'firstName', text: 'First name must be 100 characters or fewer' }]);
    assertFormErrors(await post(childForm(t, { address1: 'x'.repeat(201) })), 'en', one('en', 'address1', 'tooLong', 200));
    assertFormErrors(await post(childForm(t, { gender: 'robot' })), 'en', [{ field: 'gender', text: 'Select one of the options for Gender' }]);
    assertFormErrors(await post(childForm(t, { yearGroup: 'year99' })), 'en', one('en', 'yearGroup', 'invalidOption'));
    assertFormErrors(await post(childForm(t, { relationship: 'boss' })), 'en', one('en', 'relationship', 'invalidOption'));
  });

  test('dates of birth: real dates only, not in the future', async () => {
    const today = todayOf(t);
    for (const [day, month, year] of [
      ['31', '2', '2020'],
      ['29', '2', '2019'],
      ['0', '1', '2020'],
      ['1', '13', '2020'],
      ['x', '1', '2020'],
      ['1', '1', '20'],
      ['', '1', '2020'],
    ] as const) {
      const res = await post(childForm(t, { 'dateOfBirth-day': day, 'dateOfBirth-month': month, 'dateOfBirth-year': year }));
      assertFormErrors(res, 'en', one('en', 'dateOfBirth', 'invalidDate'));
      assert.equal(inputValue(res.body, 'dateOfBirth-day') ?? '', day, `${day} ${month} ${year} kept`);
    }
    assertFormErrors(await post(childForm(t, dateFields(addDays(today, 1)))), 'en', [
      { field: 'dateOfBirth', text: 'Date of birth must be in the past', href: '#dateOfBirth-day' },
    ]);
    const id = await addChild(t, client, { firstName: 'Leap', ...dateFields('2020-02-29') });
    const row = await t.app.db.selectFrom('children').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.date_of_birth, '2020-02-29');
    const bornToday = await addChild(t, client, { firstName: 'Newborn', ...dateFields(today) });
    assert.ok(bornToday);
  });

  test('postcode, Unique Pupil Number and NHS number (modulus 11) are checked, and stored in one form', async () => {
    for (const postcode of ['TS18', '12345', 'TS18 1A', 'TS181AUX']) {
      assertFormErrors(await post(childForm(t, { postcode })), 'en', [{ field: 'postcode', text: 'Enter a real postcode, like TS18 1AU' }]);
    }
    for (const upn of ['A123', '1123456789012', 'A12345678901', 'A1234567890123', 'AB2345678901C']) {
      assertFormErrors(await post(childForm(t, { upn })), 'en', one('en', 'upn', 'invalid'));
    }
    for (const nhsNumber of ['943 476 5918', '943 476 591', '943476591X', '0000000001']) {
      assertFormErrors(await post(childForm(t, { nhsNumber })), 'en', [{ field: 'nhsNumber', text: 'Enter a real 10-digit NHS number' }]);
    }
    const id = await addChild(t, client, { firstName: 'Numbers', postcode: 'ts18   1au', upn: 'a12345678901b', nhsNumber: '943 476 5919' });
    const row = await t.app.db.selectFrom('children').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.postcode, 'TS18 1AU');
    assert.equal(row.upn, 'A12345678901B');
    assert.equal(row.nhs_number, '9434765919');
    const other = await addChild(t, client, { firstName: 'Dashes', postcode: 'M1 1AE', nhsNumber: '943-476-5919' });
    assert.ok(other);
  });

  test('follow-up questions are required only when their condition holds', async () => {
    assertFormErrors(await post(childForm(t, { interpreterNeeded: 'yes', interpreterLanguage: '' })), 'en', [
      { field: 'interpreterLanguage', text: 'Enter the language the interpreter is needed for' },
    ]);
    assertFormErrors(await post(childForm(t, { relationship: 'other', relationshipOther: '' })), 'en', [{ field: 'relationshipOther', text: 'Describe your relationship to the child' }]);

    // Not asked: not required, and an answer left in a hidden follow-up is not kept.
    const noInterpreter = await addChild(t, client, { firstName: 'Nointerp', interpreterNeeded: 'no', interpreterLanguage: 'French', relationship: 'father', relationshipOther: 'Uncle' });
    const withInterpreter = await addChild(t, client, { firstName: 'Interp', interpreterNeeded: 'yes', interpreterLanguage: 'Welsh', relationship: 'other', relationshipOther: 'Aunt' });
    const rows = await t.app.db.selectFrom('children').innerJoin('child_links', 'child_links.child_id', 'children.id').select(['children.id', 'interpreter', 'relationship']).where('children.id', 'in', [noInterpreter, withInterpreter]).execute();
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    assert.equal(byId[noInterpreter]?.interpreter, null);
    assert.equal(byId[noInterpreter]?.relationship, 'father');
    assert.equal(byId[withInterpreter]?.interpreter, 'Welsh');
    assert.equal(byId[withInterpreter]?.relationship, 'other:Aunt');
  });

  test('in Welsh the same errors come from the Welsh locale', async () => {
    const welsh = await signedIn(t, await createCitizen(t, { twoStep: 'email' }));
    const form = await welsh.get('/send/children/new?lng=cy');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /<html lang="cy"/);
    assertFormErrors(await welsh.post('/send/children/new', {}), 'cy', emptyFormErrors('cy'));
    assertFormErrors(await welsh.post('/send/children/new', childForm(t, { 'dateOfBirth-day': '31', 'dateOfBirth-month': '2', 'dateOfBirth-year': '2020' })), 'cy', one('cy', 'dateOfBirth', 'invalidDate'));
    assertFormErrors(await welsh.post('/send/children/new', childForm(t, dateFields(addDays(todayOf(t), 3)))), 'cy', one('cy', 'dateOfBirth', 'future'));
    assertFormErrors(await welsh.post('/send/children/new', childForm(t, { nhsNumber: '943 476 5918', postcode: 'TS18' })), 'cy', [...one('cy', 'postcode', 'invalid'), ...one('cy', 'nhsNumber', 'invalid')]);
    assertFormErrors(await welsh.post('/send/children/new', childForm(t, { interpreterNeeded: 'yes', firstName: 'x'.repeat(101) })), 'cy', [
      ...one('cy', 'firstName', 'tooLong', 100),
      ...one('cy', 'interpreterLanguage', 'required'),
    ]);
    assertFormErrors(await welsh.post('/send/children/new?self=1', selfForm(t, 15)), 'cy', one('cy', 'dateOfBirth', 'notYoungPerson'));
  });

  test('a young person can add themselves from 16 until their 26th birthday', async () => {
    const today = todayOf(t);
    const young = await signedIn(t, await createCitizen(t, { twoStep: 'email', firstName: 'Jordan' }));
    const self = async (dob: string) => {
      await young.get('/send/children/new?self=1');
      return young.post('/send/children/new?self=1', selfForm(t, 20, dateFields(dob)));
    };
    const refused = one('en', 'dateOfBirth', 'notYoungPerson');
    assertFormErrors(await self(yearsBefore(today, 16, 1)), 'en', refused); // 15, sixteen tomorrow
    assertFormErrors(await self(yearsBefore(today, 26)), 'en', refused); // 26 today
    assertFormErrors(await self(yearsBefore(today, 40)), 'en', refused);
    for (const dob of [yearsBefore(today, 16), yearsBefore(today, 26, 1)]) {
      const res = await self(dob); // 16 today; 25, twenty-six tomorrow
      assert.equal(res.statusCode, 302, `born ${dob}`);
      const id = locationOf(res).split('/').at(-1) as string;
      const row = await t.app.db.selectFrom('children').innerJoin('child_links', 'child_links.child_id', 'children.id').select(['is_self', 'relationship', 'parental_responsibility', 'date_of_birth']).where('children.id', '=', id).executeTakeFirstOrThrow();
      assert.deepEqual(row, { is_self: 1, relationship: 'self', parental_responsibility: 1, date_of_birth: dob });
    }
    // The young person's own form asks no relationship questions.
    const empty = await young.post('/send/children/new?self=1', {});
    assertFormErrors(empty, 'en', emptyFormErrors('en', true));
  });

  test('a child of a parent or carer must be 25 or under', async () => {
    const today = todayOf(t);
    assertFormErrors(await post(childForm(t, dateFields(yearsBefore(today, 26)))), 'en', [
      { field: 'dateOfBirth', text: 'Check the date of birth: EHC plans are for children and young people up to 25', href: '#dateOfBirth-day' },
    ]);
    assert.ok(await addChild(t, client, { firstName: 'Older', ...dateFields(yearsBefore(today, 26, 1)) }));
  });

  test('the child is added, linked to the parent, shown on its page and on the home page', async () => {
    const person = await createCitizen(t, { twoStep: 'email' });
    const parent = await signedIn(t, person);
    const id = await addChild(t, parent, { firstName: 'Robin', lastName: 'Hughes', preferredName: 'Rob', relationship: 'grandparent', parentalResponsibility: 'no' });
    const page = await parent.get(`/send/children/${id}`);
    assert.equal(page.statusCode, 200);
    const text = textOf(page.body);
    for (const s of ['Robin has been added.', 'Robin Hughes', 'Rob', 'Stockton-on-Tees', 'TS18 1AU', 'Oak Primary School', 'Year 4', 'grandparent']) assert.ok(text.includes(s), s);
    assert.ok(!text.includes(words('en', 'send:child.hasPr')), 'no parental responsibility');
    const home = textOf((await parent.get('/send')).body);
    assert.ok(home.includes('Rob (Robin Hughes)'));
    const audit = await t.app.db.selectFrom('audit_events').select(['action', 'subject_id']).where('actor_id', '=', person.id).where('action', '=', 'child.added').execute();
    assert.deepEqual(audit, [{ action: 'child.added', subject_id: id }]);
  });
});
