/** API keys contract: integration credentials with a role, shown once, stored as a SHA-256 hash. */
import { z } from 'zod';
import { pageQueryShape, pageSchema, sortQuery } from '../../kernel/http/paging.schemas.js';
import { USER_ROLES } from '../../kernel/http/http.types.js';

/** `tmk_` + 12 hex characters of public prefix + `_` + 32 random bytes in base64url. */
export const API_KEY_PATTERN = /^tmk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export const apiKeyIdParams = z.object({ id: z.uuid() });

export const apiKeySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string().describe('Public part of the key (`tmk_<prefix>_...`), to recognise it in logs and lists'),
  role: z.enum(USER_ROLES),
  customerId: z.uuid().nullable(),
  createdBy: z.uuid().nullable().describe('The user who created it; null when created with the bootstrap admin token'),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable().describe('Updated at most once a minute'),
  revokedAt: z.iso.datetime().nullable(),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

export const apiKeyCreatedSchema = apiKeySchema.extend({
  key: z.string().describe('The key. Shown only in this response: only its hash is stored.'),
});
export type ApiKeyCreated = z.infer<typeof apiKeyCreatedSchema>;

export const createApiKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(200).describe('What uses the key, e.g. "ERP export"'),
  role: z.enum(USER_ROLES),
  customerId: z.uuid().optional().describe('Required for role customer, refused otherwise'),
});
export type CreateApiKey = z.infer<typeof createApiKeyBody>;

export const listApiKeysQuery = z.strictObject({
  ...pageQueryShape,
  sort: sortQuery(['createdAt'] as const, '-createdAt'),
  revoked: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});
export type ListApiKeys = z.infer<typeof listApiKeysQuery>;

export const apiKeyPage = pageSchema(apiKeySchema);
