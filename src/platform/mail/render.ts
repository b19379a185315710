import type { TFunction } from 'i18next';
import type nunjucks from 'nunjucks';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface EmailContext {
  councilName: string;
  senTeamPhone: string;
}

/**
 * Renders an email from `locales/<lang>/emails.json`: each template has a subject, lines (paragraphs)
 * and, when the data carries a `link`, an action label. Plain text and HTML say the same thing.
 */
export function renderEmail(
  views: nunjucks.Environment,
  t: TFunction,
  lang: string,
  template: string,
  data: Record<string, unknown>,
  ctx: EmailContext,
): RenderedEmail {
  const vars = { ...data, council: ctx.councilName, phone: ctx.senTeamPhone };
  const subject = t(`emails:${template}.subject`, vars);
  const lines = t(`emails:${template}.lines`, { ...vars, returnObjects: true }) as unknown;
  if (!Array.isArray(lines) || subject === `${template}.subject`) throw new Error(`Unknown email template: ${template}`);
  const link = typeof data.link === 'string' ? data.link : undefined;
  const action = link ? t(`emails:${template}.action`, vars) : undefined;
  const footer = t('emails:footer', vars);
  const linkHelp = t('emails:linkHelp', vars);

  const text = [...lines, ...(link ? [`${action}:\n${link}`] : []), footer].join('\n\n');
  const html = views.render('emails/message.njk', {
    lang,
    subject,
    lines,
    link,
    action,
    linkHelp,
    footer,
    council: ctx.councilName,
    service: t('common:serviceName'),
  });
  return { subject, text, html };
}
