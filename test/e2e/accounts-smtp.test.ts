// The register → confirm → two step → logout → login-with-code journey with email delivered for real: the app
// sends through SMTP (MAIL_TRANSPORT=smtp) with its in-process outbox worker on, to the SMTP sink of
// test/support/smtp-sink.ts. Each email is read from the sink, as it arrived, never from the outbox table.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { PASSWORD, uniqueEmail } from '../support/accounts.js';
import { type ParsedEmail, parseEmail, SmtpSink } from '../support/smtp-sink.js';
import { describeWithBrowser, useBrowser } from './support/browser.js';
import { arrive, headerNav, type Lang, pattern, spaced, texts } from './support/journeys.js';

const DELIVERY_TIMEOUT_MS = 10_000;

describeWithBrowser('accounts with email delivered through a real SMTP server', () => {
  const sink = new SmtpSink();
  // Registered before useBrowser's hook, so the sink is listening (and its port known) when the app starts.
  before(() => sink.start());
  const h = useBrowser(() => ({
    env: { MAIL_TRANSPORT: 'smtp', SMTP_URL: sink.url },
    deps: { runWorker: true, worker: { pollIntervalMs: 50 } },
  }));
  after(() => sink.stop());

  /** Messages already read, by index in the sink. */
  const read = new Set<number>();

  /**
   * Waits until an email to `to` whose subject matches the locale string `subject` has been delivered to the
   * sink, and reads the newest one (marking every match read).
   */
  async function receive(to: string, subject: string): Promise<ParsedEmail> {
    const wanted = new RegExp(`^${pattern(subject).source}$`);
    const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
    for (;;) {
      const found = sink.messages
        .map((message, i) => ({ i, message, email: parseEmail(message.raw) }))
        .filter(({ i, message, email }) => !read.has(i) && message.to.includes(to) && wanted.test(email.subject));
      const newest = found.at(-1);
      if (newest) {
        for (const f of found) read.add(f.i);
        assert.equal(newest.email.headers.get('to'), to);
        assert.match(newest.email.messageId, /^<[0-9a-f-]{36}@citizen-portal>$/);
        return newest.email;
      }
      if (Date.now() > deadline) {
        const seen = sink.messages.map((m) => `${m.to.join(',')}: ${parseEmail(m.raw).subject}`).join('\n  ');
        assert.fail(`no email "${subject}" to ${to} reached the SMTP sink within ${DELIVERY_TIMEOUT_MS} ms; it has:\n  ${seen || 'nothing'}`);
      }
      await delay(50);
    }
  }

  /** The one link to this server in an email, the same in its text and HTML parts. */
  function linkIn(email: ParsedEmail, path: string): string {
    const links = email.text.match(/https?:\/\/\S+/g) ?? [];
    assert.equal(links.length, 1, `one link in "${email.subject}": ${email.text}`);
    const link = links[0] as string;
    assert.ok(link.startsWith(`${h.baseUrl}${path}?token=`), `the link is to this server: ${link}`);
    assert.ok(email.html.includes(`href="${link}"`), 'the HTML part links to the same address');
    return link;
  }

  for (const lang of ['en', 'cy'] as Lang[]) {
    const t = texts(lang);
    const main = (page: Page) => page.locator('main');

    function codeIn(email: ParsedEmail): string {
      const code = email.text.match(pattern(t.emails.twoStepCode.lines[1] as string))?.[1];
      assert.ok(code, `a security code in "${email.subject}": ${email.text}`);
      assert.ok(email.subject.endsWith(code));
      return code;
    }

    async function typeCode(page: Page, email: ParsedEmail, button: string): Promise<void> {
      await page.getByLabel(t.account.code.label, { exact: true }).pressSequentially(spaced(codeIn(email)));
      await main(page).getByRole('button', { name: button, exact: true }).click();
    }

    test(`${lang}: register, confirm from the delivered email, two step by email, logout, login with the delivered code`, async () => {
      const page = await h.newPage();
      const email = uniqueEmail(`smtp-${lang}`);

      await page.goto(`/?lng=${lang}`);
      await headerNav(page).getByRole('link', { name: t.common.nav.register, exact: true }).click();
      await arrive(page, lang, '/register', t.account.register.title, 'the register page', { axe: false });
      await page.getByLabel(t.account.fields.firstName, { exact: true }).fill('Sam');
      await page.getByLabel(t.account.fields.lastName, { exact: true }).fill('Post');
      await page.getByLabel(t.common.fields.email, { exact: true }).fill(email);
      await page.getByLabel(t.common.fields.password, { exact: true }).fill(PASSWORD);
      await page.getByLabel(t.account.fields.passwordConfirm, { exact: true }).fill(PASSWORD);
      await page.getByRole('checkbox').check();
      await main(page).getByRole('button', { name: t.common.nav.register, exact: true }).click();
      await arrive(page, lang, '/register/check-email', t.account.checkEmail.title, 'the check your email page', { axe: false });

      // The confirmation email, as delivered; its link opened in the same browser.
      const confirmation = await receive(email, t.emails.confirmEmail.subject);
      assert.ok(confirmation.text.includes(t.emails.confirmEmail.lines[0]?.replace('{{name}}', 'Sam') ?? '?'), 'in the person’s language');
      await page.goto(linkIn(confirmation, '/confirm-email'));
      await arrive(page, lang, '/account/two-step-verification', t.account.twoStep.title, 'two step verification', { axe: false });
      await page.getByRole('radio', { name: t.account.twoStep.methods.email, exact: true }).check();
      await main(page).getByRole('button', { name: t.common.buttons.continue, exact: true }).click();
      await arrive(page, lang, '/account/two-step-verification/email', t.account.twoStep.email.title, 'the code page', { axe: false });
      await typeCode(page, await receive(email, t.emails.twoStepCode.subject), t.account.twoStep.turnOn);
      await arrive(page, lang, '/send', t.send.home.title, 'the SEND area', { axe: false });
      // Turning two step verification on is confirmed by email too.
      await receive(email, t.emails.twoStepChanged.subject);

      await headerNav(page).getByRole('button', { name: t.common.nav.logout, exact: true }).click();
      await arrive(page, lang, '/signed-out', t.account.signedOut.loggedOut.title, 'the logged out page', { axe: false });
      await headerNav(page).getByRole('link', { name: t.common.nav.login, exact: true }).click();
      await page.getByLabel(t.common.fields.email, { exact: true }).fill(email);
      await page.getByLabel(t.common.fields.password, { exact: true }).fill(PASSWORD);
      await main(page).getByRole('button', { name: t.common.buttons.login, exact: true }).click();
      await arrive(page, lang, '/login/code', t.account.code.email.title, 'the security code page', { axe: false });
      await typeCode(page, await receive(email, t.emails.twoStepCode.subject), t.common.buttons.continue);
      await arrive(page, lang, '/send', t.send.home.title, 'the SEND area after login', { axe: false });
      assert.deepEqual(h.problems(page), []);

      // The worker marks each email sent once the server has accepted it: nothing to this person is left waiting.
      const unsent = async () =>
        (await h.app.app.db.selectFrom('outbox').select(['subject', 'status']).where('to_address', '=', email).execute()).filter((r) => r.status !== 'sent');
      const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
      while ((await unsent()).length && Date.now() < deadline) await delay(50);
      assert.deepEqual(await unsent(), []);
      assert.equal(await h.app.app.db.selectFrom('outbox').where('to_address', '=', email).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow().then((r) => Number(r.n)), 4, 'confirmation, two codes, two step changed');
    });
  }
});
