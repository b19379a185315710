import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, randomInt } from 'node:crypto';

/** 256-bit random token for links in emails (DESIGN §5). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Tokens are stored only as their SHA-256: a copy of the table cannot be used to follow a link. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export function newCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** People type codes with spaces or dashes ("123 456"); those are allowed. */
export function normaliseCode(input: string): string {
  return input.replace(/[\s-]/g, '');
}

/** A six-digit code has only a million values, so it is kept as an HMAC under the server secret. */
export function hashCode(secret: string, code: string): string {
  return createHmac('sha256', secret).update(`two-step:${code}`).digest('base64url');
}

/** Authenticator-app secrets are encrypted at rest with a key derived from the server secret. */
function key(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'citizen-portal', 'totp-secret', 32));
}

export function encryptSecret(secret: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key(secret), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

export function decryptSecret(secret: string, stored: string): string {
  const [iv, tag, body] = stored.split('.').map((p) => Buffer.from(p, 'base64url'));
  if (!iv || !tag || !body) throw new Error('Malformed encrypted secret');
  const decipher = createDecipheriv('aes-256-gcm', key(secret), iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
}
