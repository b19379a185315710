// The accounts journeys of the council's guide, clicked through in Chromium as a person would, in English
// and in Welsh, with axe (WCAG 2.2 AA) on every page reached. Emails are read in the dev mailbox, in the
// same browser: the in-process mail worker is off and the mailbox lists the outbox whatever its status.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { createCitizen, NEW_PASSWORD, PASSWORD, uniqueEmail } from '../support/accounts.js';
import { describeWithBrowser, useBrowser } from './support/browser.js';
import {
  arrive,
  arriveWithErrors,
  codeFromMailbox,
  fill,
  headerNav,
  type Lang,
  openNewestEmail,
  plain,
  spaced,
  squash,
  type Texts,
  texts,
  wrongCode,
} from './support/journeys.js';

const LANGS: Lang[] = ['en', 'cy'];

describeWithBrowser('accounts in a browser', () => {
  const h = useBrowser();

  test('links in emails point at this test server: startApp sets BASE_URL to the address it listens on', () => {
    assert.match(h.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(h.app.config.baseUrl, h.baseUrl);
  });

  for (const lang of LANGS) {
    const t = texts(lang);
    const other: Lang = lang === 'en' ? 'cy' : 'en';

    /** The main element: buttons there are not confused with the header's links of the same name. */
    const main = (page: Page) => page.locator('main');

    /** The code in the newest email to `address`, read in a second tab of the same browser (the code page stays open). */
    async function readCode(page: Page, address: string): Promise<string> {
      const tab = h.watch(await page.context().newPage());
      const code = await codeFromMailbox(tab, lang, t, address);
      assert.deepEqual(h.problems(tab), [], 'no console errors in the mailbox tab');
      await tab.close();
      return code;
    }

    /** Types the code as copied from the email, with a space in the middle, and submits it. */
    async function typeCode(page: Page, code: string, button: string): Promise<void> {
      const input = page.getByLabel(t.account.code.label, { exact: true });
      await input.fill('');
      await input.pressSequentially(spaced(code));
      await main(page).getByRole('button', { name: button, exact: true }).click();
    }

    async function home(page: Page): Promise<void> {
      await page.goto(`/?lng=${lang}`);
      await arrive(page, lang, '/', t.pages.home.heading, 'the home page');
    }

    /** Login from the header: the login page, email and password, the Login button. */
    async function login(page: Page, email: string, password: string): Promise<void> {
      await headerNav(page).getByRole('link', { name: t.common.nav.login, exact: true }).click();
      await arrive(page, lang, '/login', t.account.login.title, 'the login page');
      await submitLogin(page, email, password);
    }

    async function submitLogin(page: Page, email: string, password: string): Promise<void> {
      await page.getByLabel(t.common.fields.email, { exact: true }).fill(email);
      await page.getByLabel(t.common.fields.password, { exact: true }).fill(password);
      await main(page).getByRole('button', { name: t.common.buttons.login, exact: true }).click();
    }

    /** The code page after the password: the code from the dev mailbox takes the person to /send. */
    async function loginCode(page: Page, email: string, options: { wrongFirst?: boolean } = {}): Promise<void> {
      await arrive(page, lang, '/login/code', t.account.code.email.title, 'the security code page');
      const code = await readCode(page, email);
      if (options.wrongFirst) {
        await typeCode(page, wrongCode(code), t.common.buttons.continue);
        await arriveWithErrors(page, lang, t, [t.account.errors.code.wrong], 'the security code page with a wrong code');
        assert.equal(new URL(page.url()).pathname, '/login/code');
      }
      await typeCode(page, code, t.common.buttons.continue);
      await arriveAtSend(page, 'the SEND area after login');
    }

    async function arriveAtSend(page: Page, label: string): Promise<void> {
      await arrive(page, lang, '/send', t.send.home.title, label);
    }

    /** From the two-step page: choose Email, Continue, the code from the dev mailbox, Turn on. */
    async function setUpEmailTwoStep(page: Page, email: string): Promise<void> {
      await page.getByRole('radio', { name: t.account.twoStep.methods.email, exact: true }).check();
      await main(page).getByRole('button', { name: t.common.buttons.continue, exact: true }).click();
      await arrive(page, lang, '/account/two-step-verification/email', t.account.twoStep.email.title, 'the two step verification code page');
      assert.ok(await main(page).getByText(fill(t.account.twoStep.email.intro, { email })).isVisible(), 'the code page names the address');
      const code = await readCode(page, email);
      await typeCode(page, code, t.account.twoStep.turnOn);
    }

    function signedInAs(page: Page) {
      return headerNav(page).getByText(t.common.nav.signedInAs, { exact: false });
    }

    test(`${lang}: register, confirm the email, two step verification by email, /send; logout; login with a code`, async () => {
      const page = await h.newPage();
      const email = uniqueEmail(`journey-${lang}`);
      const firstName = lang === 'en' ? 'Robin' : 'Rhiannon';
      const lastName = lang === 'en' ? 'Carer' : 'Jones';

      // 1. Home → Register in the header.
      await home(page);
      await headerNav(page).getByRole('link', { name: t.common.nav.register, exact: true }).click();
      await arrive(page, lang, '/register', t.account.register.title, 'the register page');

      // Submitted empty: an error summary that takes the focus, an error by each field.
      const register = main(page).getByRole('button', { name: t.common.nav.register, exact: true });
      await register.click();
      const e = t.account.errors;
      await arriveWithErrors(page, lang, t, [e.firstName.required, e.lastName.required, e.email.required, e.password.required, e.terms.required], 'the register page submitted empty');
      assert.ok(await page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary')), 'the error summary has the focus');

      await page.getByLabel(t.account.fields.firstName, { exact: true }).fill(firstName);
      await page.getByLabel(t.account.fields.lastName, { exact: true }).fill(lastName);
      await page.getByLabel(t.common.fields.email, { exact: true }).fill(email);
      const password = page.getByLabel(t.common.fields.password, { exact: true });
      await password.fill(PASSWORD);
      // The Show button of the password input, once: the password is shown as text, and the button says Hide.
      const toggle = page.locator('button[aria-controls="password"]');
      assert.equal(await toggle.getAttribute('aria-label'), t.common.password.showAria);
      assert.equal((await toggle.textContent())?.trim(), t.common.password.show);
      await toggle.click();
      assert.equal(await password.getAttribute('type'), 'text');
      assert.equal(await password.inputValue(), PASSWORD);
      assert.equal(await toggle.getAttribute('aria-label'), t.common.password.hideAria);
      assert.equal((await toggle.textContent())?.trim(), t.common.password.hide);
      await page.getByLabel(t.account.fields.passwordConfirm, { exact: true }).fill(PASSWORD);
      await page.getByRole('checkbox', { name: plain(t.account.register.termsLabel), exact: true }).check();
      await register.click();

      await arrive(page, lang, '/register/check-email', t.account.checkEmail.title, 'the check your email page');
      assert.equal((await page.getByTestId('email').textContent())?.trim(), email);

      // 2. The dev mailbox, in the same browser: the newest email to the address, its confirmation link.
      await openNewestEmail(page, lang, t, email, t.emails.confirmEmail.subject);
      const link = page.getByTestId('email-body').getByRole('link', { name: /\/confirm-email\?token=/ });
      assert.equal(await link.count(), 1, 'one confirmation link');
      assert.ok((await link.getAttribute('href'))?.startsWith(`${h.baseUrl}/confirm-email?token=`), 'the link is to this server');
      await link.click();

      await arrive(page, lang, '/account/two-step-verification', t.account.twoStep.title, 'two step verification after confirming');
      assert.ok(await page.getByText(t.account.twoStep.welcome, { exact: true }).isVisible(), 'the page says the address is confirmed');
      assert.ok(await signedInAs(page).isVisible(), 'signed in');
      await setUpEmailTwoStep(page, email);
      await arriveAtSend(page, 'the SEND area after setting up two step verification');
      assert.equal(squash(await signedInAs(page).locator('..').textContent()), `${t.common.nav.signedInAs} ${firstName} ${lastName}`, 'signed in as the new person');

      // 3. Logout in the header → "You have logged out" → Login in the header → password → code → /send.
      await headerNav(page).getByRole('button', { name: t.common.nav.logout, exact: true }).click();
      await arrive(page, lang, '/signed-out', t.account.signedOut.loggedOut.title, 'the logged out page');
      assert.equal(await signedInAs(page).count(), 0, 'no longer signed in');
      await login(page, email, PASSWORD);
      await loginCode(page, email, { wrongFirst: true });
      assert.deepEqual(h.problems(page), [], 'no console errors or uncaught exceptions');
    });

    test(`${lang}: signed in without two step verification, /send asks for it and "Enable" sets up Email and comes back`, async () => {
      const person = await createCitizen(h.app, { lang, email: uniqueEmail(`no-two-step-${lang}`) });
      const page = await h.newPage();
      await home(page);
      await login(page, person.email, person.password);
      // A family's home is /send: without two-step verification it says what is needed.
      await page.waitForURL((url) => url.pathname === '/send');
      const response = await page.reload();
      assert.equal(response?.status(), 403);
      await arrive(page, lang, '/send', t.account.twoStepRequired.title, 'the SEND area without two step verification');
      await main(page).getByRole('button', { name: t.account.twoStepRequired.button, exact: true }).click();
      await arrive(page, lang, '/account/two-step-verification', t.account.twoStep.title, 'two step verification from the SEND area');
      await setUpEmailTwoStep(page, person.email);
      await arriveAtSend(page, 'the SEND area after enabling two step verification');
      assert.equal((await page.reload())?.status(), 200);
      assert.deepEqual(h.problems(page), []);
    });

    test(`${lang}: forgotten password: the reset link from the dev mailbox, a new password, login with it`, async () => {
      const person = await createCitizen(h.app, { lang, twoStep: 'email', email: uniqueEmail(`forgotten-${lang}`) });
      const page = await h.newPage();
      await home(page);
      await headerNav(page).getByRole('link', { name: t.common.nav.login, exact: true }).click();
      await arrive(page, lang, '/login', t.account.login.title, 'the login page');
      await main(page).getByRole('link', { name: t.common.links.forgottenPassword, exact: true }).click();
      await arrive(page, lang, '/forgotten-password', t.account.forgotten.title, 'the forgotten password page');
      await page.getByLabel(t.common.fields.email, { exact: true }).fill(person.email);
      await main(page).getByRole('button', { name: t.account.forgotten.button, exact: true }).click();
      await arrive(page, lang, '/forgotten-password', t.account.forgotten.sent.title, 'the reset link sent page');
      assert.ok(await main(page).getByText(fill(t.account.forgotten.sent.body[0] as string, { email: person.email })).isVisible());

      await openNewestEmail(page, lang, t, person.email, t.emails.passwordReset.subject);
      const link = page.getByTestId('email-body').getByRole('link', { name: /\/reset-password\?token=/ });
      assert.ok((await link.getAttribute('href'))?.startsWith(`${h.baseUrl}/reset-password?token=`));
      await link.click();
      await arrive(page, lang, '/reset-password', t.account.reset.title, 'the reset password page');
      await page.getByLabel(t.account.fields.newPassword, { exact: true }).fill(NEW_PASSWORD);
      await page.getByLabel(t.account.fields.passwordConfirm, { exact: true }).fill(NEW_PASSWORD);
      await main(page).getByRole('button', { name: t.account.reset.button, exact: true }).click();
      await arrive(page, lang, '/reset-password', t.account.reset.done.title, 'the password reset page');

      await main(page).getByRole('button', { name: t.account.signedOut.login, exact: true }).click();
      await arrive(page, lang, '/login', t.account.login.title, 'the login page after the reset');
      // The old password no longer works; the new one does.
      await submitLogin(page, person.email, person.password);
      await arriveWithErrors(page, lang, t, [t.account.errors.login.invalid], 'the login page with the old password');
      await submitLogin(page, person.email, NEW_PASSWORD);
      await loginCode(page, person.email);
      assert.deepEqual(h.problems(page), []);
    });

    test(`${lang}: the account page, changing the name, the authenticator app's QR code, changing the language`, async () => {
      const person = await createCitizen(h.app, { lang, twoStep: 'email', firstName: 'Alex', lastName: 'Parent', email: uniqueEmail(`settings-${lang}`) });
      const page = await h.newPage();
      await home(page);
      await login(page, person.email, person.password);
      await loginCode(page, person.email);

      const s = t.account.settings;
      const summary = async () =>
        Promise.all(
          (await page.locator('.govuk-summary-list__row').all()).map(async (row) => [
            squash(await row.locator('.govuk-summary-list__key').textContent()),
            squash(await row.locator('.govuk-summary-list__value').textContent()),
          ]),
        );
      const change = (what: string) => main(page).getByRole('link', { name: `${s.change} ${what}`, exact: true });

      await headerNav(page).getByRole('link', { name: t.common.nav.account, exact: true }).click();
      await arrive(page, lang, '/account', s.title, 'the account page');
      assert.deepEqual(await summary(), [
        [s.rows.name, 'Alex Parent'],
        [t.common.fields.email, person.email],
        [t.common.fields.password, '••••••••'],
        [s.rows.language, s.languages[lang]],
        [t.account.twoStep.title, t.account.twoStep.methods.email],
      ]);

      // The name: an error when emptied, then saved.
      await change(s.rows.name).click();
      await arrive(page, lang, '/account/name', s.name.title, 'the change name page');
      const firstName = page.getByLabel(t.account.fields.firstName, { exact: true });
      assert.equal(await firstName.inputValue(), 'Alex');
      await firstName.fill('');
      await main(page).getByRole('button', { name: s.save, exact: true }).click();
      await arriveWithErrors(page, lang, t, [t.account.errors.firstName.required], 'the change name page with no first name');
      await firstName.fill('Alexandra');
      await main(page).getByRole('button', { name: s.save, exact: true }).click();
      await arrive(page, lang, '/account', s.title, 'the account page after changing the name');
      assert.ok(await page.locator('.govuk-notification-banner').getByText(t.account.notices.name, { exact: true }).isVisible());
      assert.deepEqual((await summary())[0], [s.rows.name, 'Alexandra Parent']);

      // Two step verification: the Authenticator app option shows a QR code and the key to type instead.
      await change(t.account.twoStep.title).click();
      await arrive(page, lang, '/account/two-step-verification', t.account.twoStep.title, 'two step verification from the account page');
      assert.ok(await main(page).getByText(fill(t.account.twoStep.current, { method: t.account.twoStep.methods.email })).isVisible());
      await page.getByRole('radio', { name: t.account.twoStep.methods.app, exact: true }).check();
      await main(page).getByRole('button', { name: t.common.buttons.continue, exact: true }).click();
      await arrive(page, lang, '/account/two-step-verification/app', t.account.twoStep.app.title, 'the authenticator app page');
      const qr = main(page).getByRole('img', { name: t.account.twoStep.app.qrAlt, exact: true });
      assert.ok(await qr.isVisible(), 'the QR code is shown');
      const box = await qr.locator('svg').boundingBox();
      assert.ok(box && box.width >= 150 && box.height >= 150, `the QR code is big enough to scan: ${JSON.stringify(box)}`);
      assert.match((await page.getByTestId('totp-secret').textContent())?.trim() ?? '', /^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/);

      // The language: saving the other one switches the pages too.
      await headerNav(page).getByRole('link', { name: t.common.nav.account, exact: true }).click();
      await arrive(page, lang, '/account', s.title, 'the account page again');
      await change(s.rows.language).click();
      await arrive(page, lang, '/account/language', s.language.title, 'the change language page');
      assert.ok(await page.getByRole('radio', { name: lang === 'en' ? 'English' : 'Cymraeg', exact: true }).isChecked());
      await page.getByRole('radio', { name: other === 'en' ? 'English' : 'Cymraeg', exact: true }).check();
      await main(page).getByRole('button', { name: s.save, exact: true }).click();
      const o: Texts = texts(other);
      await arrive(page, other, '/account', o.account.settings.title, 'the account page after changing the language');
      assert.ok(await page.locator('.govuk-notification-banner').getByText(o.account.notices.language, { exact: true }).isVisible());
      assert.deepEqual((await summary())[3], [o.account.settings.rows.language, o.account.settings.languages[other]]);
      assert.deepEqual(h.problems(page), []);
    });
  }
});
