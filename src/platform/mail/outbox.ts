import { randomUUID } from 'node:crypto';
import type nunjucks from 'nunjucks';
import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import type { I18n, Lang } from '../i18n.js';
import { renderEmail } from './render.js';

export interface EmailRequest {
  to: string;
  lang: Lang;
  template: string;
  data?: Record<string, unknown>;
}

/**
 * Emails are written to the outbox table with the same database handle (usually a transaction) as the
 * change that causes them: if the change is rolled back, no email; if it commits, the email will go.
 */
export class Mailer {
  private listeners = new Set<() => void>();

  constructor(
    private views: nunjucks.Environment,
    private i18n: I18n,
    private config: Pick<Config, 'councilName' | 'senTeamPhone'>,
    private now: () => Date = () => new Date(),
  ) {}

  async enqueue(db: Db, email: EmailRequest): Promise<string> {
    const rendered = renderEmail(this.views, this.i18n.t(email.lang), email.lang, email.template, email.data ?? {}, {
      councilName: this.config.councilName,
      senTeamPhone: this.config.senTeamPhone,
    });
    const id = randomUUID();
    const at = this.now().toISOString();
    await db
      .insertInto('outbox')
      .values({
        id,
        to_address: email.to,
        lang: email.lang,
        template: email.template,
        subject: rendered.subject,
        text_body: rendered.text,
        html_body: rendered.html,
        status: 'pending',
        attempts: 0,
        next_attempt_at: at,
        locked_until: null,
        last_error: null,
        created_at: at,
        sent_at: null,
      })
      .execute();
    // Wake an in-process worker once the caller's transaction has had time to commit.
    setImmediate(() => {
      for (const l of this.listeners) l();
    });
    return id;
  }

  onEnqueue(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
