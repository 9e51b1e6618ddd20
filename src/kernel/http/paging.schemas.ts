/** Query-string and response schemas of every list route (keyset paging: src/kernel/db/keyset.ts). */
import { z } from 'zod';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../db/keyset.js';

/** `limit` and `cursor` query parameters, shared by every list route. */
export const pageQueryShape = {
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE).describe(`Page size, 1..${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`),
  cursor: z.string().min(1).max(1024).optional().describe('nextCursor from the previous page'),
};

/** `sort` query parameter: one of `fields`, ascending, or prefixed with `-` for descending. */
export function sortQuery<const F extends string>(fields: readonly [F, ...F[]], defaultSort: F | `-${F}`) {
  const values = fields.flatMap((f) => [f, `-${f}`] as const) as [F | `-${F}`, ...(F | `-${F}`)[]];
  // The cast only helps TypeScript: defaultSort is one of `values` by the signature.
  return z
    .enum(values)
    .default(defaultSort as never)
    .describe(`Sort field, \`-\` prefix for descending (default ${defaultSort})`);
}

/** Response envelope of every list route. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().describe('Pass as `cursor` to get the next page; null on the last page'),
  });
}
