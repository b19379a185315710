import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AccountsTestApp, createAccountsTestApp, createCitizen, signedIn, type TestPerson } from '../../../test/support/accounts.js';
import type { Client } from '../../../test/support/app.js';
import { actOk, advanceDays, caseById, decodeHtml, linksTo, longDate, queueRows, seedCase, staffMember } from '../../../test/support/cases.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import { moveClockToTenthOfJanuary, todayOf, words } from '../../../test/support/send.js';
import { addDays } from '../../domain/dates.js';
import type { CaseRow } from './repo.js';

describeEachDatabase("cases: the manager's dashboard", (kind) => {
  let t: AccountsTestApp;
  let start: string;
  let today: string;
  let manager: Client;
  const c: Record<'P' | 'Q' | 'R' | 'S' | 'U' | 'V', CaseRow> = {} as never;

  before(async () => {
    t = await createAccountsTestApp(kind);
    moveClockToTenthOfJanuary(t);
    start = todayOf(t);
    const parent = await createCitizen(t);
    const caseworker = await staffMember(t, 'caseworker');
    const worker: TestPerson = caseworker.person;
    let client = caseworker.client;
    for (const [key, name] of [
      ['P', 'Poppy'],
      ['Q', 'Quinn'],
      ['R', 'Rosa'],
      ['S', 'Saul'],
      ['U', 'Uma'],
    ] as const) {
      c[key] = await seedCase(t, { adults: [parent], firstName: name, lastName: 'Dash' });
    }
    /** Moves the clock to `day` days after the requests, signing the caseworker in again. */
    const dayOf = async (day: number) => {
      advanceDays(t, day - (Date.parse(todayOf(t)) - Date.parse(start)) / 86_400_000);
      assert.equal(todayOf(t), addDays(start, day));
      client = await signedIn(t, worker);
    };
    // Decisions whether to assess: P in 5 weeks, Q and U on the last day (6 weeks), R late (7 weeks); S never.
    await dayOf(35);
    await actOk(t, client, c.P.id, 'decision_to_assess');
    await dayOf(42);
    await actOk(t, client, c.Q.id, 'decision_not_to_assess', { reasons: 'Needs met at SEN support.' });
    await actOk(t, client, c.U.id, 'decision_to_assess');
    await dayOf(49);
    await actOk(t, client, c.R.id, 'decision_to_assess');
    // Final plans: P on the last day (20 weeks), R two weeks late; recorded on day 154 with the dates of the letters.
    await dayOf(154);
    await actOk(t, client, c.P.id, 'draft_plan_issued', { date: addDays(start, 105), pdf: true });
    await actOk(t, client, c.R.id, 'draft_plan_issued', { date: addDays(start, 126), pdf: true });
    await actOk(t, client, c.P.id, 'final_plan_issued', { date: addDays(start, 140), pdf: true });
    await actOk(t, client, c.R.id, 'final_plan_issued', { date: addDays(start, 154), pdf: true });
    c.V = await seedCase(t, { adults: [parent], firstName: 'Vic', lastName: 'Dash', receivedOn: addDays(start, 150) });
    today = todayOf(t);
    manager = (await staffMember(t, 'manager')).client;
  });
  after(() => t.close());

  const refs = (...keys: (keyof typeof c)[]) => keys.map((k) => c[k].reference).sort();
  const testId = (html: string, id: string) => decodeHtml(html.match(new RegExp(`data-testid="${id}"[^>]*>([\\s\\S]*?)</`))?.[1] ?? '');
  const figureLinks = (html: string) => Object.fromEntries(linksTo(html, '/staff?').map(([href, text]) => [text, href]));

  test('the stored figures match what happened', async () => {
    const row = async (k: keyof typeof c) => {
      const r = await caseById(t, c[k].id);
      return [r.stage, r.decision_days, r.final_plan_days];
    };
    assert.deepEqual(await row('P'), ['plan_maintained', 35, 140]);
    assert.deepEqual(await row('Q'), ['closed_not_assessed', 42, null]);
    assert.deepEqual(await row('R'), ['plan_maintained', 49, 154]);
    assert.deepEqual(await row('S'), ['received', null, null]);
    assert.deepEqual(await row('U'), ['assessment', 42, null]);
  });

  test('the last year: percentages, counts, average weeks and overdue now; each figure links to exactly its cases', async () => {
    const res = await manager.get('/staff/dashboard');
    assert.equal(res.statusCode, 200);
    const html = res.body;
    const from = addDays(today, -365);
    assert.ok(html.includes(words('en', 'staff:dashboard.period', { from: longDate(from), to: longDate(today) })));
    // Decisions: 3 of 4 within 6 weeks; (35 + 42 + 42 + 49) / 4 = 42 days = 6.0 weeks.
    assert.equal(testId(html, 'decisions-pct'), '75%');
    // Final plans: 1 of 2 within 20 weeks; (140 + 154) / 2 = 147 days = 21.0 weeks.
    assert.equal(testId(html, 'final-pct'), '50%');
    const text = decodeHtml(html);
    for (const phrase of [
      words('en', 'staff:dashboard.avgWeeks', { weeks: '6.0' }),
      words('en', 'staff:dashboard.avgWeeks', { weeks: '21.0' }),
      `${words('en', 'staff:dashboard.overdueNow', { count: 2 })} ${words('en', 'staff:dashboard.ofOpen', { count: 5 })}`,
    ]) {
      assert.ok(text.includes(phrase), phrase);
    }

    const links = figureLinks(html);
    const expected: [string, string[]][] = [
      [words('en', 'staff:dashboard.decidedTotal', { count: 4 }), refs('P', 'Q', 'R', 'U')],
      [words('en', 'staff:dashboard.finalTotal', { count: 2 }), refs('P', 'R')],
      [words('en', 'staff:dashboard.overdueNow', { count: 2 }), refs('S', 'U')],
    ];
    // "On time" and "Late" appear once for decisions and once for final plans, in that order.
    const all = linksTo(html, '/staff?');
    const onTime = all.filter(([, text]) => text.startsWith('On time'));
    const late = all.filter(([, text]) => text.startsWith('Late'));
    assert.deepEqual(
      onTime.map(([, text]) => text),
      [words('en', 'staff:dashboard.onTime', { count: 3 }), words('en', 'staff:dashboard.onTime', { count: 1 })],
    );
    assert.deepEqual(
      late.map(([, text]) => text),
      [words('en', 'staff:dashboard.late', { count: 1 }), words('en', 'staff:dashboard.late', { count: 1 })],
    );
    const lists: [string | undefined, string[], string?][] = [
      ...expected.map(([text, want]) => [links[text], want] as [string | undefined, string[]]),
      [onTime[0]?.[0], refs('P', 'Q', 'U'), 'decidedOnTime'],
      [late[0]?.[0], refs('R'), 'decidedLate'],
      [onTime[1]?.[0], refs('P'), 'finalOnTime'],
      [late[1]?.[0], refs('R'), 'finalLate'],
    ];
    for (const [href, want, metric] of lists) {
      assert.ok(href, `a link for ${want.join(', ')}`);
      if (metric) assert.ok(href.includes(`metric=${metric}&`), href);
      const page = await manager.get(href);
      assert.equal(page.statusCode, 200, href);
      assert.deepEqual(
        queueRows(page.body)
          .map((r) => r.reference)
          .sort(),
        want,
        href,
      );
      assert.ok(page.body.includes(words('en', 'staff:queue.count', { count: want.length })), href);
      if (metric) assert.ok(decodeHtml(page.body).includes(words('en', `staff:queue.report.${metric}`, { from: longDate(from), to: longDate(today) })), `${href} says what it lists`);
    }
  });

  test('closed cases (no next date) come after the open ones in a report, on both databases', async () => {
    const page = await manager.get(`/staff?metric=decided&from=${addDays(today, -365)}&to=${today}`);
    assert.deepEqual(
      queueRows(page.body).map((r) => r.reference),
      // U's next date is the draft plan (day 112), P's and R's the annual review; Q is closed.
      [c.U.reference, c.P.reference, c.R.reference, c.Q.reference],
    );
  });

  test('a shorter period: only the decisions made in it, and the links keep the period', async () => {
    const from = addDays(start, 40);
    const res = await manager.get(`/staff/dashboard?from=${from}&to=${today}`);
    // Q and U on day 42 (on time), R on day 49 (late): 66.7%, (42 + 42 + 49) / 3 = 44.3 days = 6.3 weeks.
    assert.equal(testId(res.body, 'decisions-pct'), '66.7%');
    assert.ok(decodeHtml(res.body).includes(words('en', 'staff:dashboard.avgWeeks', { weeks: '6.3' })));
    const href = figureLinks(res.body)[words('en', 'staff:dashboard.decidedTotal', { count: 3 })];
    assert.equal(href, `/staff?metric=decided&from=${from}&to=${today}`);
    assert.deepEqual(
      queueRows((await manager.get(href)).body)
        .map((r) => r.reference)
        .sort(),
      refs('Q', 'R', 'U'),
    );

    const empty = await manager.get(`/staff/dashboard?from=${start}&to=${start}`);
    assert.equal(testId(empty.body, 'decisions-pct'), '–');
    assert.equal(testId(empty.body, 'final-pct'), '–');
    assert.ok(decodeHtml(empty.body).includes(words('en', 'staff:dashboard.decidedTotal', { count: 0 })));
  });
});
