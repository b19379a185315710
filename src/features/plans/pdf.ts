import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { PLAN_SECTIONS, type PlanSection } from '../../domain/plan.js';

// DejaVu Sans covers Welsh (ŵ, ŷ) which the PDF standard fonts cannot show; the text stays selectable and searchable.
const require = createRequire(import.meta.url);
const FONT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const FONT_BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

export interface PlanPdfInput {
  council: string;
  title: string;
  lines: string[];
  sectionTitle: (s: PlanSection) => string;
  sections: Partial<Record<PlanSection, string>>;
  emptyText: string;
  lang: string;
}

export interface TextPdfMeta {
  /** The document's title (shown by the viewer instead of the file name). */
  title: string;
  author: string;
  /** The document's language, e.g. 'en-GB' or 'cy-GB'. */
  lang: string;
}

/**
 * An A4, tagged PDF of real text (not an image), so it can be searched, copied and read aloud: `draw` writes
 * it with the fonts 'body' and 'bold' (DejaVu Sans, which has the Welsh letters).
 */
export function renderTextPdf(meta: TextPdfMeta, draw: (doc: PDFKit.PDFDocument) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 56, lang: meta.lang, displayTitle: true, info: { Title: meta.title, Author: meta.author }, tagged: true, pdfVersion: '1.7' });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.registerFont('body', FONT);
    doc.registerFont('bold', FONT_BOLD);
    draw(doc);
    doc.end();
  });
}

/** A tagged-text PDF of one plan version: real text (not an image), so it can be searched, copied and read aloud. */
export function renderPlanPdf(input: PlanPdfInput): Promise<Buffer> {
  return renderTextPdf({ title: input.title, author: input.council, lang: input.lang }, (doc) => {
    doc.font('bold').fontSize(11).text(input.council);
    doc.moveDown(0.5);
    doc.font('bold').fontSize(20).text(input.title);
    doc.moveDown(0.5);
    doc.font('body').fontSize(11);
    for (const line of input.lines) doc.text(line);
    for (const s of PLAN_SECTIONS) {
      doc.moveDown(1);
      doc.font('bold').fontSize(14).text(input.sectionTitle(s));
      doc.moveDown(0.3);
      doc.font('body').fontSize(11).text(input.sections[s]?.trim() || input.emptyText, { paragraphGap: 4 });
    }
  });
}
