import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { audit } from '../../platform/audit.js';
import { errorView, type FieldErrors, formFields, isEmail } from '../../platform/forms.js';
import { afterSignIn, mustUseTwoStep, signIn } from './auth.js';
import { passwordProblem } from './passwords.js';
import { findUserById } from './repo.js';
import type { AccountService } from './service.js';

const NAME_MAX = 100;

function message(reply: FastifyReply, model: { title: string; paragraphs: string[]; actions?: { href: string; text: string; button?: boolean }[]; form?: Record<string, unknown> }, status = 200) {
  return reply.code(status).render('account/views/message', model);
}

/** Checks a new password and its confirmation against DESIGN §5. */
export function newPasswordErrors(t: FastifyRequest['t'], password: string, confirm: string, email: string, field = 'password'): FieldErrors {
  const errors: FieldErrors = {};
  const problem = passwordProblem(password, email);
  if (problem) errors[field] = t(`account:errors.password.${problem}`);
  else if (password !== confirm) errors[`${field}Confirm`] = t('account:errors.password.mismatch');
  return errors;
}

/** Register, confirm, login with two-step code, logout, forgotten password. */
export default async function accountRoutes(app: FastifyInstance, opts: { accounts: AccountService }) {
  const { accounts } = opts;

  // ---- Register -------------------------------------------------------------------------------
  const registerFields = ['firstName', 'lastName', 'email', 'password', 'passwordConfirm', 'terms'] as const;

  app.get('/register', async (request, reply) => {
    if (request.user) return reply.redirect('/account');
    return reply.render('account/views/register', { title: request.t('account:register.title'), values: {} }, 'path');
  });

  app.post('/register', async (request, reply) => {
    const t = request.t;
    const f = formFields(request, registerFields);
    const values = { firstName: f.firstName.trim(), lastName: f.lastName.trim(), email: f.email.trim(), terms: f.terms };
    const errors: FieldErrors = {};
    if (!values.firstName) errors.firstName = t('account:errors.firstName.required');
    else if (values.firstName.length > NAME_MAX) errors.firstName = t('account:errors.firstName.tooLong');
    if (!values.lastName) errors.lastName = t('account:errors.lastName.required');
    else if (values.lastName.length > NAME_MAX) errors.lastName = t('account:errors.lastName.tooLong');
    if (!values.email) errors.email = t('account:errors.email.required');
    else if (!isEmail(values.email)) errors.email = t('account:errors.email.invalid');
    Object.assign(errors, newPasswordErrors(t, f.password, f.passwordConfirm, values.email));
    if (f.terms !== 'yes') errors.terms = t('account:errors.terms.required');
    if (Object.keys(errors).length) {
      return reply.code(400).render('account/views/register', { title: t('account:register.title'), values, errors: errorView(errors) });
    }
    await accounts.register({ firstName: values.firstName, lastName: values.lastName, email: values.email, password: f.password, lang: request.lang });
    request.ensureSession().set('checkEmail', values.email.toLowerCase());
    return reply.redirect('/register/check-email');
  });

  app.get('/register/check-email', async (request, reply) => {
    const email = request.session?.get<string>('checkEmail');
    if (!email) return reply.redirect('/register');
    return reply.render('account/views/check-email', { title: request.t('account:checkEmail.title'), email, resent: request.session?.take('resent') });
  });

  app.post('/register/resend', async (request, reply) => {
    const email = request.session?.get<string>('checkEmail');
    if (!email) return reply.redirect('/register');
    await accounts.resendConfirmation(email);
    request.ensureSession().set('resent', true);
    return reply.redirect('/register/check-email');
  });

  // ---- Confirm the email address ---------------------------------------------------------------
  app.get<{ Querystring: { token?: string } }>('/confirm-email', async (request, reply) => {
    const t = request.t;
    const token = String(request.query.token ?? '');
    const result = await accounts.confirmEmail(token);
    if (result.kind !== 'ok') {
      const email = await accounts.emailForToken(token);
      return message(
        reply,
        {
          title: t(`account:confirmFailed.${result.kind}.title`),
          paragraphs: t(`account:confirmFailed.${result.kind}.body`, { returnObjects: true }) as string[],
          form: { action: '/confirm-email/new-link', email: email ?? '', button: t('account:confirmFailed.button') },
        },
        400,
      );
    }
    signIn(request, result.user, false);
    await audit(app.db, { action: 'login.via_confirmation', actorId: result.user.id }, request);
    return reply.redirect('/account/two-step-verification?welcome=1');
  });

  app.post('/confirm-email/new-link', async (request, reply) => {
    const { email } = formFields(request, ['email']);
    if (isEmail(email.trim())) await accounts.resendConfirmation(email.trim());
    request.ensureSession().set('checkEmail', email.trim().toLowerCase());
    return reply.redirect('/register/check-email');
  });

  // ---- Login --------------------------------------------------------------------------------------
  app.get('/login', async (request, reply) => {
    if (request.user) return reply.redirect(afterSignIn(request, { role: request.user.role, two_step_method: request.user.twoStepMethod }));
    return reply.render('account/views/login', { title: request.t('account:login.title'), values: {} }, 'path');
  });

  app.post('/login', async (request, reply) => {
    const t = request.t;
    const f = formFields(request, ['email', 'password']);
    const email = f.email.trim();
    const errors: FieldErrors = {};
    if (!email) errors.email = t('account:errors.email.required');
    else if (!isEmail(email)) errors.email = t('account:errors.email.invalid');
    if (!f.password) errors.password = t('account:errors.password.enter');
    const fail = (errs: FieldErrors) =>
      reply.code(400).render('account/views/login', { title: t('account:login.title'), values: { email }, errors: errorView(errs) });
    if (Object.keys(errors).length) return fail(errors);

    const result = await accounts.login(email, f.password, request.ip);
    if (result.kind === 'invalid') return fail({ email: t('account:errors.login.invalid') });
    if (result.kind === 'unconfirmed') {
      request.ensureSession().set('checkEmail', result.user.email);
      return message(reply, {
        title: t('account:unconfirmed.title'),
        paragraphs: t('account:unconfirmed.body', { returnObjects: true, email: result.user.email }) as string[],
        form: { action: '/register/resend', button: t('account:unconfirmed.button') },
      });
    }
    const user = result.user;
    if (user.two_step_method) {
      // Password right: a new session that only knows who is part-way through signing in.
      const s = request.regenerateSession();
      const returnTo = s.get<string>('returnTo');
      s.record.data = { pending: { userId: user.id, at: app.now().getTime() }, ...(returnTo ? { returnTo } : {}) };
      // regenerateSession() keeps the signed-in person: whoever was signed in here is not any more.
      s.userId = null;
      request.rotateCsrf();
      // Too many codes sent lately: the code page says so instead of promising a code that never comes.
      if (user.two_step_method === 'email' && !(await accounts.sendCode(user, 'login'))) s.set('codeNotSent', true);
      return reply.redirect('/login/code');
    }
    signIn(request, user, false);
    await audit(app.db, { action: 'login.success', actorId: user.id, detail: { twoStep: false } }, request);
    return reply.redirect(mustUseTwoStep(user.role) ? '/account/two-step-verification' : afterSignIn(request, user));
  });

  // Longer than a code lives, so a late code gets "expired" rather than a silent return to login.
  const PENDING_MS = 30 * 60 * 1000;
  async function pendingUser(request: FastifyRequest) {
    const pending = request.session?.get<{ userId: string; at: number }>('pending');
    if (!pending || app.now().getTime() - pending.at > PENDING_MS) return undefined;
    return findUserById(app.db, pending.userId);
  }

  function codePage(request: FastifyRequest, reply: FastifyReply, method: 'email' | 'app', extra: Record<string, unknown> = {}, status = 200) {
    return reply.code(status).render('account/views/login-code', { title: request.t(`account:code.${method}.title`), method, ...extra });
  }

  app.get('/login/code', async (request, reply) => {
    const user = await pendingUser(request);
    if (!user?.two_step_method) return reply.redirect('/login');
    if (request.session?.take('codeNotSent')) {
      return codePage(request, reply, user.two_step_method, { errors: errorView({ code: request.t('account:errors.code.tooManySent') }) }, 429);
    }
    return codePage(request, reply, user.two_step_method, { sent: request.session?.take('codeResent') });
  });

  app.post('/login/code', async (request, reply) => {
    const t = request.t;
    const user = await pendingUser(request);
    if (!user?.two_step_method) return reply.redirect('/login');
    const { code } = formFields(request, ['code']);
    if (!code.trim()) return codePage(request, reply, user.two_step_method, { errors: errorView({ code: t('account:errors.code.required') }) }, 400);
    const result = await accounts.verifyCode(user, code, 'login', user.two_step_method);
    if (result === 'locked') {
      await request.destroySession();
      request.rotateCsrf();
      return message(reply, { title: t('account:code.locked.title'), paragraphs: t('account:code.locked.body', { returnObjects: true }) as string[], actions: [{ href: '/login', text: t('account:code.locked.link') }] }, 400);
    }
    if (result !== 'ok') {
      return codePage(request, reply, user.two_step_method, { errors: errorView({ code: t(`account:errors.code.${result}`) }) }, 400);
    }
    signIn(request, user, true);
    await audit(app.db, { action: 'login.success', actorId: user.id, detail: { twoStep: user.two_step_method } }, request);
    return reply.redirect(afterSignIn(request, user));
  });

  app.post('/login/code/resend', async (request, reply) => {
    const user = await pendingUser(request);
    if (user?.two_step_method !== 'email') return reply.redirect('/login');
    const sent = await accounts.sendCode(user, 'login');
    if (!sent) {
      return codePage(request, reply, 'email', { errors: errorView({ code: request.t('account:errors.code.tooManySent') }) }, 429);
    }
    request.session?.set('codeResent', true);
    return reply.redirect('/login/code');
  });

  // ---- Logout and ended sessions --------------------------------------------------------------------
  app.get('/logout', async (request, reply) => {
    if (!request.user) return reply.redirect('/');
    return message(reply, { title: request.t('account:logout.title'), paragraphs: [request.t('account:logout.body')], form: { action: '/logout', button: request.t('common:nav.logout') } });
  });

  app.post('/logout', async (request, reply) => {
    if (request.user) await audit(app.db, { action: 'logout', actorId: request.user.id }, request);
    await request.destroySession();
    request.rotateCsrf();
    request.user = null;
    return reply.redirect('/signed-out?reason=logout');
  });

  app.get<{ Querystring: { reason?: string } }>('/signed-out', async (request, reply) => {
    const t = request.t;
    const key = request.query.reason === 'logout' ? 'loggedOut' : 'expired';
    return message(reply, {
      title: t(`account:signedOut.${key}.title`),
      paragraphs: t(`account:signedOut.${key}.body`, { returnObjects: true }) as string[],
      actions: [{ href: '/login', text: t('account:signedOut.login'), button: true }],
    });
  });

  // ---- Forgotten password and links that set a password ----------------------------------------------
  app.get('/forgotten-password', async (request, reply) => {
    return reply.render('account/views/forgotten-password', { title: request.t('account:forgotten.title'), values: {} }, 'path');
  });

  app.post('/forgotten-password', async (request, reply) => {
    const t = request.t;
    const email = formFields(request, ['email']).email.trim();
    const error = !email ? t('account:errors.email.required') : !isEmail(email) ? t('account:errors.email.invalid') : undefined;
    if (error) return reply.code(400).render('account/views/forgotten-password', { title: t('account:forgotten.title'), values: { email }, errors: errorView({ email: error }) });
    await accounts.forgottenPassword(email);
    return message(reply, { title: t('account:forgotten.sent.title'), paragraphs: t('account:forgotten.sent.body', { returnObjects: true, email }) as string[], actions: [{ href: '/login', text: t('account:forgotten.sent.login') }] });
  });

  for (const [path, purpose] of [
    ['/reset-password', 'reset_password'],
    ['/set-password', 'set_password'],
  ] as const) {
    const page = purpose === 'reset_password' ? 'reset' : 'setPassword';
    const linkFailed = (request: FastifyRequest, reply: FastifyReply, kind: string) =>
      message(
        reply,
        {
          title: request.t(`account:linkFailed.${kind}.title`),
          paragraphs: request.t(`account:linkFailed.${kind}.body`, { returnObjects: true }) as string[],
          actions: [{ href: '/forgotten-password', text: request.t('account:linkFailed.newLink'), button: true }],
        },
        400,
      );

    app.get<{ Querystring: { token?: string } }>(path, async (request, reply) => {
      const token = String(request.query.token ?? '');
      const check = await accounts.checkPasswordLink(token, purpose);
      if (check.kind !== 'ok') return linkFailed(request, reply, check.kind);
      return reply.render('account/views/set-password', { title: request.t(`account:${page}.title`), page, action: path, token });
    });

    app.post(path, async (request, reply) => {
      const t = request.t;
      const f = formFields(request, ['token', 'password', 'passwordConfirm']);
      const check = await accounts.checkPasswordLink(f.token, purpose);
      if (check.kind !== 'ok') return linkFailed(request, reply, check.kind);
      const errors = newPasswordErrors(t, f.password, f.passwordConfirm, check.user.email);
      if (Object.keys(errors).length) {
        return reply.code(400).render('account/views/set-password', { title: t(`account:${page}.title`), page, action: path, token: f.token, errors: errorView(errors) });
      }
      const result = await accounts.setPasswordFromLink(f.token, purpose, f.password);
      if (result.kind !== 'ok') return linkFailed(request, reply, result.kind);
      // Whoever was signed in here is signed out too: the account's sessions have all ended.
      await request.destroySession();
      request.rotateCsrf();
      return message(reply, { title: t(`account:${page}.done.title`), paragraphs: t(`account:${page}.done.body`, { returnObjects: true }) as string[], actions: [{ href: '/login', text: t('account:signedOut.login'), button: true }] });
    });
  }
}
