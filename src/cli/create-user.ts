import { parseArgs } from 'node:util';
import type { Role } from '../db/schema.js';
import { commandApp } from './context.js';

const ROLES: Role[] = ['caseworker', 'manager', 'admin', 'professional'];
const usage = 'Usage: npm run create-user -- --email EMAIL --name "FIRST LAST" --role caseworker|manager|admin';

/** Creates a staff account and prints (and emails) a single-use link to set its password. */
async function main() {
  const { values } = parseArgs({
    options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, lang: { type: 'string' } },
  });
  const email = values.email?.trim() ?? '';
  const name = values.name?.trim() ?? '';
  const role = values.role as Role;
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || !name || !ROLES.includes(role)) {
    console.error(usage);
    process.exit(2);
  }
  const [firstName, ...rest] = name.split(/\s+/);
  const app = await commandApp();
  try {
    const result = await app.accounts.invite({ email, firstName: firstName as string, lastName: rest.join(' ') || '-', role, invitedBy: null, lang: values.lang === 'cy' ? 'cy' : 'en' });
    if (result.kind === 'exists') {
      console.error(`There is already an account for ${email}.`);
      process.exitCode = 1;
      return;
    }
    console.log(`Created ${role} account for ${email}.`);
    console.log(`Single-use link to set the password (valid 72 hours):\n\n  ${result.link}\n`);
    // The outbox worker of the running portal (or `npm run worker`) delivers the email.
    console.log('The same link is queued as an email (in development, see /dev/mailbox).');
  } finally {
    await app.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
