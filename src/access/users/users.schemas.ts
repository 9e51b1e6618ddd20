/** Users API contract: staff and customer accounts that sign in. Password hashes never leave the server. */
import { z } from 'zod';
import { pageQueryShape, pageSchema, sortQuery } from '../../kernel/http/paging.schemas.js';
import { USER_ROLES } from '../../kernel/http/http.types.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../auth/password.js';

export const userIdParams = z.object({ id: z.uuid() });

export const userSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: z.enum(USER_ROLES),
  customerId: z.uuid().nullable().describe('The customer a `customer` user belongs to; null for staff'),
  active: z.boolean().describe('Inactive users cannot sign in and their tokens stop working'),
  hasPassword: z.boolean().describe('False for accounts that cannot sign in yet'),
  phone: z.string().nullable(),
  skills: z.array(z.string()).describe('Technician skills (e.g. refrigeration)'),
  territories: z.array(z.string()).describe('Technician territories'),
  version: z.number().int().describe('Increments on every change; also sent as the ETag'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type User = z.infer<typeof userSchema>;

const email = z
  .email()
  .max(254)
  .transform((e) => e.toLowerCase());
const name = z.string().trim().min(1).max(200);
export const password = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters`);
const phone = z.string().trim().min(1).max(64);
const labels = z.array(z.string().trim().min(1).max(64)).max(50);

export const createUserBody = z.strictObject({
  email,
  name,
  role: z.enum(USER_ROLES),
  customerId: z.uuid().optional().describe('Required for role customer, refused for staff roles'),
  password: password.optional().describe(`At least ${MIN_PASSWORD_LENGTH} characters; without one the user cannot sign in`),
  phone: phone.optional(),
  skills: labels.optional(),
  territories: labels.optional(),
});
export type CreateUser = z.infer<typeof createUserBody>;

/** PATCH: every field optional; `null` clears an optional field. */
export const updateUserBody = z.strictObject({
  email: email.optional(),
  name: name.optional(),
  role: z.enum(USER_ROLES).optional(),
  customerId: z.uuid().nullable().optional(),
  password: password.optional(),
  active: z.boolean().optional(),
  phone: phone.nullable().optional(),
  skills: labels.optional(),
  territories: labels.optional(),
});
export type UpdateUser = z.infer<typeof updateUserBody>;

export const USER_SORTS = ['email', 'name', 'createdAt'] as const;

export const listUsersQuery = z.strictObject({
  ...pageQueryShape,
  sort: sortQuery(USER_SORTS, 'email'),
  role: z.enum(USER_ROLES).optional(),
  customerId: z.uuid().optional(),
  active: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  q: z.string().trim().min(1).max(200).optional().describe('Case-insensitive substring of the e-mail or name'),
});
export type ListUsers = z.infer<typeof listUsersQuery>;

export const userPage = pageSchema(userSchema);
