/** Links in emails carry tokens in the query string; they must never reach a log line. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|code|password)=)[^&#]*/gi, '$1[REDACTED]');
}
