import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ageInYears } from '../../domain/dates.js';
import { errorMessages, fieldViews, type FormValues, readForm, validateForm } from '../../platform/form-engine.js';
import type { CurrentUser } from '../../platform/types.js';
import { requireEmailTwoStep } from '../account/auth.js';
import { ACCEPT_FIELDS, childFields, SECTIONS, SHARE_FIELDS } from './forms.js';
import { requestRoutes } from './request-routes.js';
import type { SendService } from './service.js';

const me = (request: FastifyRequest) => request.user as CurrentUser;
const body = (request: FastifyRequest) => (request.body ?? {}) as Record<string, unknown>;

/** The SEND area for families. Every route here needs sign-in with two-step verification by email. */
export default async function sendRoutes(app: FastifyInstance, opts: { send: SendService }) {
  const { send } = opts;
  app.addHook('preHandler', requireEmailTwoStep);

  app.get('/send', async (request, reply) => {
    const overview = await send.overview(me(request));
    return reply.render('send/views/home', {
      title: request.t('send:home.title'),
      children: overview.map(({ child, draft, cases }) => ({
        id: child.id,
        name: child.preferred_name ? `${child.preferred_name} (${child.first_name} ${child.last_name})` : `${child.first_name} ${child.last_name}`,
        dateOfBirth: child.date_of_birth,
        self: child.is_self === 1,
        draft: draft ? { id: draft.id, updatedAt: draft.updated_at.slice(0, 10), completed: Object.values(send.statuses(draft)).filter((s) => s === 'completed').length } : undefined,
        cases: cases.map((c) => ({ reference: c.reference, stage: c.stage, receivedOn: c.received_on, nextDueOn: c.next_due_on, requestId: c.request_id })),
      })),
      sectionCount: SECTIONS.length,
      notice: request.session?.take<string>('notice'),
    });
  });

  // ---- Adding a child ------------------------------------------------------------------------------
  const childForm = (request: FastifyRequest, reply: FastifyReply, self: boolean, values: FormValues, errors?: Record<string, string>, status = 200) => {
    const fields = childFields(self);
    return reply.code(status).render('send/views/child-form', {
      title: request.t(self ? 'send:child.selfTitle' : 'send:child.title'),
      self,
      fields: fieldViews('send', fields, values, request.t),
      errors: errors ? errorMessages('send', fields, errors, request.t) : undefined,
      backLink: '/send',
    });
  };

  app.get<{ Querystring: { self?: string } }>('/send/children/new', async (request, reply) => {
    return childForm(request, reply, request.query.self === '1', { homeLanguage: request.lang === 'cy' ? 'Cymraeg' : 'English' });
  });

  app.post<{ Querystring: { self?: string } }>('/send/children/new', async (request, reply) => {
    const self = request.query.self === '1';
    const fields = childFields(self);
    const values = readForm(fields, body(request));
    const errors = validateForm(fields, values);
    const dob = values.dateOfBirth as string;
    if (!errors.dateOfBirth && dob) {
      if (dob > send.today()) errors.dateOfBirth = 'future';
      else if (self && !send.isYoungPersonAge(dob)) errors.dateOfBirth = 'notYoungPerson';
      // EHC plans run up to the 26th birthday; a fixed cut-off year would drift by a year every year.
      else if (!self && ageInYears(dob, send.today()) > 25) errors.dateOfBirth = 'tooOld';
    }
    if (Object.keys(errors).length) return childForm(request, reply, self, values, errors, 400);
    const childId = await send.addChild(me(request), values, self, request);
    request.ensureSession().set('notice', request.t('send:child.added', { name: values.firstName }));
    return reply.redirect(`/send/children/${childId}`);
  });

  app.get<{ Params: { childId: string } }>('/send/children/:childId', async (request, reply) => {
    const child = await send.childFor(me(request), request.params.childId, request);
    if (!child) return reply.errorPage(404, 'notFound');
    const adults = await send.adultsOf(child.id);
    return reply.render('send/views/child', {
      title: `${child.first_name} ${child.last_name}`,
      child,
      adults: adults.map((a) => ({ name: `${a.first_name} ${a.last_name}`, relationship: a.relationship, pr: a.parental_responsibility === 1, you: a.id === me(request).id })),
      notice: request.session?.take<string>('notice'),
      backLink: '/send',
    });
  });

  // ---- Sharing a child with another adult ------------------------------------------------------------
  const shareForm = (request: FastifyRequest, reply: FastifyReply, child: { id: string; first_name: string }, values: FormValues, errors?: Record<string, string>, status = 200) =>
    reply.code(status).render('send/views/share', {
      title: request.t('send:share.title', { child: child.first_name }),
      childId: child.id,
      fields: fieldViews('send', SHARE_FIELDS, values, request.t),
      errors: errors ? errorMessages('send', SHARE_FIELDS, errors, request.t) : undefined,
      backLink: `/send/children/${child.id}`,
    });

  app.get<{ Params: { childId: string } }>('/send/children/:childId/share', async (request, reply) => {
    const child = await send.childFor(me(request), request.params.childId, request);
    if (!child) return reply.errorPage(404, 'notFound');
    return shareForm(request, reply, child, {});
  });

  app.post<{ Params: { childId: string } }>('/send/children/:childId/share', async (request, reply) => {
    const child = await send.childFor(me(request), request.params.childId, request);
    if (!child) return reply.errorPage(404, 'notFound');
    const values = readForm(SHARE_FIELDS, body(request));
    const errors = validateForm(SHARE_FIELDS, values);
    if (!errors.email && String(values.email).toLowerCase() === me(request).email) errors.email = 'yourself';
    if (Object.keys(errors).length) return shareForm(request, reply, child, values, errors, 400);
    await send.inviteAdult(me(request), child, values.firstName as string, values.email as string, request);
    request.ensureSession().set('notice', request.t('send:share.sent', { email: values.email }));
    return reply.redirect(`/send/children/${child.id}`);
  });

  const acceptPage = async (request: FastifyRequest, reply: FastifyReply, token: string, values: FormValues = {}, errors?: Record<string, string>, status = 200) => {
    const check = await send.checkInvite(token);
    if (check.kind !== 'ok') {
      return reply.code(400).render('account/views/message', {
        title: request.t(`send:accept.${check.kind}.title`),
        paragraphs: [request.t(`send:accept.${check.kind}.body`)],
        actions: [{ href: '/send', text: request.t('send:home.title') }],
      });
    }
    if (check.invite.email !== me(request).email) {
      return reply.code(403).render('account/views/message', {
        title: request.t('send:accept.otherEmail.title'),
        paragraphs: [request.t('send:accept.otherEmail.body', { email: check.invite.email })],
        actions: [{ href: '/send', text: request.t('send:home.title') }],
      });
    }
    return reply.code(status).render('send/views/accept', {
      title: request.t('send:accept.title', { child: check.child.first_name }),
      token,
      fields: fieldViews('send', ACCEPT_FIELDS, values, request.t),
      errors: errors ? errorMessages('send', ACCEPT_FIELDS, errors, request.t) : undefined,
    });
  };

  app.get<{ Querystring: { token?: string } }>('/send/children/accept', async (request, reply) => acceptPage(request, reply, String(request.query.token ?? '')));

  app.post('/send/children/accept', async (request, reply) => {
    const token = String(body(request).token ?? '');
    const values = readForm(ACCEPT_FIELDS, body(request));
    const errors = validateForm(ACCEPT_FIELDS, values);
    if (Object.keys(errors).length) return acceptPage(request, reply, token, values, errors, 400);
    const result = await send.acceptInvite(me(request), token, values, request);
    if (result.kind !== 'ok') return acceptPage(request, reply, token);
    return reply.redirect(`/send/children/${result.childId}`);
  });

  await requestRoutes(app, send);
}
