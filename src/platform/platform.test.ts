import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, createTestApp, csrfFrom, type TestApp, textOf } from '../../test/support/app.js';
import { describeEachDatabase } from '../../test/support/databases.js';

describeEachDatabase('platform', (kind) => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp(kind);
  });
  after(() => t.close());

  test('home page shows the login form and the five services in English', async () => {
    const res = await new Client(t.app).get('/');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<html lang="en"/);
    const text = textOf(res.body);
    for (const s of ['Two Year Old Funding', '30 Hours Free Childcare', 'A Primary or Secondary School Place', 'Free School Meals', 'Special Educational Needs Services', 'Email Address', 'Password', 'Forgotten your password?', 'Welcome to the Citizen Portal']) {
      assert.ok(text.includes(s), `home page lacks "${s}"`);
    }
    assert.match(res.body, /<form method="post" action="\/login"/);
    assert.match(res.body, /href="\/send"/);
  });

  test('?lng=cy switches to Welsh and is remembered in a cookie', async () => {
    const c = new Client(t.app);
    const first = await c.get('/?lng=cy');
    assert.match(first.body, /<html lang="cy"/);
    assert.equal(c.cookies.get('portal_lang'), 'cy');
    const again = await c.get('/contact');
    assert.match(again.body, /<html lang="cy"/);
    const back = await c.get('/?lng=en');
    assert.match(back.body, /<html lang="en"/);
  });

  test('an unknown address gets the 404 page in the chosen language, without a stack trace', async () => {
    const en = await new Client(t.app).get('/no-such-page');
    assert.equal(en.statusCode, 404);
    assert.ok(textOf(en.body).includes('Page not found'));
    const cy = await new Client(t.app).get('/no-such-page?lng=cy');
    assert.equal(cy.statusCode, 404);
    assert.match(cy.body, /<html lang="cy"/);
    assert.doesNotMatch(en.body, /at .*\.(ts|js):\d+/);
  });

  test('every information page and service page answers in both languages', async () => {
    for (const path of ['/accessibility', '/cookies', '/privacy', '/contact', '/services/two-year-old-funding', '/services/thirty-hours-free-childcare', '/services/school-place', '/services/free-school-meals']) {
      for (const lng of ['en', 'cy']) {
        const res = await new Client(t.app).get(`${path}?lng=${lng}`);
        assert.equal(res.statusCode, 200, `${path} in ${lng}`);
        assert.match(res.body, new RegExp(`<html lang="${lng}"`));
      }
    }
    const contact = await new Client(t.app).get('/contact');
    assert.ok(textOf(contact.body).includes('01642 527145'));
  });

  test('a POST without a CSRF token, or with a forged one, is refused with 403 and an explanation', async () => {
    const c = new Client(t.app);
    await c.get('/');
    const none = await c.post('/login', { _csrf: '', email: 'a@example.com', password: 'x' });
    assert.equal(none.statusCode, 403);
    assert.ok(textOf(none.body).includes('Your form could not be sent'));
    const forged = await c.post('/login', { _csrf: 'A'.repeat(43), email: 'a@example.com' });
    assert.equal(forged.statusCode, 403);
    // A token from another browser (another CSRF cookie) is refused too.
    const other = new Client(t.app);
    const otherPage = await other.get('/');
    const stolen = await c.post('/login', { _csrf: csrfFrom(otherPage.body), email: 'a@example.com' });
    assert.equal(stolen.statusCode, 403);
  });

  test('security headers: CSP with a nonce and no unsafe-inline, HSTS, no framing', async () => {
    const res = await new Client(t.app).get('/');
    const csp = String(res.headers['content-security-policy']);
    const nonce = csp.match(/'nonce-([^']+)'/)?.[1];
    assert.ok(nonce, 'CSP has a nonce');
    assert.ok(res.body.includes(`nonce="${nonce}"`), 'inline script carries the nonce');
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(String(res.headers['strict-transport-security']), /max-age=\d+/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    const second = await new Client(t.app).get('/');
    assert.notEqual(String(second.headers['content-security-policy']), csp, 'nonce changes per request');
  });

  test('anonymous visitors get no server-side session', async () => {
    const c = new Client(t.app);
    await c.get('/');
    await c.get('/cookies');
    assert.equal(c.cookies.has('portal_session'), false);
    const count = await t.database.db.selectFrom('sessions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 0);
  });

  test('public pages rendered once are filled in per request: own nonce, own CSRF token, own path', async () => {
    const a = await new Client(t.app).get('/login');
    const b = await new Client(t.app).get('/login');
    assert.notEqual(csrfFrom(a.body), csrfFrom(b.body));
    const nonceOf = (html: string) => html.match(/<script nonce="([^"]+)"/)?.[1];
    assert.notEqual(nonceOf(a.body), nonceOf(b.body));
    assert.equal(nonceOf(a.body), String(a.headers['content-security-policy']).match(/'nonce-([^']+)'/)?.[1]);
    assert.doesNotMatch(a.body, /__(nonce|csrf|here)_/);
    // The 404 page is kept once for every address, so the address typed must be escaped where it appears.
    const odd = await new Client(t.app).get('/%22%3E%3Cscript%3Ealert(1)%3C/script%3E');
    assert.equal(odd.statusCode, 404);
    assert.doesNotMatch(odd.body, /<script>alert/);
    assert.match(odd.body, /href="\/%22%3E%3Cscript%3Ealert\(1\)%3C\/script%3E\?lng=cy"/);
  });

  test('/healthz and /readyz', async () => {
    const health = await t.app.inject('/healthz');
    assert.equal(health.statusCode, 200);
    const ready = await t.app.inject('/readyz');
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ready' });
  });

  test('govuk-frontend assets are served, source folders are not', async () => {
    assert.equal((await t.app.inject('/assets/govuk-frontend.min.css')).statusCode, 200);
    assert.equal((await t.app.inject('/assets/govuk-frontend.min.js')).statusCode, 200);
    assert.equal((await t.app.inject('/static/portal.js')).statusCode, 200);
    assert.equal((await t.app.inject('/assets/index.scss')).statusCode, 404);
  });
});
