import type { FastifyReply, FastifyRequest } from 'fastify';
import { audit } from '../../platform/audit.js';
import type { CurrentUser } from '../../platform/types.js';
import { renderTextPdf } from '../plans/pdf.js';
import type { caseViewModel } from './case-view.js';
import type { CaseRow } from './repo.js';

type CaseView = Awaited<ReturnType<typeof caseViewModel>>;
export type Letter = CaseView['letters'][number];

/** A decision letter's words, in the reader's language, in the order letter.njk shows them. */
export interface LetterPdfText {
  /** "<council> – SEN Team". */
  from: string;
  date: string;
  reference: string;
  title: string;
  about: string;
  paragraphs: string[];
  reasons?: { title: string; text: string };
  /** "The plan: <file name>", when the decision came with a plan document. */
  document?: string;
  rights?: { title: string; paragraphs: string[] };
  contact: string;
  signoff: string[];
  /** 'en-GB' or 'cy-GB'. */
  lang: string;
}

/** The letter as the HTML page (cases/views/letter.njk) words it, for the viewer's language. */
export function letterPdfText(request: FastifyRequest, letter: Letter, child: CaseView['child'], reference: string): LetterPdfText {
  const t = request.t;
  const { councilName, senTeamPhone } = request.server.config;
  const team = t('staff:letters.team');
  return {
    from: `${councilName} – ${team}`,
    date: letter.date,
    reference: t('staff:letters.reference', { reference }),
    title: letter.title,
    about: t('staff:letters.about', { child: child.name, dob: child.dateOfBirth }),
    paragraphs: letter.paragraphs,
    reasons: letter.reasons ? { title: t('staff:letters.reasons'), text: letter.reasons } : undefined,
    document: letter.document ? `${t('staff:letters.document')} ${letter.document.filename}` : undefined,
    rights: letter.appeal
      ? { title: t('staff:letters.rightsTitle'), paragraphs: t('staff:letters.rights', { returnObjects: true, mediationBy: letter.appeal.mediationBy, tribunalBy: letter.appeal.tribunalBy }) as string[] }
      : undefined,
    contact: t('staff:letters.contact', { phone: senTeamPhone }),
    signoff: [t('staff:letters.signoff'), team],
    lang: request.lang === 'cy' ? 'cy-GB' : 'en-GB',
  };
}

/** The letter as a PDF of real, searchable text (DejaVu fonts, so Welsh letters such as ŵ and ŷ show). */
export function renderLetterPdf(letter: LetterPdfText, council: string): Promise<Buffer> {
  return renderTextPdf({ title: letter.title, author: council, lang: letter.lang }, (doc) => {
    const body = (text: string) => doc.font('body').fontSize(11).text(text, { paragraphGap: 6 });
    const heading = (text: string) => {
      doc.moveDown(0.5);
      doc.font('bold').fontSize(14).text(text, { paragraphGap: 6 });
    };
    doc.font('bold').fontSize(11).text(letter.from, { paragraphGap: 6 });
    body(letter.date);
    body(letter.reference);
    doc.moveDown(0.5);
    doc.font('bold').fontSize(20).text(letter.title, { paragraphGap: 10 });
    body(letter.about);
    for (const p of letter.paragraphs) body(p);
    if (letter.reasons) {
      heading(letter.reasons.title);
      body(letter.reasons.text.replace(/\r\n/g, '\n'));
    }
    if (letter.document) body(letter.document);
    if (letter.rights) {
      heading(letter.rights.title);
      for (const p of letter.rights.paragraphs) body(p);
    }
    doc.moveDown(0.5);
    body(letter.contact);
    doc.moveDown(0.5);
    doc.font('body').fontSize(11).text(letter.signoff.join('\n'));
  });
}

/** E.g. EHC-2026-00042-decision-not-to-assess-2026-11-29.pdf: the case, the kind of decision and the letter's date. */
export function letterFileName(reference: string, letter: Pick<Letter, 'type' | 'onDate'>): string {
  return `${reference}-${letter.type.replace(/_/g, '-')}-${letter.onDate}.pdf`;
}

/** Sends the letter as a PDF download (never cached), and audits the download as 'letter.downloaded'. */
export async function sendLetterPdf(request: FastifyRequest, reply: FastifyReply, row: CaseRow, model: CaseView, letter: Letter) {
  const council = request.server.config.councilName;
  const pdf = await renderLetterPdf(letterPdfText(request, letter, model.child, row.reference), council);
  const user = request.user as CurrentUser;
  await audit(
    request.server.db,
    { action: 'letter.downloaded', actorId: user.id, subjectType: 'case', subjectId: row.id, detail: { eventId: letter.eventId, type: letter.type }, at: request.server.now() },
    request,
  );
  return reply
    .header('content-type', 'application/pdf')
    .header('content-disposition', `attachment; filename="${letterFileName(row.reference, letter)}"`)
    .header('cache-control', 'no-store')
    .send(pdf);
}
