import nodemailer from 'nodemailer';
import { NotifyClient } from 'notifications-node-client';
import type { Config } from '../../config.js';

export interface OutgoingEmail {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface MailTransport {
  name: string;
  send(email: OutgoingEmail): Promise<void>;
  close?(): void;
}

export interface TransportLogger {
  info(obj: object, msg: string): void;
}

/** Development default: the email stays in the outbox for the dev mailbox; one log line says it was "sent". */
export function consoleTransport(log: TransportLogger): MailTransport {
  return {
    name: 'console',
    async send(email) {
      log.info({ emailId: email.id, subject: email.subject }, 'email delivered to the dev mailbox (/dev/mailbox)');
    },
  };
}

export function smtpTransport(smtpUrl: string, from: string): MailTransport {
  const transporter = nodemailer.createTransport(smtpUrl);
  return {
    name: 'smtp',
    async send(email) {
      await transporter.sendMail({
        from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        messageId: `<${email.id}@citizen-portal>`,
      });
    },
    close: () => transporter.close(),
  };
}

/**
 * GOV.UK Notify sends through templates held in Notify. Use one template whose subject is ((subject)) and
 * whose body is ((body)); the portal renders the words, in the person's language.
 */
export function notifyTransport(apiKey: string, templateId: string): MailTransport {
  const client = new NotifyClient(apiKey);
  return {
    name: 'notify',
    async send(email) {
      await client.sendEmail(templateId, email.to, {
        personalisation: { subject: email.subject, body: email.text },
        reference: email.id,
      });
    },
  };
}

export function transportFromConfig(config: Config, log: TransportLogger): MailTransport {
  switch (config.mail.transport) {
    case 'smtp':
      return smtpTransport(config.mail.smtpUrl as string, config.mail.from);
    case 'notify':
      return notifyTransport(config.mail.notifyApiKey as string, config.mail.notifyTemplateId as string);
    default:
      return consoleTransport(log);
  }
}
