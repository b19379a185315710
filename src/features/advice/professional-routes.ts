import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorMessages, fieldViews, type FormValues, readForm, validateForm } from '../../platform/form-engine.js';
import { errorView, formFields } from '../../platform/forms.js';
import { readMultipart } from '../../platform/multipart.js';
import { formatDate } from '../../platform/time.js';
import type { CurrentUser } from '../../platform/types.js';
import { MAX_UPLOAD_BYTES } from '../../platform/uploads.js';
import { requireEmailTwoStep, signIn } from '../account/auth.js';
import { newPasswordErrors } from '../account/routes.js';
import type { AccountService } from '../account/service.js';
import { PROFESSIONAL_ACCOUNT_FIELDS, PROFESSIONAL_FIELDS } from './forms.js';
import type { AdviceService } from './service.js';

const me = (request: FastifyRequest) => request.user as CurrentUser;

/** Professionals: accept an invitation (creating an account if needed), then write and submit advice. */
export default async function professionalRoutes(app: FastifyInstance, opts: { advice: AdviceService; accounts: AccountService }) {
  const { advice, accounts } = opts;

  // ---- The invitation link (no sign-in needed to open it) -------------------------------------------------
  async function acceptPage(request: FastifyRequest, reply: FastifyReply, token: string, values: FormValues = {}, errors?: Record<string, string>, passwordErrors?: Record<string, string>) {
    const t = request.t;
    const check = await advice.checkInvite(token);
    if (check.kind !== 'ok') {
      return reply.code(400).render('account/views/message', { title: t(`advice:accept.${check.kind}.title`), paragraphs: [t(`advice:accept.${check.kind}.body`)], actions: [] });
    }
    if (request.user) {
      if (!request.user.twoStepDone || request.user.twoStepMethod !== 'email') {
        request.ensureSession().set('returnTo', `/professional/accept?token=${encodeURIComponent(token)}`);
        return reply.redirect('/account/two-step-verification');
      }
      const claimed = await advice.claim(me(request), token, request);
      if (claimed.kind === 'ok') return reply.redirect(`/professional/requests/${claimed.id}`);
      return reply.code(403).render('account/views/message', { title: t(`advice:accept.${claimed.kind}.title`), paragraphs: [t(`advice:accept.${claimed.kind}.body`, { email: check.row.email })], actions: [{ href: '/logout', text: t('common:nav.logout') }] });
    }
    // Not signed in: log in with the invited address, or create an account for it.
    request.ensureSession().set('returnTo', `/professional/accept?token=${encodeURIComponent(token)}`);
    const existing = await accounts.findByEmail(check.row.email);
    const fieldErrors = { ...(errors ?? {}) };
    const ev = errorMessages('advice', PROFESSIONAL_ACCOUNT_FIELDS, fieldErrors, t);
    const pw = passwordErrors ? errorView(passwordErrors) : undefined;
    return reply.code(errors || passwordErrors ? 400 : 200).render('advice/views/accept', {
      title: t('advice:accept.title'),
      email: check.row.email,
      token,
      hasAccount: Boolean(existing),
      fields: fieldViews('advice', PROFESSIONAL_ACCOUNT_FIELDS, values, t),
      errors: errors || passwordErrors ? { list: [...ev.list, ...(pw?.list ?? [])], fields: { ...ev.fields, ...(pw?.fields ?? {}) } } : undefined,
    });
  }

  app.get<{ Querystring: { token?: string } }>('/professional/accept', async (request, reply) => acceptPage(request, reply, String(request.query.token ?? '')));

  /** Creates a professional's account for the invited address: the link proves they can read that inbox. */
  app.post('/professional/accept', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const token = String(body.token ?? '');
    const check = await advice.checkInvite(token);
    if (check.kind !== 'ok' || request.user) return acceptPage(request, reply, token);
    if (await accounts.findByEmail(check.row.email)) return acceptPage(request, reply, token);
    const values = readForm(PROFESSIONAL_ACCOUNT_FIELDS, body);
    const errors = validateForm(PROFESSIONAL_ACCOUNT_FIELDS, values);
    const pw = formFields(request, ['password', 'passwordConfirm']);
    const passwordErrors = newPasswordErrors(request.t, pw.password, pw.passwordConfirm, check.row.email);
    if (Object.keys(errors).length || Object.keys(passwordErrors).length) {
      return acceptPage(request, reply, token, values, Object.keys(errors).length ? errors : undefined, Object.keys(passwordErrors).length ? passwordErrors : undefined);
    }
    const user = await accounts.createConfirmedAccount({ email: check.row.email, firstName: String(values.firstName), lastName: String(values.lastName), password: pw.password, role: 'professional', lang: request.lang });
    if (!user) return acceptPage(request, reply, token);
    signIn(request, user, false);
    request.session?.set('returnTo', `/professional/accept?token=${encodeURIComponent(token)}`);
    // Professionals always use two-step verification; setting it up brings them back to the invitation.
    return reply.redirect('/account/two-step-verification?welcome=1');
  });

  // ---- The professional's area ---------------------------------------------------------------------------
  await app.register(async (area) => {
    area.addHook('preHandler', requireEmailTwoStep);

    area.get('/professional', async (request, reply) => {
      const rows = await advice.requestsOf(me(request));
      const f = (d: string | null) => (d ? formatDate(d, request.lang) : '');
      return reply.render('advice/views/professional-home', {
        title: request.t('advice:professional.title'),
        rows: rows.map((r) => ({ id: r.id, child: `${r.first_name} ${r.last_name}`, dob: f(r.date_of_birth), reference: r.reference, dueOn: f(r.due_on), submittedOn: f(r.submitted_on), open: r.status === 'open' && ['assessment', 'plan_maintained'].includes(r.stage) })),
        notice: request.session?.take<string>('notice'),
      });
    });

    async function requestPage(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply, values?: FormValues, errors?: Record<string, string>, status = 200) {
      const req = await advice.requestForProfessional(me(request), request.params.id, request);
      if (!req) return reply.errorPage(404, 'notFound');
      const draft = await advice.draftOf(req.id);
      const current = values ?? (draft ? (JSON.parse(draft.content) as FormValues) : {});
      const errorModel = errors ? errorMessages('advice', PROFESSIONAL_FIELDS, errors, request.t) : undefined;
      if (errors?.file && errorModel) {
        const text = request.t(`request:upload.errors.${errors.file}`, { max: MAX_UPLOAD_BYTES / 1024 / 1024 });
        errorModel.list.unshift({ text, href: '#file' });
        errorModel.fields.file = { text };
      }
      return reply.code(status).render('advice/views/professional-request', {
        title: request.t('advice:professional.requestTitle', { child: req.first_name }),
        req,
        child: `${req.first_name} ${req.last_name}`,
        dob: formatDate(req.date_of_birth, request.lang),
        dueOn: formatDate(req.due_on, request.lang),
        fields: fieldViews('advice', PROFESSIONAL_FIELDS, current, request.t),
        attachments: (await advice.attachmentsFor(req.id)).map((d) => d.filename),
        errors: errorModel,
        draftSaved: Boolean(draft),
        notice: request.session?.take<string>('notice'),
        backLink: '/professional',
      });
    }

    area.get<{ Params: { id: string } }>('/professional/requests/:id', async (request, reply) => requestPage(request, reply));

    area.post<{ Params: { id: string } }>('/professional/requests/:id', async (request, reply) => {
      const req = await advice.requestForProfessional(me(request), request.params.id, request);
      if (!req) return reply.errorPage(404, 'notFound');
      const body = (request.body ?? {}) as Record<string, unknown>;
      const values = readForm(PROFESSIONAL_FIELDS, body);
      const submit = body.action === 'submit';
      const errors = validateForm(PROFESSIONAL_FIELDS, values, submit);
      if (Object.keys(errors).length) return requestPage(request, reply, values, errors, 400);
      if (!(await advice.saveProfessional(me(request), req, values, submit, request))) return reply.redirect('/professional');
      request.ensureSession().set('notice', request.t(submit ? 'advice:professional.submitted' : 'advice:professional.draftSaved'));
      return reply.redirect(submit ? '/professional' : `/professional/requests/${req.id}`);
    });

    area.post<{ Params: { id: string } }>('/professional/requests/:id/attachments', { config: { csrf: false } }, async (request, reply) => {
      const form = await readMultipart(request);
      if (!form.csrfOk) return reply.errorPage(403, 'csrf');
      const req = await advice.requestForProfessional(me(request), request.params.id, request);
      if (!req) return reply.errorPage(404, 'notFound');
      let problem: string | undefined = form.problem ?? (form.file ? undefined : 'required');
      if (!problem && form.file) {
        const result = await advice.addAttachment(me(request), req.id, form.file, request);
        if (!result.ok) problem = result.problem === 'tooMany' ? 'tooManyAttachments' : result.problem;
      }
      if (problem) return requestPage(request, reply, undefined, { file: problem }, 400);
      request.ensureSession().set('notice', request.t('request:upload.added', { name: form.file?.name }));
      return reply.redirect(`/professional/requests/${req.id}`);
    });
  });
}
