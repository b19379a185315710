import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AccountsTestApp, createAccountsTestApp, createCitizen, signedIn, type TestPerson } from '../../../test/support/accounts.js';
import type { Client } from '../../../test/support/app.js';
import { actOk, advanceDays, longDate, paginationLinks, queueRows, seedCase, staffMember, staffPost } from '../../../test/support/cases.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import { moveClockToTenthOfJanuary, todayOf, words } from '../../../test/support/send.js';
import { addDays } from '../../domain/dates.js';
import type { CaseRow } from './repo.js';

describeEachDatabase('cases: the work queue', (kind) => {
  let t: AccountsTestApp;
  let today: string;
  let me: { person: TestPerson; client: Client };
  let colleague: { person: TestPerson; client: Client };
  const c: Record<'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G', CaseRow> = {} as never;

  before(async () => {
    t = await createAccountsTestApp(kind);
    moveClockToTenthOfJanuary(t);
    today = todayOf(t);
    const parent = await createCitizen(t);
    me = await staffMember(t, 'caseworker', { firstName: 'Casey', lastName: 'Worker' });
    colleague = await staffMember(t, 'caseworker', { firstName: 'Robin', lastName: 'Other' });
    const seed = (firstName: string, lastName: string, daysAgo: number) => seedCase(t, { adults: [parent], firstName, lastName, receivedOn: addDays(today, -daysAgo) });
    // The decision is due 42 days after the request: A 8 days ago, B today, C in 7 days, D in 8, E in 42.
    c.A = await seed('Ava', 'Taylor', 50);
    c.B = await seed('Ben', 'Staysworth', 42);
    c.C = await seed('Cara', 'Jones', 35);
    c.D = await seed('Dan', 'Price', 34);
    c.E = await seed('Eli', 'Taylor', 0);
    c.F = await seed('Fay', 'Brown', 20);
    c.G = await seed('Gus', 'Green', 10);
    await actOk(t, me.client, c.F.id, 'withdraw', { reasons: 'The family moved away.' });
    // In assessment, the next date is the draft plan's: 16 weeks from the request, in 102 days.
    await actOk(t, me.client, c.G.id, 'decision_to_assess');
  });
  after(() => t.close());

  const refs = (...keys: (keyof typeof c)[]) => keys.map((k) => c[k].reference);
  const queue = async (query = '', client = me.client) => {
    const res = await client.get(`/staff${query}`);
    assert.equal(res.statusCode, 200, query);
    return { res, rows: queueRows(res.body) };
  };

  test('open cases, most urgent first: sorted by the next statutory date, with red / amber / green tags', async () => {
    const { res, rows } = await queue();
    assert.deepEqual(
      rows.map((r) => r.reference),
      refs('A', 'B', 'C', 'D', 'E', 'G'),
    );
    assert.ok(res.body.includes(words('en', 'staff:queue.count', { count: 6 })));
    assert.deepEqual(
      rows.map((r) => [r.tag, r.tagText]),
      [
        ['red', words('en', 'staff:rag.red')],
        ['yellow', words('en', 'staff:rag.amber')],
        ['yellow', words('en', 'staff:rag.amber')],
        ['green', words('en', 'staff:rag.green')],
        ['green', words('en', 'staff:rag.green')],
        ['green', words('en', 'staff:rag.green')],
      ],
    );
    assert.deepEqual(
      rows.map((r) => r.next),
      [-8, 0, 7, 8, 42, 102].map((d) => longDate(addDays(today, d))),
    );
    assert.equal(rows[0]?.child, 'ava taylor');
    assert.equal(rows[0]?.id, c.A.id);
    assert.equal(rows[5]?.stage, words('en', 'send:stages.assessment'));
  });

  test('the stage filter, including closed stages', async () => {
    assert.deepEqual(
      (await queue('?stage=assessment')).rows.map((r) => r.reference),
      refs('G'),
    );
    assert.deepEqual(
      (await queue('?stage=received')).rows.map((r) => r.reference),
      refs('A', 'B', 'C', 'D', 'E'),
    );
    const withdrawn = (await queue('?stage=withdrawn')).rows;
    assert.deepEqual(
      withdrawn.map((r) => [r.reference, r.next, r.tag]),
      [[c.F.reference, '–', undefined]],
    );
    assert.equal((await queue('?stage=nonsense')).rows.length, 6, 'an unknown stage is ignored');
  });

  test('overdue, and due in the next 7 days: exactly 7 days ahead is included, 8 is not, today is', async () => {
    assert.deepEqual(
      (await queue('?due=overdue')).rows.map((r) => r.reference),
      refs('A'),
    );
    assert.deepEqual(
      (await queue('?due=week')).rows.map((r) => r.reference),
      refs('B', 'C'),
    );
    assert.deepEqual(
      (await queue('?due=week&stage=received')).rows.map((r) => r.reference),
      refs('B', 'C'),
    );
  });

  test('assigned to me: each caseworker sees their own cases; the queue names the caseworker', async () => {
    for (const [key, who] of [
      ['A', me],
      ['D', me],
      ['C', colleague],
    ] as const) {
      const res = await staffPost(me.client, c[key].id, 'assign', { assignee: who.person.id });
      assert.equal(res.statusCode, 302);
    }
    assert.deepEqual(
      (await queue('?mine=1')).rows.map((r) => r.reference),
      refs('A', 'D'),
    );
    assert.deepEqual(
      (await queue('?mine=1', colleague.client)).rows.map((r) => r.reference),
      refs('C'),
    );
    assert.deepEqual(
      (await queue('?mine=1&due=overdue')).rows.map((r) => r.reference),
      refs('A'),
    );
    const rows = (await queue()).rows;
    assert.deepEqual(
      rows.map((r) => r.assignee),
      ['Casey Worker', words('en', 'staff:queue.unassigned'), 'Robin Other', 'Casey Worker', words('en', 'staff:queue.unassigned'), words('en', 'staff:queue.unassigned')],
    );
  });

  test("search: the exact reference (any case, spaces around), or the start of the child's last name", async () => {
    const search = async (q: string) => (await queue(`?q=${encodeURIComponent(q)}`)).rows.map((r) => r.reference);
    assert.deepEqual(await search(c.C.reference.toLowerCase()), refs('C'));
    assert.deepEqual(await search(`  ${c.C.reference}  `), refs('C'));
    assert.deepEqual(await search(c.C.reference.slice(0, -1)), [], 'a reference must be exact');
    assert.deepEqual(await search('tay'), refs('A', 'E'));
    assert.deepEqual(await search('TAYLOR'), refs('A', 'E'));
    assert.deepEqual(await search('Stays'), refs('B'));
    assert.deepEqual(await search('ays'), [], 'the middle of a name does not match');
    assert.deepEqual(await search('%'), [], '% is a character to find, not a wildcard');
    assert.deepEqual(await search('t_ylor'), [], '_ is a character to find, not a wildcard');
    assert.deepEqual(await search('\\'), []);
    assert.deepEqual(await search('brown'), [], 'closed cases are not in the open queue');
    const none = await queue('?q=zzz');
    assert.ok(none.res.body.includes(words('en', 'staff:queue.none')));
    assert.deepEqual(
      (await queue('?q=taylor&due=overdue')).rows.map((r) => r.reference),
      refs('A'),
    );
    assert.ok((await queue('?q=taylor')).res.body.includes('value="taylor"'), 'the search box keeps the term');
  });

  test('as the clock moves past the 6-week date the case becomes overdue (red); on the day itself it is amber', async () => {
    advanceDays(t, 42);
    const client = await signedIn(t, me.person);
    let rows = (await queue('', client)).rows;
    assert.equal(rows.find((r) => r.reference === c.E.reference)?.tag, 'yellow', 'due today');
    assert.ok(!(await queue('?due=overdue', client)).rows.some((r) => r.reference === c.E.reference));
    advanceDays(t, 1);
    const later = await signedIn(t, me.person);
    rows = (await queue('?due=overdue', later)).rows;
    assert.deepEqual(
      rows.map((r) => r.reference),
      refs('A', 'B', 'C', 'D', 'E'),
    );
    assert.ok(rows.every((r) => r.tag === 'red'));
    assert.deepEqual(
      (await queue('?due=week', later)).rows.map((r) => r.reference),
      [],
    );
  });
});

describeEachDatabase('cases: the work queue in pages', (kind) => {
  let t: AccountsTestApp;
  let client: Client;
  const seeded: CaseRow[] = [];
  before(async () => {
    t = await createAccountsTestApp(kind);
    moveClockToTenthOfJanuary(t);
    const parent = await createCitizen(t);
    for (let i = 0; i < 30; i++) seeded.push(await seedCase(t, { adults: [parent], firstName: `Child${i}`, lastName: 'Pagewood', receivedOn: addDays(todayOf(t), -i) }));
    client = (await staffMember(t, 'caseworker')).client;
  });
  after(() => t.close());

  test('30 cases: 25 on page 1, the other 5 on page 2, with working Next and Previous links that keep the filters', async () => {
    // The oldest request has the nearest decision date.
    const expected = [...seeded].reverse().map((r) => r.reference);
    for (const filter of ['', 'q=pagewood&']) {
      const first = await client.get(`/staff?${filter}`.replace(/[?&]$/, ''));
      assert.ok(first.body.includes(words('en', 'staff:queue.count', { count: 30 })));
      const page1 = queueRows(first.body).map((r) => r.reference);
      assert.equal(page1.length, 25);
      const links1 = paginationLinks(first.body);
      assert.equal(links1.prev, undefined);
      assert.equal(links1.next, `/staff?${filter}page=2`);
      const second = await client.get(links1.next ?? '');
      const page2 = queueRows(second.body).map((r) => r.reference);
      assert.equal(page2.length, 5);
      assert.deepEqual([...page1, ...page2], expected);
      const links2 = paginationLinks(second.body);
      assert.equal(links2.next, undefined);
      assert.equal(links2.prev, `/staff?${filter}page=1`);
      assert.deepEqual(
        queueRows((await client.get(links2.prev ?? '')).body).map((r) => r.reference),
        page1,
      );
    }
    assert.deepEqual(
      queueRows((await client.get('/staff?page=banana')).body).map((r) => r.reference),
      expected.slice(0, 25),
      'a page that is not a number is page 1',
    );
  });
});
