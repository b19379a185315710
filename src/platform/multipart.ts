import type { FastifyRequest } from 'fastify';

export interface MultipartForm {
  fields: Record<string, string>;
  file?: { name: string; data: Buffer; truncated: boolean };
  /** 'tooLarge' when the file passed the size limit, 'unreadable' when the body was not a form. */
  problem?: 'tooLarge' | 'unreadable';
  /** The CSRF token in the body was right (multipart bodies are read here, so the check is too). */
  csrfOk: boolean;
}

/** Reads a multipart form with at most one file, named `file`. The file is held in memory (20 MB at most). */
export async function readMultipart(request: FastifyRequest): Promise<MultipartForm> {
  const fields: Record<string, string> = {};
  let file: MultipartForm['file'];
  let problem: MultipartForm['problem'];
  try {
    // preservePath: otherwise busboy cuts "../../etc/passwd.pdf" or "a/b.pdf" down to the last part before
    // checkFileName can see it, and a name with folders would be accepted instead of refused.
    for await (const part of request.parts({ preservePath: true })) {
      if (part.type === 'field') fields[part.fieldname] = String(part.value);
      else if (part.fieldname === 'file' && part.filename) {
        try {
          file = { name: part.filename, data: await part.toBuffer(), truncated: part.file.truncated };
        } catch {
          problem = 'tooLarge';
        }
      } else part.file.resume();
    }
  } catch {
    problem ??= 'unreadable';
  }
  return { fields, file, problem, csrfOk: request.verifyCsrf(fields._csrf ?? '') };
}
