import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { audit } from '../../platform/audit.js';
import { safeReturnPath } from '../../platform/forms.js';
import type { CurrentUser } from '../../platform/types.js';
import type { UserRow } from './repo.js';
import type { AccountService } from './service.js';

export const STAFF_ROLES = ['caseworker', 'manager', 'admin'] as const;

export function isStaff(role: string): boolean {
  return (STAFF_ROLES as readonly string[]).includes(role);
}

/** Where a person lands after signing in, when they were not on their way somewhere. */
export function homeFor(role: string): string {
  if (isStaff(role)) return '/staff';
  if (role === 'professional') return '/professional';
  return '/send';
}

/** Staff and professionals always use two-step verification; families need it for the SEND area. */
export function mustUseTwoStep(role: string): boolean {
  return role !== 'citizen';
}

export function toCurrentUser(row: UserRow, twoStepDone: boolean): CurrentUser {
  return {
    id: row.id,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    role: row.role,
    lang: row.lang,
    twoStepMethod: row.two_step_method,
    twoStepDone,
  };
}

/** Signs a person in: a new session id and a new CSRF secret, so nothing from before sign-in carries over. */
export function signIn(request: FastifyRequest, user: UserRow, twoStepDone: boolean): void {
  const returnTo = request.session?.get<string>('returnTo');
  const s = request.regenerateSession();
  s.record.data = {};
  s.userId = user.id;
  s.set('twoStep', twoStepDone);
  if (returnTo) s.set('returnTo', returnTo);
  request.rotateCsrf();
  request.user = toCurrentUser(user, twoStepDone);
}

/** After sign-in: back where the person was going, or their home. */
export function afterSignIn(request: FastifyRequest, user: { role: string; two_step_method: string | null }): string {
  if (mustUseTwoStep(user.role) && !user.two_step_method) return '/account/two-step-verification';
  const returnTo = request.session?.take<string>('returnTo');
  return safeReturnPath(returnTo, homeFor(user.role));
}

/** Loads the signed-in person for every request that has a session. */
async function authPlugin(app: FastifyInstance, opts: { accounts: AccountService }) {
  app.addHook('preHandler', async (request) => {
    const userId = request.session?.userId;
    if (!userId) return;
    const row = await opts.accounts.findById(userId);
    if (!row || row.disabled_at) {
      await request.destroySession();
      request.sessionExpired = true;
      return;
    }
    request.user = toCurrentUser(row, request.session?.get<boolean>('twoStep') === true);
  });
}

export default fp(authPlugin, { name: 'auth', dependencies: ['session'] });

function rememberReturn(request: FastifyRequest) {
  if (request.method === 'GET') request.ensureSession().set('returnTo', request.url);
}

/** Guard: signed in. An ended session says so; otherwise the person is asked to log in and brought back. */
export async function requireUser(request: FastifyRequest, reply: FastifyReply) {
  if (request.user) return;
  if (request.sessionExpired) {
    rememberReturn(request);
    return reply.redirect('/signed-out');
  }
  rememberReturn(request);
  return reply.redirect('/login');
}

/** Guard for the SEND area: signed in with two-step verification by email (the source document makes it mandatory). */
export async function requireEmailTwoStep(request: FastifyRequest, reply: FastifyReply) {
  await requireUser(request, reply);
  if (reply.sent) return;
  const user = request.user as CurrentUser;
  if (user.twoStepMethod !== 'email' || !user.twoStepDone) {
    request.ensureSession().set('returnTo', request.url);
    return reply.code(403).render('account/views/two-step-required', { title: request.t('account:twoStepRequired.title') });
  }
}

/** Guard: one of these roles, with two-step verification done. Refusals are audited. */
export function requireRole(...roles: CurrentUser['role'][]) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    await requireUser(request, reply);
    if (reply.sent) return;
    const user = request.user as CurrentUser;
    if (!roles.includes(user.role)) {
      request.log.warn({ event: 'access_refused', userId: user.id, url: request.routeOptions.url }, 'role refused');
      await audit(request.server.db, { action: 'access.refused', actorId: user.id, subjectType: 'route', subjectId: request.routeOptions.url ?? request.url }, request);
      return reply.errorPage(403, 'forbidden');
    }
    if (!user.twoStepMethod) return reply.redirect('/account/two-step-verification');
    if (!user.twoStepDone) return reply.redirect('/login');
  };
}
