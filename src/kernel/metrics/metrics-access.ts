/**
 * Who may read /metrics: `Authorization: Bearer <METRICS_TOKEN>` (the scrape token), or the
 * bootstrap admin token on the API. Never anonymous on the API. The metrics listener of the
 * broker and worker roles answers without a token only while it listens on a loopback address and
 * no METRICS_TOKEN is set (config.ts refuses a non-loopback METRICS_HOST without one).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** True when `authorization` carries one of `tokens` (compared in constant time). */
export function bearerMatches(authorization: string | undefined, tokens: readonly (string | undefined)[]): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  if (!match) return false;
  const presented = digest(match[1]!);
  let ok = false;
  for (const token of tokens) if (token && timingSafeEqual(presented, digest(token))) ok = true;
  return ok;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
