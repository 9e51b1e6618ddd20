/** HTTP side of optimistic concurrency: the ETag of a row version and the If-Match header. */
import { z } from 'zod';

/** ETag of a row version. Strong, since the representation is fully determined by the version. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * Reads an `If-Match` header: undefined when absent (unconditional change), '*' for any current
 * version, otherwise the versions listed (`"3"`, `W/"3"` and lists `"3", "4"` are accepted).
 * Unparseable entries yield no version, so the precondition fails (412) rather than passing.
 */
export function parseIfMatch(header: string | string[] | undefined): '*' | number[] | undefined {
  if (header === undefined) return undefined;
  const raw = Array.isArray(header) ? header.join(',') : header;
  if (raw.trim() === '*') return '*';
  return raw
    .split(',')
    .map((tag) => /^\s*(?:W\/)?"(\d{1,9})"\s*$/.exec(tag)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number);
}

/** Documents (and keeps) the `If-Match` request header of a PATCH route; other headers pass through. */
export const ifMatchHeaders = z.looseObject({
  'if-match': z.string().optional().describe('ETag of the version you read; a stale one fails with 412'),
});
