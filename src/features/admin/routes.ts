import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Role } from '../../db/schema.js';
import { errorView, type FieldErrors, formFields, isEmail } from '../../platform/forms.js';
import type { CurrentUser } from '../../platform/types.js';
import { requireRole, STAFF_ROLES } from '../account/auth.js';
import type { AccountService } from '../account/service.js';

const INVITABLE: Role[] = [...STAFF_ROLES];

/** Administrators manage staff accounts: invite, change role, disable. */
export default async function adminRoutes(app: FastifyInstance, opts: { accounts: AccountService }) {
  const { accounts } = opts;
  app.addHook('preHandler', requireRole('admin'));

  async function staffPage(request: FastifyRequest, values: Record<string, string> = {}, errors?: FieldErrors) {
    const staff = await accounts.listStaff();
    return {
      title: request.t('admin:staff.title'),
      staff: staff.map((s) => ({
        id: s.id,
        name: `${s.first_name} ${s.last_name}`,
        email: s.email,
        role: s.role,
        status: s.disabled_at ? 'disabled' : s.password_hash ? 'active' : 'invited',
        self: s.id === (request.user as CurrentUser).id,
      })),
      roles: INVITABLE,
      values,
      errors: errors ? errorView(errors, { role: 'role' }) : undefined,
      notice: request.session?.take<string>('notice'),
    };
  }

  app.get('/admin/staff', async (request, reply) => reply.render('admin/views/staff', await staffPage(request)));

  app.post('/admin/staff/invite', async (request, reply) => {
    const t = request.t;
    const f = formFields(request, ['firstName', 'lastName', 'email', 'role']);
    const values = { firstName: f.firstName.trim(), lastName: f.lastName.trim(), email: f.email.trim(), role: f.role };
    const errors: FieldErrors = {};
    if (!values.firstName) errors.firstName = t('account:errors.firstName.required');
    if (!values.lastName) errors.lastName = t('account:errors.lastName.required');
    if (!values.email) errors.email = t('account:errors.email.required');
    else if (!isEmail(values.email)) errors.email = t('account:errors.email.invalid');
    if (!INVITABLE.includes(values.role as Role)) errors.role = t('admin:errors.role');
    if (!Object.keys(errors).length) {
      const result = await accounts.invite({ ...values, role: values.role as Role, invitedBy: (request.user as CurrentUser).id });
      if (result.kind === 'exists') errors.email = t('admin:errors.exists');
      else {
        request.ensureSession().set('notice', t('admin:staff.invited', { email: values.email }));
        return reply.redirect('/admin/staff');
      }
    }
    return reply.code(400).render('admin/views/staff', await staffPage(request, values, errors));
  });

  app.post<{ Params: { id: string } }>('/admin/staff/:id', async (request, reply) => {
    const me = request.user as CurrentUser;
    const target = await accounts.findById(request.params.id);
    if (!target || !(STAFF_ROLES as readonly string[]).includes(target.role)) return reply.errorPage(404, 'notFound');
    const { action, role } = formFields(request, ['action', 'role']);
    // An administrator cannot lock themselves out.
    if (target.id === me.id) return reply.errorPage(400, 'badRequest');
    if (action === 'role' && INVITABLE.includes(role as Role)) await accounts.setRole(me, target.id, role as Role);
    else if (action === 'disable') await accounts.setDisabled(me, target.id, true);
    else if (action === 'enable') await accounts.setDisabled(me, target.id, false);
    else return reply.errorPage(400, 'badRequest');
    request.ensureSession().set('notice', request.t('admin:staff.updated', { name: `${target.first_name} ${target.last_name}` }));
    return reply.redirect('/admin/staff');
  });
}
