import type { TFunction } from 'i18next';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { Lang } from './i18n.js';
import type { Mailer } from './mail/outbox.js';
import type { Session } from './session.js';

/** Everything a signed-in request knows about its person. Filled in by the accounts feature. */
export interface CurrentUser {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  role: 'citizen' | 'professional' | 'caseworker' | 'manager' | 'admin';
  lang: Lang;
  twoStepMethod: 'email' | 'app' | null;
  /** Two-step verification was completed (or set up) in this session. */
  twoStepDone: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    db: Db;
    mailer: Mailer;
  }
  interface FastifyRequest {
    lang: Lang;
    t: TFunction;
    cspNonce: string;
    session: Session | null;
    /** A session cookie was sent but its session had ended (idle or absolute timeout). */
    sessionExpired: boolean;
    user: CurrentUser | null;
    csrfToken(): string;
    ensureSession(): Session;
    regenerateSession(): Session;
    destroySession(): Promise<void>;
  }
  interface FastifyReply {
    render(template: string, model?: import('./views.js').ViewModel, cache?: import('./views.js').PageCache): FastifyReply;
  }
}
