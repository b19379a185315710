import * as OTPAuth from 'otpauth';
import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import type { Role, TokenPurpose } from '../../db/schema.js';
import { audit } from '../../platform/audit.js';
import type { Lang } from '../../platform/i18n.js';
import type { Mailer } from '../../platform/mail/outbox.js';
import type { SessionStore } from '../../platform/session.js';
import { hashPassword, verifyPassword } from './passwords.js';
import * as repo from './repo.js';
import type { UserRow } from './repo.js';
import { decryptSecret, encryptSecret, hashCode, hashToken, newCode, newToken, normaliseCode } from './secrets.js';

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
/** DESIGN §5 numbers. */
export const LIMITS = {
  confirmLinkMs: 24 * HOUR,
  resetLinkMs: 1 * HOUR,
  changeEmailLinkMs: 24 * HOUR,
  setPasswordLinkMs: 72 * HOUR,
  codeMs: 15 * MINUTE,
  maxPasswordFailures: 5,
  passwordLockMs: 15 * MINUTE,
  maxCodeFailures: 5,
  codeLockMs: 15 * MINUTE,
  /** Codes (first and resent) a person may be sent in codeSendWindowMs. */
  maxCodesPerWindow: 5,
  codeSendWindowMs: 15 * MINUTE,
  maxLinksPerHour: 5,
} as const;

export interface AccountDeps {
  db: Db;
  mailer: Mailer;
  config: Pick<Config, 'baseUrl' | 'sessionSecret' | 'councilName'>;
  sessions: SessionStore;
  now: () => Date;
  /** Other features say here whether a person has an open case (then the account cannot be deleted). */
  hasOpenCase?: (userId: string) => Promise<boolean>;
}

export type LoginResult = { kind: 'ok'; user: UserRow } | { kind: 'invalid' } | { kind: 'unconfirmed'; user: UserRow };
export type CodeResult = 'ok' | 'wrong' | 'expired' | 'locked';
export type LinkResult<T = UserRow> = { kind: 'ok'; user: T } | { kind: 'invalid' | 'expired' | 'used' };

export interface RegisterInput {
  firstName: string;
  lastName: string;
  email: string;
  password: string;
  lang: Lang;
}

/** Everything about accounts: registration, sign-in, two-step verification, recovery and settings. */
export class AccountService {
  constructor(private d: AccountDeps) {}

  private get db() {
    return this.d.db;
  }
  private now() {
    return this.d.now();
  }
  private link(path: string, token: string) {
    return `${this.d.config.baseUrl}${path}?token=${encodeURIComponent(token)}`;
  }

  async audit(db: Db, action: string, actorId: string | null, subjectId?: string, detail?: Record<string, unknown>) {
    await audit(db, { action, actorId, subjectType: 'user', subjectId: subjectId ?? actorId ?? undefined, detail, at: this.now() });
  }

  findById(id: string) {
    return repo.findUserById(this.db, id);
  }

  findByEmail(email: string) {
    return repo.findUserByEmail(this.db, email);
  }

  private async issueToken(db: Db, userId: string, purpose: TokenPurpose, ttlMs: number, newEmail?: string): Promise<string> {
    const now = this.now();
    await repo.expireTokens(db, userId, [purpose], now);
    const token = newToken();
    await repo.insertToken(db, { userId, purpose, tokenHash: hashToken(token), expiresAt: new Date(now.getTime() + ttlMs), newEmail }, now);
    return token;
  }

  /**
   * Registration answers the same whether or not the address has an account (DESIGN §5): a new address
   * gets a confirmation link; an address with an account gets a "you already have an account" email.
   */
  async register(input: RegisterInput): Promise<void> {
    const passwordHash = await hashPassword(input.password);
    await this.db.transaction().execute(async (trx) => {
      const existing = await repo.findUserByEmail(trx, input.email);
      const now = this.now();
      if (existing?.email_confirmed_at) {
        await this.d.mailer.enqueue(trx, {
          to: existing.email,
          lang: existing.lang,
          template: 'alreadyRegistered',
          data: { name: existing.first_name, link: `${this.d.config.baseUrl}/login`, resetLink: `${this.d.config.baseUrl}/forgotten-password` },
        });
        await this.audit(trx, 'account.register_existing', existing.id);
        return;
      }
      let userId: string;
      if (existing) {
        // Never confirmed: whoever registers again takes it over; only the owner of the inbox can confirm it.
        userId = existing.id;
        await repo.updateUser(trx, userId, { first_name: input.firstName, last_name: input.lastName, password_hash: passwordHash, lang: input.lang, terms_accepted_at: now.toISOString() }, now);
      } else {
        userId = await repo.insertUser(trx, { email: input.email, firstName: input.firstName, lastName: input.lastName, passwordHash, role: 'citizen', lang: input.lang, termsAcceptedAt: now.toISOString() }, now);
      }
      const token = await this.issueToken(trx, userId, 'confirm_email', LIMITS.confirmLinkMs);
      await this.d.mailer.enqueue(trx, {
        to: repo.normaliseEmail(input.email),
        lang: input.lang,
        template: 'confirmEmail',
        data: { name: input.firstName, link: this.link('/confirm-email', token) },
      });
      await this.audit(trx, 'account.registered', userId);
    });
  }

  /** "Send it again": only for an unconfirmed account, a few times an hour; silent otherwise. */
  async resendConfirmation(email: string): Promise<void> {
    const user = await repo.findUserByEmail(this.db, email);
    if (!user || user.email_confirmed_at || user.disabled_at) return;
    const since = new Date(this.now().getTime() - HOUR);
    if ((await repo.countTokensSince(this.db, user.id, 'confirm_email', since)) >= LIMITS.maxLinksPerHour) return;
    await this.db.transaction().execute(async (trx) => {
      const token = await this.issueToken(trx, user.id, 'confirm_email', LIMITS.confirmLinkMs);
      await this.d.mailer.enqueue(trx, { to: user.email, lang: user.lang, template: 'confirmEmail', data: { name: user.first_name, link: this.link('/confirm-email', token) } });
    });
  }

  /** Checks a link's token without using it up. */
  private async checkToken(token: string, purposes: TokenPurpose[]) {
    if (!token || token.length > 100) return { kind: 'invalid' as const };
    const row = await repo.findToken(this.db, hashToken(token), purposes);
    if (!row) return { kind: 'invalid' as const };
    if (row.used_at) return { kind: 'used' as const, row };
    if (row.expires_at <= this.now().toISOString()) return { kind: 'expired' as const, row };
    return { kind: 'ok' as const, row };
  }

  async confirmEmail(token: string): Promise<LinkResult> {
    const check = await this.checkToken(token, ['confirm_email']);
    if (check.kind !== 'ok') return { kind: check.kind };
    return this.db.transaction().execute(async (trx) => {
      const now = this.now();
      if (!(await repo.consumeToken(trx, check.row.id, now))) return { kind: 'used' as const };
      await repo.updateUser(trx, check.row.user_id, { email_confirmed_at: now.toISOString() }, now);
      await this.audit(trx, 'account.email_confirmed', check.row.user_id);
      const user = await repo.findUserById(trx, check.row.user_id);
      return user ? { kind: 'ok' as const, user } : { kind: 'invalid' as const };
    });
  }

  /** The email address a link was sent for, to offer a new one when it has expired. */
  async emailForToken(token: string): Promise<string | undefined> {
    const check = await this.checkToken(token, ['confirm_email', 'reset_password', 'set_password']);
    if (check.kind === 'invalid') return undefined;
    return (await repo.findUserById(this.db, check.row.user_id))?.email;
  }

  /**
   * The password step of sign-in. Unknown emails cost a hash too. Five wrong passwords lock the account
   * for 15 minutes and tell its owner by email. A locked or disabled account answers like a wrong password.
   */
  async login(email: string, password: string, ip: string): Promise<LoginResult> {
    const user = await repo.findUserByEmail(this.db, email);
    const ok = await verifyPassword(user?.password_hash ?? null, password);
    const now = this.now();
    if (!user) return { kind: 'invalid' };
    if (user.disabled_at) {
      await this.audit(this.db, 'login.refused_disabled', user.id, undefined, { ip });
      return { kind: 'invalid' };
    }
    if (user.locked_until && user.locked_until > now.toISOString()) {
      await this.audit(this.db, 'login.refused_locked', user.id, undefined, { ip });
      return { kind: 'invalid' };
    }
    if (!ok) {
      const failures = user.failed_logins + 1;
      await this.db.transaction().execute(async (trx) => {
        if (failures >= LIMITS.maxPasswordFailures) {
          const until = new Date(now.getTime() + LIMITS.passwordLockMs);
          await repo.updateUser(trx, user.id, { failed_logins: 0, locked_until: until.toISOString() }, now);
          await this.d.mailer.enqueue(trx, {
            to: user.email,
            lang: user.lang,
            template: 'accountLocked',
            data: { name: user.first_name, minutes: LIMITS.passwordLockMs / MINUTE, link: `${this.d.config.baseUrl}/forgotten-password` },
          });
          await this.audit(trx, 'login.locked', user.id, undefined, { ip });
        } else {
          await repo.updateUser(trx, user.id, { failed_logins: failures }, now);
          await this.audit(trx, 'login.failed', user.id, undefined, { ip, failures });
        }
      });
      return { kind: 'invalid' };
    }
    if (user.failed_logins || user.locked_until) {
      await repo.updateUser(this.db, user.id, { failed_logins: 0, locked_until: null }, now);
    }
    if (!user.email_confirmed_at) return { kind: 'unconfirmed', user };
    await this.audit(this.db, 'login.password_ok', user.id, undefined, { ip });
    return { kind: 'ok', user };
  }

  /** Emails a six-digit code. False when too many have been sent lately (the person must wait). */
  async sendCode(user: UserRow, purpose: 'login' | 'setup'): Promise<boolean> {
    const now = this.now();
    const since = new Date(now.getTime() - LIMITS.codeSendWindowMs);
    if ((await repo.countCodesSince(this.db, user.id, purpose, since)) >= LIMITS.maxCodesPerWindow) return false;
    const code = newCode();
    await this.db.transaction().execute(async (trx) => {
      await repo.insertCode(trx, { userId: user.id, purpose, codeHash: hashCode(this.d.config.sessionSecret, code), expiresAt: new Date(now.getTime() + LIMITS.codeMs) }, now);
      await this.d.mailer.enqueue(trx, { to: user.email, lang: user.lang, template: 'twoStepCode', data: { name: user.first_name, code, minutes: LIMITS.codeMs / MINUTE } });
    });
    return true;
  }

  /**
   * Checks a two-step code: the emailed code (single use, 15 minutes) or the authenticator app's.
   * Five wrong codes lock two-step verification for 15 minutes.
   */
  async verifyCode(user: UserRow, input: string, purpose: 'login' | 'setup', method: 'email' | 'app', appSecret?: string): Promise<CodeResult> {
    const now = this.now();
    const fresh = await repo.findUserById(this.db, user.id);
    if (!fresh) return 'wrong';
    if (fresh.code_locked_until && fresh.code_locked_until > now.toISOString()) return 'locked';
    const code = normaliseCode(input);
    let ok = false;
    let expired = false;
    if (method === 'email') {
      const live = await repo.findLiveCode(this.db, user.id, purpose, now);
      if (!live) expired = true;
      else if (/^\d{6}$/.test(code) && live.code_hash === hashCode(this.d.config.sessionSecret, code)) {
        ok = await repo.consumeCode(this.db, live.id, now);
      }
    } else {
      const secret = appSecret ?? (fresh.totp_secret ? decryptSecret(this.d.config.sessionSecret, fresh.totp_secret) : undefined);
      const delta = secret && /^\d{6}$/.test(code) ? totp(secret, fresh.email).validate({ token: code, timestamp: now.getTime(), window: 1 }) : null;
      // Each time step's code is accepted once: one overheard or shoulder-surfed code cannot be used again.
      if (delta !== null) ok = await repo.useTotpStep(this.db, user.id, Math.floor(now.getTime() / 1000 / TOTP_PERIOD_SECONDS) + delta);
    }
    if (ok) {
      if (fresh.code_failures) await repo.updateUser(this.db, user.id, { code_failures: 0 }, now);
      return 'ok';
    }
    const failures = fresh.code_failures + 1;
    if (failures >= LIMITS.maxCodeFailures) {
      await repo.updateUser(this.db, user.id, { code_failures: 0, code_locked_until: new Date(now.getTime() + LIMITS.codeLockMs).toISOString() }, now);
      await this.audit(this.db, 'two_step.locked', user.id);
      return 'locked';
    }
    await repo.updateUser(this.db, user.id, { code_failures: failures }, now);
    await this.audit(this.db, 'two_step.failed', user.id, undefined, { purpose });
    return expired && method === 'email' ? 'expired' : 'wrong';
  }

  /** A new authenticator-app secret, and the otpauth:// address for its QR code. */
  newAppSecret(user: UserRow): { secret: string; uri: string } {
    const secret = new OTPAuth.Secret({ size: 20 }).base32;
    return { secret, uri: totp(secret, user.email, this.d.config.councilName).toString() };
  }

  encryptAppSecret(secret: string): string {
    return encryptSecret(this.d.config.sessionSecret, secret);
  }
  decryptAppSecret(stored: string): string {
    return decryptSecret(this.d.config.sessionSecret, stored);
  }

  async setTwoStepMethod(user: UserRow, method: 'email' | 'app', appSecret?: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const now = this.now();
      await repo.updateUser(trx, user.id, { two_step_method: method, totp_secret: method === 'app' && appSecret ? this.encryptAppSecret(appSecret) : null }, now);
      await this.d.mailer.enqueue(trx, { to: user.email, lang: user.lang, template: 'twoStepChanged', data: { name: user.first_name, method } });
      await this.audit(trx, 'two_step.method_set', user.id, undefined, { method });
    });
  }

  /** Same answer whether or not the address has an account (DESIGN §5). */
  async forgottenPassword(email: string): Promise<void> {
    const user = await repo.findUserByEmail(this.db, email);
    if (!user || user.disabled_at) return;
    const since = new Date(this.now().getTime() - HOUR);
    if ((await repo.countTokensSince(this.db, user.id, 'reset_password', since)) >= LIMITS.maxLinksPerHour) return;
    await this.db.transaction().execute(async (trx) => {
      const token = await this.issueToken(trx, user.id, 'reset_password', LIMITS.resetLinkMs);
      await this.d.mailer.enqueue(trx, { to: user.email, lang: user.lang, template: 'passwordReset', data: { name: user.first_name, link: this.link('/reset-password', token), minutes: 60 } });
      await this.audit(trx, 'password.reset_requested', user.id);
    });
  }

  async checkPasswordLink(token: string, purpose: 'reset_password' | 'set_password'): Promise<LinkResult> {
    const check = await this.checkToken(token, [purpose]);
    if (check.kind !== 'ok') return { kind: check.kind };
    const user = await repo.findUserById(this.db, check.row.user_id);
    return user ? { kind: 'ok', user } : { kind: 'invalid' };
  }

  /**
   * Sets a new password from a reset or invitation link: single use; every session of the account ends;
   * an email says it happened. An invitation link also confirms the email address.
   */
  async setPasswordFromLink(token: string, purpose: 'reset_password' | 'set_password', password: string): Promise<LinkResult> {
    const check = await this.checkToken(token, [purpose]);
    if (check.kind !== 'ok') return { kind: check.kind };
    const passwordHash = await hashPassword(password);
    const result = await this.db.transaction().execute(async (trx) => {
      const now = this.now();
      if (!(await repo.consumeToken(trx, check.row.id, now))) return { kind: 'used' as const };
      const user = await repo.findUserById(trx, check.row.user_id);
      if (!user) return { kind: 'invalid' as const };
      await repo.updateUser(
        trx,
        user.id,
        { password_hash: passwordHash, failed_logins: 0, locked_until: null, email_confirmed_at: user.email_confirmed_at ?? now.toISOString() },
        now,
      );
      await this.d.mailer.enqueue(trx, { to: user.email, lang: user.lang, template: 'passwordChanged', data: { name: user.first_name, link: `${this.d.config.baseUrl}/forgotten-password` } });
      await this.audit(trx, purpose === 'reset_password' ? 'password.reset' : 'password.set', user.id);
      return { kind: 'ok' as const, user };
    });
    if (result.kind === 'ok') await this.d.sessions.destroyForUser(result.user.id);
    return result;
  }

  async changeName(user: UserRow, firstName: string, lastName: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await repo.updateUser(trx, user.id, { first_name: firstName, last_name: lastName }, this.now());
      await this.audit(trx, 'account.name_changed', user.id);
    });
  }

  async changeLanguage(user: UserRow, lang: Lang): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await repo.updateUser(trx, user.id, { lang }, this.now());
      await this.audit(trx, 'account.language_changed', user.id, undefined, { lang });
    });
  }

  /** Sends a confirmation link to the new address; the change happens when it is followed. */
  async requestEmailChange(user: UserRow, newEmail: string): Promise<'sent' | 'same'> {
    const email = repo.normaliseEmail(newEmail);
    if (email === user.email) return 'same';
    const taken = await repo.findUserByEmail(this.db, email);
    await this.db.transaction().execute(async (trx) => {
      if (taken) {
        // Do not reveal to the requester that the address has an account; tell that address's owner.
        await this.d.mailer.enqueue(trx, { to: taken.email, lang: taken.lang, template: 'emailInUse', data: { name: taken.first_name } });
      } else {
        const token = await this.issueToken(trx, user.id, 'change_email', LIMITS.changeEmailLinkMs, email);
        await this.d.mailer.enqueue(trx, { to: email, lang: user.lang, template: 'confirmNewEmail', data: { name: user.first_name, link: this.link('/account/confirm-email-change', token) } });
      }
      await this.audit(trx, 'account.email_change_requested', user.id);
    });
    return 'sent';
  }

  async confirmEmailChange(token: string): Promise<LinkResult | { kind: 'taken' }> {
    const check = await this.checkToken(token, ['change_email']);
    if (check.kind !== 'ok') return { kind: check.kind };
    const newEmail = check.row.new_email as string;
    return this.db.transaction().execute(async (trx) => {
      const now = this.now();
      if (await repo.findUserByEmail(trx, newEmail)) return { kind: 'taken' as const };
      if (!(await repo.consumeToken(trx, check.row.id, now))) return { kind: 'used' as const };
      const user = await repo.findUserById(trx, check.row.user_id);
      if (!user) return { kind: 'invalid' as const };
      await repo.updateUser(trx, user.id, { email: newEmail }, now);
      await this.d.mailer.enqueue(trx, { to: user.email, lang: user.lang, template: 'emailChanged', data: { name: user.first_name, newEmail } });
      await this.audit(trx, 'account.email_changed', user.id, undefined, { from: user.email, to: newEmail });
      return { kind: 'ok' as const, user: { ...user, email: newEmail } };
    });
  }

  /** Needs the current password. Every other session of the account ends. */
  async changePassword(user: UserRow, current: string, next: string, keepSessionId: string | undefined): Promise<'ok' | 'wrongCurrent'> {
    if (!(await verifyPassword(user.password_hash, current))) {
      await this.audit(this.db, 'password.change_refused', user.id);
      return 'wrongCurrent';
    }
    const passwordHash = await hashPassword(next);
    await this.db.transaction().execute(async (trx) => {
      await repo.updateUser(trx, user.id, { password_hash: passwordHash }, this.now());
      await this.d.mailer.enqueue(trx, { to: user.email, lang: user.lang, template: 'passwordChanged', data: { name: user.first_name, link: `${this.d.config.baseUrl}/forgotten-password` } });
      await this.audit(trx, 'password.changed', user.id);
    });
    await this.d.sessions.destroyForUser(user.id, keepSessionId);
    return 'ok';
  }

  async canDelete(user: UserRow): Promise<boolean> {
    return !(await this.d.hasOpenCase?.(user.id));
  }

  async deleteAccount(user: UserRow, password: string): Promise<'ok' | 'wrongPassword' | 'openCase'> {
    if (!(await verifyPassword(user.password_hash, password))) return 'wrongPassword';
    if (!(await this.canDelete(user))) return 'openCase';
    await this.db.transaction().execute(async (trx) => {
      await this.d.mailer.enqueue(trx, { to: user.email, lang: user.lang, template: 'accountDeleted', data: { name: user.first_name } });
      await this.audit(trx, 'account.deleted', user.id, undefined, { email: user.email });
      await repo.deleteUser(trx, user.id);
    });
    await this.d.sessions.destroyForUser(user.id);
    return 'ok';
  }

  /** Staff and professional accounts: created with no password; the person sets one from an emailed link. */
  async invite(input: { email: string; firstName: string; lastName: string; role: Role; invitedBy: string | null; lang?: Lang }): Promise<{ kind: 'ok'; link: string; userId: string } | { kind: 'exists' }> {
    return this.db.transaction().execute(async (trx) => {
      if (await repo.findUserByEmail(trx, input.email)) return { kind: 'exists' as const };
      const now = this.now();
      const userId = await repo.insertUser(trx, { email: input.email, firstName: input.firstName, lastName: input.lastName, passwordHash: null, role: input.role, lang: input.lang ?? 'en', termsAcceptedAt: null }, now);
      const token = await this.issueToken(trx, userId, 'set_password', LIMITS.setPasswordLinkMs);
      const link = this.link('/set-password', token);
      await this.d.mailer.enqueue(trx, { to: repo.normaliseEmail(input.email), lang: input.lang ?? 'en', template: 'staffInvite', data: { name: input.firstName, link, hours: LIMITS.setPasswordLinkMs / HOUR } });
      await this.audit(trx, 'staff.invited', input.invitedBy, userId, { role: input.role });
      return { kind: 'ok' as const, link, userId };
    });
  }

  /** An account whose email address is already proven (an invitation link was followed); none if the address is taken. */
  async createConfirmedAccount(input: { email: string; firstName: string; lastName: string; password: string; role: Role; lang: Lang }): Promise<UserRow | undefined> {
    const passwordHash = await hashPassword(input.password);
    return this.db.transaction().execute(async (trx) => {
      if (await repo.findUserByEmail(trx, input.email)) return undefined;
      const now = this.now();
      const id = await repo.insertUser(trx, { email: input.email, firstName: input.firstName, lastName: input.lastName, passwordHash, role: input.role, lang: input.lang, termsAcceptedAt: now.toISOString(), emailConfirmedAt: now.toISOString() }, now);
      await this.audit(trx, 'account.created_from_invitation', id, undefined, { role: input.role });
      return repo.findUserById(trx, id);
    });
  }

  listStaff() {
    return repo.listStaff(this.db);
  }

  async setRole(admin: { id: string }, userId: string, role: Role): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await repo.updateUser(trx, userId, { role }, this.now());
      await this.audit(trx, 'staff.role_changed', admin.id, userId, { role });
    });
  }

  async setDisabled(admin: { id: string }, userId: string, disabled: boolean): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await repo.updateUser(trx, userId, { disabled_at: disabled ? this.now().toISOString() : null }, this.now());
      await this.audit(trx, disabled ? 'staff.disabled' : 'staff.enabled', admin.id, userId);
    });
    if (disabled) await this.d.sessions.destroyForUser(userId);
  }
}

const TOTP_PERIOD_SECONDS = 30;

function totp(secret: string, label: string, issuer = 'Citizen Portal') {
  return new OTPAuth.TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: TOTP_PERIOD_SECONDS, secret: OTPAuth.Secret.fromBase32(secret) });
}
