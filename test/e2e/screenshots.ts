// Full-page screenshots of key pages, for a person to look at: `npx tsx test/e2e/screenshots.ts [dir]`
// (default /tmp/shots). Starts the app on a temporary database and uses Debian's Chromium.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { launchBrowser, startApp } from './support/browser.js';

const dir = path.resolve(process.argv[2] ?? '/tmp/shots');
const DESKTOP = { width: 1280, height: 800 };
const MOBILE = { width: 375, height: 812 };

const SHOTS: { name: string; url: string; viewport: { width: number; height: number }; openMenu?: boolean }[] = [
  { name: 'home-en', url: '/?lng=en', viewport: DESKTOP },
  { name: 'home-cy', url: '/?lng=cy', viewport: DESKTOP },
  { name: 'not-found-en', url: '/no-such-page?lng=en', viewport: DESKTOP },
  { name: 'contact-en', url: '/contact?lng=en', viewport: DESKTOP },
  { name: 'home-en-mobile', url: '/?lng=en', viewport: MOBILE },
  { name: 'home-cy-mobile', url: '/?lng=cy', viewport: MOBILE },
  { name: 'home-en-mobile-menu', url: '/?lng=en', viewport: MOBILE, openMenu: true },
];

mkdirSync(dir, { recursive: true });
const running = await startApp();
const browser = await launchBrowser();
try {
  for (const shot of SHOTS) {
    const context = await browser.newContext({ baseURL: running.baseUrl, locale: 'en-GB', viewport: shot.viewport });
    const page = await context.newPage();
    await page.goto(shot.url, { waitUntil: 'networkidle' });
    if (shot.openMenu) await page.locator('.govuk-service-navigation__toggle').click();
    const file = path.join(dir, `${shot.name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(file);
    await context.close();
  }
} finally {
  await browser.close();
  await running.close();
}
