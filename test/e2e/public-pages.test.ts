import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { axeViolations, checkAxe, describeWithBrowser, formatViolations, useBrowser } from './support/browser.js';

const PUBLIC_PAGES: { path: string; status: number }[] = [
  { path: '/', status: 200 },
  { path: '/accessibility', status: 200 },
  { path: '/cookies', status: 200 },
  { path: '/privacy', status: 200 },
  { path: '/contact', status: 200 },
  { path: '/services/two-year-old-funding', status: 200 },
  { path: '/services/thirty-hours-free-childcare', status: 200 },
  { path: '/services/school-place', status: 200 },
  { path: '/services/free-school-meals', status: 200 },
  { path: '/no-such-page', status: 404 },
  { path: '/dev/mailbox', status: 200 },
];

const PHONE = { width: 375, height: 812 };

async function htmlLang(page: Page): Promise<string | null> {
  return page.locator('html').getAttribute('lang');
}

describeWithBrowser('public pages in a browser', () => {
  const h = useBrowser();
  let mailboxEmailPath = '';

  test("the harness: axe runs under the portal's CSP and reports a violation", async () => {
    const page = await h.newPage();
    await page.goto('/?lng=en');
    // Break the page on purpose: an input with no label.
    await page.evaluate(() => document.querySelector('label[for="home-email"]')?.remove());
    const violations = await axeViolations(page);
    assert.deepEqual(
      violations.map((v) => v.id),
      ['label'],
    );
    assert.match(formatViolations(violations), /label \[critical\]: .*\n\s+#home-email/);
  });

  test('an email in the outbox, for the dev mailbox pages', async () => {
    const id = await h.app.app.mailer.enqueue(h.app.app.db, {
      to: 'parent@example.com',
      lang: 'en',
      template: 'test',
      data: { link: `${h.baseUrl}/` },
    });
    mailboxEmailPath = `/dev/mailbox/${id}`;
  });

  for (const lang of ['en', 'cy'] as const) {
    for (const { path, status } of PUBLIC_PAGES) {
      test(`${path} in ${lang}: status, <html lang>, title, no script errors, axe at desktop and phone widths`, async () => {
        const page = await h.newPage();
        const response = await page.goto(`${path}?lng=${lang}`);
        assert.equal(response?.status(), status);
        assert.equal(await htmlLang(page), lang);
        assert.notEqual((await page.title()).trim(), '', 'the page has a title');
        assert.equal(await page.locator('h1').count(), 1, 'one h1');
        await checkAxe(page, `${path} (${lang})`);
        // The same page on a phone: the layout reflows (navigation behind a menu button, links wrap).
        await page.setViewportSize(PHONE);
        await checkAxe(page, `${path} (${lang}, ${PHONE.width}px)`);
        assert.deepEqual(h.problems(page), [], 'no console errors or uncaught exceptions');
      });
    }
  }

  test('an email in the dev mailbox: the link opens it, and axe passes', async () => {
    const page = await h.newPage();
    await page.goto('/dev/mailbox?lng=en');
    await page.getByRole('link', { name: 'Test email from the Citizen Portal' }).click();
    await page.waitForURL(`**${mailboxEmailPath}`);
    assert.equal(await page.locator('h1').textContent(), 'Test email from the Citizen Portal');
    await checkAxe(page, 'dev mailbox email');
    await page.goto(`${mailboxEmailPath}?lng=cy`);
    assert.equal(await htmlLang(page), 'cy');
    await checkAxe(page, 'dev mailbox email (cy)');
  });

  test('the "Cymraeg" link in the header switches to Welsh, and the choice persists', async () => {
    const page = await h.newPage();
    await page.goto('/');
    assert.equal(await htmlLang(page), 'en');
    const englishTitle = await page.title();

    await page.locator('.portal-header__language').getByRole('link', { name: /Cymraeg$/ }).click();
    await page.waitForURL(/[?&]lng=cy/);
    assert.equal(await htmlLang(page), 'cy');
    assert.notEqual(await page.title(), englishTitle, 'the title is translated');
    assert.equal(await page.locator('.portal-header__language [aria-current="true"]').textContent(), 'Cymraeg');

    // The next page, reached by a link with no ?lng, is still in Welsh.
    await page.locator('.govuk-footer').getByRole('link').first().click();
    await page.waitForURL((url) => url.pathname === '/accessibility');
    assert.equal(new URL(page.url()).searchParams.get('lng'), null);
    assert.equal(await htmlLang(page), 'cy');

    // And back to English, which persists likewise.
    await page.locator('.portal-header__language').getByRole('link', { name: /English$/ }).click();
    await page.waitForURL(/[?&]lng=en/);
    assert.equal(await htmlLang(page), 'en');
    await page.goto('/contact');
    assert.equal(await htmlLang(page), 'en');
    assert.deepEqual(h.problems(page), []);
  });

  test('on a 375px phone the language link stays visible in the header, and the Menu button opens the navigation', async () => {
    const page = await h.newPage({ viewport: PHONE });
    await page.goto('/?lng=en');
    const nav = page.locator('.govuk-service-navigation');
    const menu = nav.getByRole('button', { name: 'Menu' });
    const register = nav.getByRole('link', { name: 'Register' });
    assert.ok(await menu.isVisible());
    assert.equal(await register.isVisible(), false);
    await menu.click();
    assert.equal(await menu.getAttribute('aria-expanded'), 'true');
    assert.ok(await register.isVisible());
    const cymraeg = page.locator('.portal-header__language').getByRole('link', { name: /Cymraeg$/ });
    assert.ok(await cymraeg.isVisible());
    await cymraeg.click();
    await page.waitForURL(/[?&]lng=cy/);
    assert.equal(await htmlLang(page), 'cy');
    await checkAxe(page, 'home page on a phone (cy)');
    assert.deepEqual(h.problems(page), []);
  });

  test('the home page works without JavaScript: login form and service list', async () => {
    const page = await h.newPage({ javaScriptEnabled: false });
    const response = await page.goto('/');
    assert.equal(response?.status(), 200);
    const form = page.locator('form[action="/login"]');
    assert.ok(await form.getByLabel('Email Address').isVisible());
    assert.ok(await form.getByLabel('Password', { exact: true }).isVisible());
    assert.ok(await form.getByRole('button', { name: 'Login' }).isVisible());
    const services = page.locator('.portal-services li a');
    assert.equal(await services.count(), 5);
    for (const link of await services.all()) assert.ok(await link.isVisible());
    // The header navigation and language link are reachable without the JS menu button.
    assert.ok(await page.locator('.portal-header__language').getByRole('link', { name: /Cymraeg$/ }).isVisible());
    assert.ok(await page.locator('.govuk-service-navigation').getByRole('link', { name: 'Register' }).isVisible());
  });

  test('the CSRF refusal page: a login form posted without the CSRF cookie', async () => {
    const page = await h.newPage();
    await page.goto('/?lng=en');
    await page.context().clearCookies({ name: 'portal_csrf' });
    await page.getByLabel('Email Address').fill('parent@example.com');
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.locator('form[action="/login"]').getByRole('button', { name: 'Login' }).click(),
    ]);
    assert.equal(response.status(), 403);
    await page.waitForLoadState();
    assert.equal(await htmlLang(page), 'en');
    assert.notEqual((await page.title()).trim(), '');
    await checkAxe(page, 'CSRF 403 page');
  });
});
