/** Login contract. */
import { z } from 'zod';
import { MAX_PASSWORD_LENGTH } from './password.js';
import { userSchema } from '../users/users.schemas.js';
import { USER_ROLES } from '../../kernel/http/http.types.js';

export const loginBody = z.strictObject({
  email: z.string().trim().min(1).max(254),
  // No minimum here: a short password is simply wrong, not a validation error worth revealing.
  password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
});
export type LoginBody = z.infer<typeof loginBody>;

export const loginResponse = z.object({
  token: z.string().describe('Send as `Authorization: Bearer <token>`'),
  tokenType: z.literal('Bearer'),
  expiresAt: z.iso.datetime(),
  user: userSchema,
});

export const meResponse = z.object({
  role: z.enum(USER_ROLES),
  actor: z.object({ type: z.enum(['user', 'api_key', 'admin_token', 'system']), id: z.string() }),
  customerId: z.uuid().nullable(),
  user: userSchema.nullable().describe('The signed-in user; null for API keys and the bootstrap admin token'),
});
