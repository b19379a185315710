import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { answerRows, askedFields, errorMessages, fieldViews, type FormValues, readForm, validateForm } from '../../platform/form-engine.js';
import { readMultipart } from '../../platform/multipart.js';
import { formatDate } from '../../platform/time.js';
import type { CurrentUser } from '../../platform/types.js';
import { attachmentHeader, MAX_UPLOAD_BYTES } from '../../platform/uploads.js';
import { SECTIONS, sectionDef } from './forms.js';
import type { RequestRow } from './repo.js';
import { type LinkedChild, type SendService, sectionAtLeastOne } from './service.js';

const me = (request: FastifyRequest) => request.user as CurrentUser;

/** The request for an EHC needs assessment: task list, sections, documents, check answers, submit. */
export async function requestRoutes(app: FastifyInstance, send: SendService) {
  /** Loads the request if this person may see it; otherwise answers 404 (and the refusal is audited). */
  async function load(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) {
    const found = await send.requestFor(me(request), request.params.id, request);
    if (!found) {
      reply.errorPage(404, 'notFound');
      return undefined;
    }
    return found;
  }

  app.post<{ Params: { childId: string } }>('/send/children/:childId/requests', async (request, reply) => {
    const child = await send.childFor(me(request), request.params.childId, request);
    if (!child) return reply.errorPage(404, 'notFound');
    const id = await send.startRequest(me(request), child, request);
    return reply.redirect(`/send/requests/${id}`);
  });

  app.get<{ Params: { id: string } }>('/send/requests/:id', async (request, reply) => {
    const found = await load(request, reply);
    if (!found) return;
    const { req, child } = found;
    if (req.status === 'submitted') return reply.redirect(`/send/requests/${req.id}/confirmation`);
    const statuses = send.statuses(req);
    const done = Object.values(statuses).filter((s) => s === 'completed').length;
    return reply.render('send/views/task-list', {
      title: request.t('request:taskList.title'),
      child: { name: `${child.first_name} ${child.last_name}` },
      requestId: req.id,
      sections: SECTIONS.map((s) => ({ key: s.key, href: `/send/requests/${req.id}/sections/${s.key}`, status: statuses[s.key] })),
      done,
      total: SECTIONS.length,
      notice: request.session?.take<string>('notice'),
      backLink: '/send',
    });
  });

  // ---- One section ---------------------------------------------------------------------------------
  async function sectionPage(request: FastifyRequest, reply: FastifyReply, req: RequestRow, child: LinkedChild, key: string, values: FormValues, errors?: Record<string, string>, status = 200) {
    const def = sectionDef(key);
    if (!def) return reply.errorPage(404, 'notFound');
    const documents = key === 'documents' ? await send.documentsOf(req) : [];
    const errorView = errors ? errorMessages('request', def.fields, errors, request.t) : undefined;
    if (errors?.file) {
      const text = request.t(`request:upload.errors.${errors.file}`, { max: MAX_UPLOAD_BYTES / 1024 / 1024 });
      errorView?.list.unshift({ text, href: '#file' });
      if (errorView) errorView.fields.file = { text };
    }
    if (errors?.atLeastOne) errorView?.list.unshift({ text: request.t(`request:sections.${key}.atLeastOne`), href: `#${def.atLeastOne?.[0]}` });
    return reply.code(status).render('send/views/section', {
      title: request.t(`request:sections.${key}.title`),
      key,
      requestId: req.id,
      child: key === 'child' ? child : undefined,
      intro: request.t(`request:sections.${key}.intro`, { returnObjects: true, child: child.first_name }),
      fields: fieldViews('request', def.fields, values, request.t),
      documents: documents.map((d) => ({ id: d.id, name: d.filename, size: Math.max(1, Math.round(d.size / 1024)) })),
      maxMb: MAX_UPLOAD_BYTES / 1024 / 1024,
      errors: errorView,
      // "<file> has been uploaded." is shown here, where the upload brings the person back.
      notice: request.session?.take<string>('notice'),
      backLink: `/send/requests/${req.id}`,
    });
  }

  app.get<{ Params: { id: string; key: string } }>('/send/requests/:id/sections/:key', async (request, reply) => {
    const found = await load(request, reply);
    if (!found) return;
    if (found.req.status === 'submitted') return reply.redirect(`/send/requests/${found.req.id}/confirmation`);
    const saved = send.answers(found.req)[request.params.key]?.values ?? {};
    return sectionPage(request, reply, found.req, found.child, request.params.key, saved);
  });

  app.post<{ Params: { id: string; key: string } }>('/send/requests/:id/sections/:key', async (request, reply) => {
    const found = await load(request, reply);
    if (!found) return;
    const { req, child } = found;
    const def = sectionDef(request.params.key);
    if (!def) return reply.errorPage(404, 'notFound');
    if (req.status === 'submitted') return reply.redirect(`/send/requests/${req.id}/confirmation`);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const values = readForm(def.fields, body);
    const later = body.action === 'later';
    const errors = validateForm(def.fields, values, !later);
    if (!later && !Object.keys(errors).length && !sectionAtLeastOne(def.key, values)) errors.atLeastOne = 'atLeastOne';
    if (Object.keys(errors).length) return sectionPage(request, reply, req, child, def.key, values, errors, 400);
    await send.saveSection(req, def.key, values, !later);
    if (later) {
      request.ensureSession().set('notice', request.t('request:taskList.savedForLater'));
      return reply.redirect('/send');
    }
    return reply.redirect(`/send/requests/${req.id}`);
  });

  // ---- Documents -----------------------------------------------------------------------------------
  app.post<{ Params: { id: string } }>('/send/requests/:id/documents', { config: { csrf: false } }, async (request, reply) => {
    const form = await readMultipart(request);
    if (!form.csrfOk) return reply.errorPage(403, 'csrf');
    const { file } = form;
    let problem: string | undefined = form.problem;
    const found = await load(request, reply);
    if (!found) return;
    const { req, child } = found;
    if (req.status === 'submitted') return reply.redirect(`/send/requests/${req.id}/confirmation`);
    const saved = send.answers(req).documents?.values ?? {};
    if (!problem && !file) problem = 'required';
    if (!problem && file) {
      const result = await send.addDocument(me(request), req, file, request);
      if (!result.ok) problem = result.problem;
    }
    if (problem) return sectionPage(request, reply, req, child, 'documents', saved, { file: problem }, 400);
    request.ensureSession().set('notice', request.t('request:upload.added', { name: file?.name }));
    return reply.redirect(`/send/requests/${req.id}/sections/documents`);
  });

  app.post<{ Params: { id: string; docId: string } }>('/send/requests/:id/documents/:docId/delete', async (request, reply) => {
    const found = await load(request, reply);
    if (!found) return;
    const doc = await send.documentFor(me(request), request.params.docId, request);
    if (!doc || !(await send.removeDocument(me(request), found.req, doc, request))) return reply.errorPage(404, 'notFound');
    return reply.redirect(`/send/requests/${found.req.id}/sections/documents`);
  });

  app.get<{ Params: { docId: string } }>('/send/documents/:docId', async (request, reply) => {
    const doc = await send.documentFor(me(request), request.params.docId, request);
    if (!doc) return reply.errorPage(404, 'notFound');
    const data = await send.readDocument(me(request), doc, request);
    return reply
      .header('content-type', doc.content_type)
      .header('content-disposition', attachmentHeader(doc.filename))
      .header('cache-control', 'no-store')
      .send(data);
  });

  // ---- Check answers, submit, confirmation ---------------------------------------------------------
  app.get<{ Params: { id: string } }>('/send/requests/:id/check', async (request, reply) => {
    const found = await load(request, reply);
    if (!found) return;
    const { req } = found;
    if (req.status === 'submitted') return reply.redirect(`/send/requests/${req.id}/confirmation`);
    const answers = send.answers(req);
    const documents = await send.documentsOf(req);
    const incomplete = send.incompleteSections(req);
    return reply.render('send/views/check', {
      title: request.t('request:check.title'),
      requestId: req.id,
      sections: SECTIONS.map((s) => ({
        key: s.key,
        title: request.t(`request:sections.${s.key}.title`),
        href: `/send/requests/${req.id}/sections/${s.key}`,
        rows: answerRows('request', askedFields(s.fields, answers[s.key]?.values ?? {}), answers[s.key]?.values ?? {}, request.t, (d) => formatDate(d, request.lang)),
        incomplete: incomplete.includes(s.key),
      })),
      documents: documents.map((d) => d.filename),
      incomplete,
      backLink: `/send/requests/${req.id}`,
    });
  });

  app.post<{ Params: { id: string } }>('/send/requests/:id/submit', async (request, reply) => {
    const found = await load(request, reply);
    if (!found) return;
    const result = await send.submit(me(request), found.req, found.child, request);
    if (result.kind === 'incomplete') return reply.redirect(`/send/requests/${found.req.id}/check`);
    return reply.redirect(`/send/requests/${found.req.id}/confirmation`);
  });

  app.get<{ Params: { id: string } }>('/send/requests/:id/confirmation', async (request, reply) => {
    const found = await load(request, reply);
    if (!found) return;
    const caseRow = await send.caseForRequest(found.req.id);
    if (!caseRow) return reply.redirect(`/send/requests/${found.req.id}`);
    const f = (d: string) => formatDate(d, request.lang);
    return reply.render('send/views/confirmation', {
      title: request.t('request:confirmation.title'),
      reference: caseRow.reference,
      child: found.child.first_name,
      receivedOn: f(caseRow.received_on),
      decisionBy: f(caseRow.decision_due_on),
      finalBy: f(caseRow.final_plan_due_on),
    });
  });

  // ---- Deleting a draft ----------------------------------------------------------------------------
  app.get<{ Params: { id: string } }>('/send/requests/:id/delete', async (request, reply) => {
    const found = await load(request, reply);
    if (!found) return;
    if (found.req.status !== 'draft') return reply.redirect(`/send/requests/${found.req.id}/confirmation`);
    return reply.render('send/views/delete-draft', { title: request.t('request:delete.title'), requestId: found.req.id, child: found.child.first_name, backLink: `/send/requests/${found.req.id}` });
  });

  app.post<{ Params: { id: string } }>('/send/requests/:id/delete', async (request, reply) => {
    const found = await load(request, reply);
    if (!found) return;
    // Only a draft can be deleted: a sent request stays, and the person is not told it was deleted.
    if (!(await send.deleteDraft(me(request), found.req, request))) return reply.redirect(`/send/requests/${found.req.id}/confirmation`);
    request.ensureSession().set('notice', request.t('request:delete.done'));
    return reply.redirect('/send');
  });
}
