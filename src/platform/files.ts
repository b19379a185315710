import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Where uploaded files live. Keys are random; names people gave their files are never used on disk. */
export interface FileStore {
  put(data: Buffer): Promise<string>;
  get(key: string): Promise<Buffer>;
  delete(key: string): Promise<void>;
}

const KEY = /^[a-f0-9]{2}\/[a-f0-9]{64}$/;

/** The embedded default: a folder, two levels deep so no directory grows too large. */
export class LocalFileStore implements FileStore {
  constructor(private dir: string) {}

  private file(key: string) {
    if (!KEY.test(key)) throw new Error('Invalid storage key');
    return path.join(this.dir, key);
  }

  async put(data: Buffer): Promise<string> {
    const id = randomBytes(32).toString('hex');
    const key = `${id.slice(0, 2)}/${id}`;
    await mkdir(path.join(this.dir, id.slice(0, 2)), { recursive: true });
    await writeFile(this.file(key), data, { mode: 0o600, flag: 'wx' });
    return key;
  }

  get(key: string): Promise<Buffer> {
    return readFile(this.file(key));
  }

  async delete(key: string): Promise<void> {
    await rm(this.file(key), { force: true });
  }
}
