/** Contracts of the customer admins' user management, invitations and password resets. */
import { z } from 'zod';
import { password } from '../users/users.schemas.js';

export const ACCOUNT_LANGUAGES = ['en', 'de'] as const;
const language = z.enum(ACCOUNT_LANGUAGES).optional().describe('Language of the e-mail (default en)');
const email = z
  .email()
  .max(254)
  .transform((e) => e.toLowerCase());

export const portalUserSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  active: z.boolean(),
  customerAdmin: z.boolean().describe('Invites and manages the users of the same customer'),
  hasPassword: z.boolean().describe('False until the invitation is accepted'),
  createdAt: z.iso.datetime(),
});
export type PortalUser = z.infer<typeof portalUserSchema>;
export const portalUserList = z.object({ items: z.array(portalUserSchema) });

export const portalProfileSchema = portalUserSchema.extend({
  customerId: z.uuid(),
  customerName: z.string(),
});
export type PortalProfile = z.infer<typeof portalProfileSchema>;

export const inviteUserBody = z.strictObject({
  email,
  name: z.string().trim().min(1).max(200),
  customerAdmin: z.boolean().default(false),
  language,
});
export type InviteUser = z.infer<typeof inviteUserBody>;

export const updatePortalUserBody = z.strictObject({
  active: z.boolean().optional(),
  customerAdmin: z.boolean().optional(),
  name: z.string().trim().min(1).max(200).optional(),
});
export type UpdatePortalUser = z.infer<typeof updatePortalUserBody>;

export const portalUserIdParams = z.object({ id: z.uuid() });

const token = z.string().min(20).max(200).describe('The token from the e-mail link');
export const redeemTokenBody = z.strictObject({ token, password });
export type RedeemToken = z.infer<typeof redeemTokenBody>;

export const resetRequestBody = z.strictObject({ email: z.string().trim().min(1).max(254), language });
export type ResetRequest = z.infer<typeof resetRequestBody>;

export const customerAdminBody = z.strictObject({ customerAdmin: z.boolean() });
