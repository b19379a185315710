import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { audit } from '../../platform/audit.js';
import { errorView, type FieldErrors, formFields, isEmail, safeReturnPath } from '../../platform/forms.js';
import { isLang } from '../../platform/i18n.js';
import { storeKey } from '../../platform/session.js';
import type { CurrentUser } from '../../platform/types.js';
import { afterSignIn, requireUser } from './auth.js';
import { findUserById, type UserRow } from './repo.js';
import { newPasswordErrors } from './routes.js';
import type { AccountService } from './service.js';

/** The signed-in person's own account: details, email, password, language, two-step verification, deletion. */
export default async function settingsRoutes(app: FastifyInstance, opts: { accounts: AccountService }) {
  const { accounts } = opts;
  app.addHook('preHandler', requireUser);

  async function me(request: FastifyRequest): Promise<UserRow> {
    const row = await findUserById(app.db, (request.user as CurrentUser).id);
    if (!row) throw Object.assign(new Error('Signed-in user vanished'), { statusCode: 404 });
    return row;
  }
  const done = (request: FastifyRequest, reply: FastifyReply, key: string) => {
    request.ensureSession().set('notice', key);
    return reply.redirect('/account');
  };

  app.get('/account', async (request, reply) => {
    const user = await me(request);
    const notice = request.session?.take<string>('notice');
    return reply.render('account/views/account', {
      title: request.t('account:settings.title'),
      account: {
        name: `${user.first_name} ${user.last_name}`,
        email: user.email,
        language: request.t(`account:settings.languages.${user.lang}`),
        twoStep: user.two_step_method ? request.t(`account:twoStep.methods.${user.two_step_method}`) : request.t('account:settings.twoStepOff'),
      },
      notice: notice ? request.t(`account:notices.${notice}`) : undefined,
      canDelete: user.role === 'citizen',
    });
  });

  // ---- Name ----------------------------------------------------------------------------------------
  app.get('/account/name', async (request, reply) => {
    const user = await me(request);
    return reply.render('account/views/change-name', { title: request.t('account:settings.name.title'), values: { firstName: user.first_name, lastName: user.last_name }, backLink: '/account' });
  });
  app.post('/account/name', async (request, reply) => {
    const t = request.t;
    const f = formFields(request, ['firstName', 'lastName']);
    const values = { firstName: f.firstName.trim(), lastName: f.lastName.trim() };
    const errors: FieldErrors = {};
    if (!values.firstName) errors.firstName = t('account:errors.firstName.required');
    else if (values.firstName.length > 100) errors.firstName = t('account:errors.firstName.tooLong');
    if (!values.lastName) errors.lastName = t('account:errors.lastName.required');
    else if (values.lastName.length > 100) errors.lastName = t('account:errors.lastName.tooLong');
    if (Object.keys(errors).length) return reply.code(400).render('account/views/change-name', { title: t('account:settings.name.title'), values, errors: errorView(errors), backLink: '/account' });
    await accounts.changeName(await me(request), values.firstName, values.lastName);
    return done(request, reply, 'name');
  });

  // ---- Email ---------------------------------------------------------------------------------------
  app.get('/account/email', async (request, reply) => {
    return reply.render('account/views/change-email', { title: request.t('account:settings.email.title'), values: {}, backLink: '/account' });
  });
  app.post('/account/email', async (request, reply) => {
    const t = request.t;
    const email = formFields(request, ['email']).email.trim();
    const user = await me(request);
    let error: string | undefined;
    if (!email) error = t('account:errors.email.required');
    else if (!isEmail(email)) error = t('account:errors.email.invalid');
    else if (email.toLowerCase() === user.email) error = t('account:errors.email.same');
    if (error) return reply.code(400).render('account/views/change-email', { title: t('account:settings.email.title'), values: { email }, errors: errorView({ email: error }), backLink: '/account' });
    await accounts.requestEmailChange(user, email);
    request.ensureSession().set('notice', 'emailSent');
    request.session?.set('noticeEmail', email);
    return reply.redirect('/account');
  });
  app.get<{ Querystring: { token?: string } }>('/account/confirm-email-change', async (request, reply) => {
    const result = await accounts.confirmEmailChange(String(request.query.token ?? ''));
    if (result.kind !== 'ok') {
      return reply.code(400).render('account/views/message', {
        title: request.t(`account:emailChangeFailed.${result.kind}.title`),
        paragraphs: request.t(`account:emailChangeFailed.${result.kind}.body`, { returnObjects: true }),
        actions: [{ href: '/account/email', text: request.t('account:emailChangeFailed.again') }],
      });
    }
    return done(request, reply, 'emailChanged');
  });

  // ---- Password ------------------------------------------------------------------------------------
  app.get('/account/password', async (request, reply) => {
    return reply.render('account/views/change-password', { title: request.t('account:settings.password.title'), backLink: '/account' });
  });
  app.post('/account/password', async (request, reply) => {
    const t = request.t;
    const f = formFields(request, ['currentPassword', 'password', 'passwordConfirm']);
    const user = await me(request);
    const errors: FieldErrors = {};
    if (!f.currentPassword) errors.currentPassword = t('account:errors.password.currentRequired');
    Object.assign(errors, newPasswordErrors(t, f.password, f.passwordConfirm, user.email));
    const render = (errs: FieldErrors) => reply.code(400).render('account/views/change-password', { title: t('account:settings.password.title'), errors: errorView(errs), backLink: '/account' });
    if (Object.keys(errors).length) return render(errors);
    const keep = request.session ? storeKey(request.session.cookieValue) : undefined;
    const result = await accounts.changePassword(user, f.currentPassword, f.password, keep);
    if (result === 'wrongCurrent') return render({ currentPassword: t('account:errors.password.currentWrong') });
    request.regenerateSession();
    request.rotateCsrf();
    return done(request, reply, 'password');
  });

  // ---- Language ------------------------------------------------------------------------------------
  app.get('/account/language', async (request, reply) => {
    const user = await me(request);
    return reply.render('account/views/language', { title: request.t('account:settings.language.title'), value: user.lang, backLink: '/account' });
  });
  app.post('/account/language', async (request, reply) => {
    const { lang } = formFields(request, ['lang']);
    if (!isLang(lang)) {
      return reply.code(400).render('account/views/language', { title: request.t('account:settings.language.title'), errors: errorView({ lang: request.t('account:errors.lang.required') }, { lang: 'lang' }), backLink: '/account' });
    }
    await accounts.changeLanguage(await me(request), lang);
    request.ensureSession().set('notice', 'language');
    // The pages switch to the chosen language too.
    return reply.redirect(`/account?lng=${lang}`);
  });

  // ---- Delete --------------------------------------------------------------------------------------
  app.get('/account/delete', async (request, reply) => {
    const user = await me(request);
    if (user.role !== 'citizen') return reply.errorPage(403, 'forbidden');
    return reply.render('account/views/delete', { title: request.t('account:delete.title'), canDelete: await accounts.canDelete(user), backLink: '/account' });
  });
  app.post('/account/delete', async (request, reply) => {
    const t = request.t;
    const user = await me(request);
    if (user.role !== 'citizen') return reply.errorPage(403, 'forbidden');
    const { password } = formFields(request, ['password']);
    const render = (error: string) => reply.code(400).render('account/views/delete', { title: t('account:delete.title'), canDelete: true, errors: errorView({ password: error }), backLink: '/account' });
    if (!password) return render(t('account:errors.password.currentRequired'));
    const result = await accounts.deleteAccount(user, password);
    if (result === 'wrongPassword') return render(t('account:errors.password.currentWrong'));
    if (result === 'openCase') return reply.code(400).render('account/views/delete', { title: t('account:delete.title'), canDelete: false, backLink: '/account' });
    await request.destroySession();
    request.rotateCsrf();
    return reply.render('account/views/message', { title: t('account:delete.done.title'), paragraphs: t('account:delete.done.body', { returnObjects: true }), actions: [{ href: '/', text: t('common:nav.home') }] });
  });

  // ---- Two-step verification -----------------------------------------------------------------------
  const setupTitle = (request: FastifyRequest) => request.t('account:twoStep.title');

  app.get<{ Querystring: { welcome?: string; returnTo?: string } }>('/account/two-step-verification', async (request, reply) => {
    const user = await me(request);
    if (request.query.returnTo) request.ensureSession().set('returnTo', safeReturnPath(request.query.returnTo, '/send'));
    return reply.render('account/views/two-step', { title: setupTitle(request), current: user.two_step_method, welcome: request.query.welcome === '1', value: user.two_step_method ?? 'email' });
  });

  app.post('/account/two-step-verification', async (request, reply) => {
    const t = request.t;
    const { method } = formFields(request, ['method']);
    const user = await me(request);
    if (method !== 'email' && method !== 'app') {
      return reply.code(400).render('account/views/two-step', { title: setupTitle(request), current: user.two_step_method, errors: errorView({ method: t('account:errors.twoStepMethod.required') }) });
    }
    if (method === 'email') {
      await accounts.sendCode(user, 'setup');
      return reply.redirect('/account/two-step-verification/email');
    }
    const { secret } = accounts.newAppSecret(user);
    request.ensureSession().set('pendingAppSecret', accounts.encryptAppSecret(secret));
    return reply.redirect('/account/two-step-verification/app');
  });

  async function appSetupModel(request: FastifyRequest, user: UserRow) {
    const stored = request.session?.get<string>('pendingAppSecret');
    if (!stored) return undefined;
    const secret = accounts.decryptAppSecret(stored);
    const uri = accounts.newAppSecret(user).uri.replace(/secret=[A-Z2-7]+/, `secret=${secret}`);
    return { secret: secret.replace(/(.{4})/g, '$1 ').trim(), qr: await QRCode.toString(uri, { type: 'svg', margin: 1, width: 200 }), raw: secret };
  }

  for (const method of ['email', 'app'] as const) {
    const view = `account/views/two-step-${method}`;
    app.get(`/account/two-step-verification/${method}`, async (request, reply) => {
      const user = await me(request);
      const model = method === 'app' ? await appSetupModel(request, user) : {};
      if (!model) return reply.redirect('/account/two-step-verification');
      return reply.render(view, { title: t2(request, method), email: user.email, ...model, sent: request.session?.take('codeResent'), backLink: '/account/two-step-verification' });
    });
    app.post(`/account/two-step-verification/${method}`, async (request, reply) => {
      const t = request.t;
      const user = await me(request);
      const model = method === 'app' ? await appSetupModel(request, user) : {};
      if (!model) return reply.redirect('/account/two-step-verification');
      const { code } = formFields(request, ['code']);
      const fail = (key: string) => reply.code(400).render(view, { title: t2(request, method), email: user.email, ...model, errors: errorView({ code: t(`account:errors.code.${key}`) }), backLink: '/account/two-step-verification' });
      if (!code.trim()) return fail('required');
      const result = await accounts.verifyCode(user, code, 'setup', method, method === 'app' ? (model as { raw: string }).raw : undefined);
      if (result !== 'ok') return fail(result);
      await accounts.setTwoStepMethod(user, method, method === 'app' ? (model as { raw: string }).raw : undefined);
      // Proving the method counts as two-step verification for this session; a new session id marks the step.
      const s = request.regenerateSession();
      s.set('pendingAppSecret', undefined);
      s.set('twoStep', true);
      request.rotateCsrf();
      s.set('notice', 'twoStep');
      await audit(app.db, { action: 'two_step.verified_at_setup', actorId: user.id, detail: { method } }, request);
      return reply.redirect(afterSignIn(request, { role: user.role, two_step_method: method }));
    });
  }

  app.post('/account/two-step-verification/email/resend', async (request, reply) => {
    const user = await me(request);
    if (!(await accounts.sendCode(user, 'setup'))) {
      return reply.code(429).render('account/views/two-step-email', { title: t2(request, 'email'), email: user.email, errors: errorView({ code: request.t('account:errors.code.tooManySent') }) });
    }
    request.session?.set('codeResent', true);
    return reply.redirect('/account/two-step-verification/email');
  });
}

function t2(request: FastifyRequest, method: 'email' | 'app') {
  return request.t(`account:twoStep.${method}.title`);
}
