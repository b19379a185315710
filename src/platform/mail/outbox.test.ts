import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { KyselyPlugin, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { Client, createTestApp, type TestApp, testConfig, textOf } from '../../../test/support/app.js';
import { describeEachDatabase } from '../../../test/support/databases.js';
import { parseEmail, SmtpSink } from '../../../test/support/smtp-sink.js';
import { type Db, openDatabase } from '../../db/database.js';
import { createI18n, type I18n, type Lang } from '../i18n.js';
import { createViewEnvironment } from '../views.js';
import type { EmailRequest } from './outbox.js';
import { renderEmail } from './render.js';
import { type MailTransport, smtpTransport } from './transports.js';
import { OutboxWorker, type WorkerOptions } from './worker.js';

const FROM = 'Citizen Portal <no-reply@example.gov.uk>';
const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Pauses the first SELECT run through a database handle until released: a worker caught between "find due rows" and "claim them". */
function pauseFirstSelect() {
  let armed = true;
  const paused = new Set<string>();
  let reachedResolve!: () => void;
  let releaseResolve!: () => void;
  const reached = new Promise<void>((r) => {
    reachedResolve = r;
  });
  const gate = new Promise<void>((r) => {
    releaseResolve = r;
  });
  const plugin: KyselyPlugin = {
    transformQuery({ node, queryId }): RootOperationNode {
      if (armed && node.kind === 'SelectQueryNode') {
        armed = false;
        paused.add(queryId.queryId);
      }
      return node;
    },
    async transformResult({ result, queryId }): Promise<QueryResult<UnknownRow>> {
      if (paused.delete(queryId.queryId)) {
        reachedResolve();
        await gate;
      }
      return result;
    },
  };
  return { plugin, reached, release: () => releaseResolve() };
}

describeEachDatabase('mail outbox and worker', (kind) => {
  let t: TestApp;
  let sink: SmtpSink;
  let transport: MailTransport;
  const extraHandles: Db[] = [];

  before(async () => {
    t = await createTestApp(kind);
    sink = new SmtpSink();
    await sink.start();
    transport = smtpTransport(sink.url, FROM);
  });
  after(async () => {
    transport.close?.();
    await sink.stop();
    await t.close();
  });
  beforeEach(async () => {
    await t.app.db.deleteFrom('outbox').execute();
    await sink.start();
    sink.clear();
  });
  afterEach(async () => {
    for (const h of extraHandles.splice(0)) await h.destroy();
  });

  const enqueue = (email: Partial<EmailRequest> = {}, db: Db = t.app.db) =>
    t.app.mailer.enqueue(db, { to: 'parent@example.com', lang: 'en', template: 'test', ...email });

  const worker = (opts: Partial<WorkerOptions> = {}) => new OutboxWorker({ db: t.app.db, transport, log: quietLog, ...opts });

  const row = (id: string) => t.app.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  /** A second, independent connection (pool) to the same database, as a worker in another process would have. */
  async function secondHandle(): Promise<Db> {
    const db = openDatabase(t.database.url, { poolSize: 3 });
    extraHandles.push(db);
    return db;
  }

  test('an enqueued email is delivered once, with subject, plain text and HTML, and marked sent', async () => {
    const id = await enqueue();
    const before = await row(id);
    assert.equal(before.status, 'pending');
    assert.equal(before.attempts, 0);

    const delivered = await worker().runOnce();
    assert.equal(delivered, 1);
    assert.equal(sink.messages.length, 1);

    const msg = sink.messages[0]!;
    assert.deepEqual(msg.to, ['parent@example.com']);
    assert.equal(msg.from, 'no-reply@example.gov.uk');
    const mail = parseEmail(msg.raw);
    assert.equal(mail.subject, 'Test email from the Citizen Portal');
    assert.equal(mail.messageId, `<${id}@citizen-portal>`);
    assert.match(mail.contentType, /^multipart\/alternative/);
    assert.ok(mail.text.includes('This is a test email from the Stockton-on-Tees Borough Council Citizen Portal.'), mail.text);
    assert.ok(mail.text.includes('call the SEN Team on 01642 527145'), mail.text);
    assert.match(mail.html, /<html lang="en">/);
    assert.match(mail.html, /<title>Test email from the Citizen Portal<\/title>/);
    assert.match(mail.html, /<p[^>]*>If you can read this, email delivery is working\.<\/p>/);

    const after = await row(id);
    assert.equal(after.status, 'sent');
    assert.equal(after.attempts, 1);
    assert.ok(after.sent_at);
    assert.equal(after.locked_until, null);
    assert.equal(after.last_error, null);

    // Nothing more to do: a second pass sends nothing.
    assert.equal(await worker().runOnce(), 0);
    assert.equal(sink.messages.length, 1);
  });

  test('an email enqueued in a transaction that is rolled back is never sent; a committed one is', async () => {
    await assert.rejects(
      t.app.db.transaction().execute(async (trx) => {
        await enqueue({ to: 'rolled-back@example.com' }, trx);
        throw new Error('roll back');
      }),
      /roll back/,
    );
    const committed = await t.app.db.transaction().execute((trx) => enqueue({ to: 'committed@example.com' }, trx));

    const rows = await t.app.db.selectFrom('outbox').select(['id', 'to_address']).execute();
    assert.deepEqual(rows, [{ id: committed, to_address: 'committed@example.com' }]);
    assert.equal(await worker().runOnce(), 1);
    assert.deepEqual(
      sink.messages.map((m) => m.to),
      [['committed@example.com']],
    );
  });

  test('while the relay is down the email stays pending and backs off exponentially; once it is back it goes exactly once', async () => {
    const id = await enqueue();
    const base = 1000;
    const t0 = Date.now() + 1000;
    let now = t0;
    const w = worker({ baseDelayMs: base, maxDelayMs: 60 * 60 * 1000, now: () => new Date(now) });
    const port = sink.port;
    await sink.stop();

    assert.equal(await w.runOnce(), 0);
    let r = await row(id);
    assert.equal(r.status, 'pending');
    assert.equal(r.attempts, 1);
    assert.ok(r.last_error && r.last_error.length > 0, 'last_error is recorded');
    assert.match(r.last_error, /ECONNREFUSED|connect/i);
    assert.equal(r.locked_until, null);
    const firstDelay = Date.parse(r.next_attempt_at) - t0;
    assert.equal(firstDelay, base);

    // Not due yet: the pass does not touch it.
    now = t0 + base - 1;
    assert.equal(await w.runOnce(), 0);
    assert.equal((await row(id)).attempts, 1);

    // Second failure waits twice as long.
    now = t0 + base;
    assert.equal(await w.runOnce(), 0);
    r = await row(id);
    assert.equal(r.status, 'pending');
    assert.equal(r.attempts, 2);
    const secondDelay = Date.parse(r.next_attempt_at) - now;
    assert.equal(secondDelay, 2 * firstDelay);

    // The relay comes back on the same port; before the email is due again nothing is sent.
    await sink.start(port);
    assert.equal(sink.port, port);
    now = t0 + base + 2 * base - 1;
    assert.equal(await w.runOnce(), 0);
    assert.equal(sink.messages.length, 0);

    now = t0 + base + 2 * base;
    assert.equal(await w.runOnce(), 1);
    assert.equal(sink.messages.length, 1);
    assert.equal(parseEmail(sink.messages[0]!.raw).messageId, `<${id}@citizen-portal>`);
    r = await row(id);
    assert.equal(r.status, 'sent');
    assert.equal(r.attempts, 3);
    assert.equal(r.last_error, null);

    now += 24 * 3600 * 1000;
    assert.equal(await w.runOnce(), 0);
    assert.equal(sink.messages.length, 1);
  });

  test('after maxAttempts failures the email is failed and no longer retried', async () => {
    const id = await enqueue();
    let now = Date.now() + 1000;
    const w = worker({ baseDelayMs: 10, maxAttempts: 3, now: () => new Date(now) });
    await sink.stop();
    for (let i = 1; i <= 3; i++) {
      assert.equal(await w.runOnce(), 0);
      const r = await row(id);
      assert.equal(r.attempts, i);
      assert.equal(r.status, i < 3 ? 'pending' : 'failed');
      now += 60 * 60 * 1000;
    }
    await sink.start();
    now += 365 * 24 * 3600 * 1000;
    assert.equal(await w.runOnce(), 0);
    const r = await row(id);
    assert.equal(r.status, 'failed');
    assert.equal(r.attempts, 3);
    assert.ok(r.last_error);
    assert.equal(sink.messages.length, 0);
  });

  test('two workers running passes concurrently deliver each email exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 15; i++) ids.push(await enqueue({ to: `person${i}@example.com` }));
    const a = worker({ batchSize: 4 });
    const otherTransport = smtpTransport(sink.url, FROM);
    const b = new OutboxWorker({ db: await secondHandle(), transport: otherTransport, log: quietLog, batchSize: 4 });
    const counts = { a: 0, b: 0 };
    try {
      for (let round = 0; round < 20; round++) {
        // Alternate which worker looks first, so each gets to claim rows while the other is sending.
        const [x, y] = round % 2 ? await Promise.all([a.runOnce(), b.runOnce()]) : (await Promise.all([b.runOnce(), a.runOnce()])).reverse();
        counts.a += x as number;
        counts.b += y as number;
        if (x === 0 && y === 0) break;
      }
    } finally {
      otherTransport.close?.();
    }
    assert.equal(counts.a + counts.b, ids.length, `delivered ${JSON.stringify(counts)}`);
    assert.equal(sink.messages.length, ids.length);
    const seen = sink.messages.map((m) => parseEmail(m.raw).messageId).sort();
    assert.deepEqual(seen, ids.map((id) => `<${id}@citizen-portal>`).sort());
    const statuses = await t.app.db.selectFrom('outbox').select(['status', 'attempts']).execute();
    assert.ok(statuses.every((s) => s.status === 'sent' && s.attempts === 1));
  });

  test('a worker that found an email due just before another worker sent it does not send it again', async () => {
    const id = await enqueue();
    const pause = pauseFirstSelect();
    const other = await secondHandle();
    const slow = new OutboxWorker({ db: other.withPlugin(pause.plugin), transport, log: quietLog });
    const fast = worker();

    const slowPass = slow.runOnce();
    await pause.reached; // the slow worker has read the due rows but not claimed them
    const byFast = await fast.runOnce(); // SQLite: sends it; PostgreSQL: the row is locked by the slow worker, skipped
    pause.release();
    const bySlow = await slowPass;

    assert.equal(byFast + bySlow, 1);
    assert.equal(sink.messages.length, 1);
    const r = await row(id);
    assert.equal(r.status, 'sent');
    assert.equal(r.attempts, 1);
  });
});

describe('renderEmail', () => {
  let dataDir: string;
  let i18n: I18n;
  let views: ReturnType<typeof createViewEnvironment>;
  const ctx = { councilName: 'Stockton-on-Tees Borough Council', senTeamPhone: '01642 527145' };
  const link = 'https://portal.example.gov.uk/verify?token=abc123';

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-render-'));
    views = createViewEnvironment(testConfig(dataDir));
    i18n = await createI18n();
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  const render = (lang: Lang, data: Record<string, unknown> = {}, c = ctx) => renderEmail(views, i18n.t(lang), lang, 'test', data, c);

  for (const lang of ['en', 'cy'] as const) {
    test(`renders the test email in ${lang}: subject, plain text and HTML say the same thing`, () => {
      const lines = i18n.t(lang)('emails:test.lines', { returnObjects: true, council: ctx.councilName }) as unknown as string[];
      assert.ok(Array.isArray(lines) && lines.length > 0);
      const email = render(lang);

      assert.ok(email.subject.length > 0);
      assert.ok(!email.subject.includes('test.subject'), 'subject is a translation, not a key');
      for (const part of [email.subject, email.text, email.html]) assert.doesNotMatch(part, /\{\{|\}\}/, 'no placeholders left');

      // Plain text: each line a paragraph, then the footer with the council and the SEN Team phone number.
      const paragraphs = email.text.split('\n\n');
      assert.equal(paragraphs.length, lines.length + 1);
      assert.deepEqual(paragraphs.slice(0, lines.length), lines);
      assert.ok(paragraphs.at(-1)!.includes(ctx.councilName));
      assert.ok(paragraphs.at(-1)!.includes(ctx.senTeamPhone));

      // HTML: a whole document in the right language, one <p> per line plus the footer, same words.
      assert.match(email.html, /^<!DOCTYPE html>/);
      assert.match(email.html, new RegExp(`<html lang="${lang}">`));
      assert.ok(email.html.includes(`<title>${email.subject}</title>`));
      assert.equal(email.html.match(/<p\b/g)?.length, lines.length + 1);
      for (const line of lines) assert.ok(textOf(email.html).includes(line), `HTML lacks "${line}"`);
      assert.ok(email.html.includes(ctx.senTeamPhone));
      assert.doesNotMatch(email.html, /<a\b/);
    });

    test(`a link is in both parts in ${lang}: on its own line in text, as <a href> in HTML`, () => {
      const plain = render(lang);
      const email = render(lang, { link });
      assert.equal(email.text.split('\n\n').length, plain.text.split('\n\n').length + 1);
      assert.ok(email.text.split('\n').includes(link));
      assert.ok(email.html.includes(`<a href="${link}"`));
      // The address is also printed for people whose email program hides links.
      assert.equal(email.html.split(link).length - 1, 2);
    });
  }

  test('Welsh and English emails have the same structure', () => {
    const en = render('en', { link });
    const cy = render('cy', { link });
    assert.equal(cy.text.split('\n\n').length, en.text.split('\n\n').length);
    assert.equal(cy.html.match(/<p\b/g)?.length, en.html.match(/<p\b/g)?.length);
    assert.match(cy.html, /<html lang="cy">/);
  });

  test('HTML escapes what it prints; plain text is left as written', () => {
    const email = render('en', {}, { councilName: 'Tees & <b>Valley</b>', senTeamPhone: '01642 527145' });
    assert.ok(email.text.includes('Tees & <b>Valley</b>'));
    assert.ok(email.html.includes('Tees &amp; &lt;b&gt;Valley&lt;/b&gt;'));
    assert.ok(!email.html.includes('<b>Valley</b>'));
  });

  test('an unknown template is an error, not an empty email', () => {
    assert.throws(() => renderEmail(views, i18n.t('en'), 'en', 'no-such-template', {}, ctx), /Unknown email template: no-such-template/);
  });
});

describeEachDatabase('dev mailbox', (kind) => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp(kind);
  });
  after(() => t.close());

  test('/dev/mailbox lists an enqueued email and /dev/mailbox/:id shows its body with clickable links', async () => {
    const link = 'https://portal.example.gov.uk/verify?token=abc123';
    const id = await t.app.mailer.enqueue(t.app.db, { to: 'mailbox@example.com', lang: 'en', template: 'test', data: { link } });

    const list = await new Client(t.app).get('/dev/mailbox');
    assert.equal(list.statusCode, 200);
    assert.ok(list.body.includes(`href="/dev/mailbox/${id}"`));
    const listText = textOf(list.body);
    assert.ok(listText.includes('Test email from the Citizen Portal'));
    assert.ok(listText.includes('mailbox@example.com'));

    const page = await new Client(t.app).get(`/dev/mailbox/${id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h1[^>]*>Test email from the Citizen Portal<\/h1>/);
    const body = page.body.match(/data-testid="email-body">([\s\S]*?)<\/div>/)?.[1] ?? '';
    assert.ok(textOf(body).includes('If you can read this, email delivery is working.'));
    assert.ok(body.includes(`<a class="govuk-link" href="${link.replace('&', '&amp;')}">`), body);
  });

  test('an unknown email id gives the 404 page', async () => {
    const res = await new Client(t.app).get('/dev/mailbox/00000000-0000-0000-0000-000000000000');
    assert.equal(res.statusCode, 404);
    assert.ok(textOf(res.body).includes('Page not found'));
  });
});

describe('dev mailbox in production', () => {
  test('/dev/mailbox is not there', async () => {
    const t = await createTestApp('sqlite', { env: { NODE_ENV: 'production' } });
    try {
      assert.equal(t.config.env, 'production');
      await t.app.mailer.enqueue(t.app.db, { to: 'a@example.com', lang: 'en', template: 'test' });
      const id = (await t.app.db.selectFrom('outbox').select('id').executeTakeFirstOrThrow()).id;
      assert.equal((await t.app.inject('/dev/mailbox')).statusCode, 404);
      assert.equal((await t.app.inject(`/dev/mailbox/${id}`)).statusCode, 404);
    } finally {
      await t.close();
    }
  });
});
