import { fileTypeFromBuffer } from 'file-type';

/** DESIGN §5: 20 MB, PDF / Word / ODT / JPEG / PNG judged by content. */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

const ALLOWED: Record<string, string> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  odt: 'application/vnd.oasis.opendocument.text',
  jpg: 'image/jpeg',
  png: 'image/png',
};
/** Word 97–2003 files are OLE compound files; the container alone cannot tell Word from Excel, so the name must say .doc. */
const OLE = { ext: 'doc', mime: 'application/msword' };

export type UploadProblem = 'empty' | 'tooLarge' | 'badName' | 'badType';

/** A name safe to show and to offer for download: no folders, no control characters, not too long. */
export function checkFileName(name: string): string | undefined {
  const trimmed = name.normalize('NFC').trim();
  if (!trimmed || trimmed.length > 150) return undefined;
  // Path separators, parent references, control characters and characters Windows refuses are all refused.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[/\\\0-\x1f\x7f<>:"|?*]/.test(trimmed) || trimmed.includes('..') || trimmed.startsWith('.')) return undefined;
  return trimmed;
}

export async function checkUpload(name: string, data: Buffer, truncated: boolean): Promise<{ ok: true; name: string; ext: string; mime: string } | { ok: false; problem: UploadProblem }> {
  if (truncated || data.length > MAX_UPLOAD_BYTES) return { ok: false, problem: 'tooLarge' };
  if (data.length === 0) return { ok: false, problem: 'empty' };
  const safeName = checkFileName(name);
  if (!safeName) return { ok: false, problem: 'badName' };
  const type = await fileTypeFromBuffer(data);
  if (type && ALLOWED[type.ext] === type.mime) return { ok: true, name: safeName, ext: type.ext, mime: type.mime };
  if (type?.ext === 'cfb' && /\.doc$/i.test(safeName)) return { ok: true, name: safeName, ...OLE };
  return { ok: false, problem: 'badType' };
}

/** Content-Disposition for a download: always an attachment, the name quoted safely (RFC 6266 / 5987). */
export function attachmentHeader(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
