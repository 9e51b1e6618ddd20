/**
 * /api/v1/portal/profile and /api/v1/portal/users (customer users; managing users takes a
 * customer admin), PUT /api/v1/users/{id}/customer-admin (staff admin: the first customer admin), and the public /api/v1/auth/invitations/accept, /auth/password-reset/request
 * and /auth/password-reset. Thin handlers over AccountsService.
 */
import { z } from 'zod';
import type { ZodApp } from '../../kernel/http/http.types.js';
import { callerOf } from '../auth/principal.js';
import type { LoginLimiter } from '../auth/login-limiter.js';
import type { AccountsService } from './accounts.service.js';
import {
  customerAdminBody,
  inviteUserBody,
  portalProfileSchema,
  portalUserIdParams,
  portalUserList,
  portalUserSchema,
  redeemTokenBody,
  resetRequestBody,
  updatePortalUserBody,
} from './accounts.schemas.js';

const customer = { roles: ['customer'] } as const;
const tags = ['portal'];
const authTags = ['auth'];

export interface AccountsRoutesDeps {
  readonly accounts: AccountsService;
  /** Reset requests are limited like sign-ins (per client, per e-mail and per both). */
  readonly limiter: LoginLimiter;
  readonly inviteTtlHours: number;
  readonly resetTtlMinutes: number;
}

export async function accountsRoutes(app: ZodApp, deps: AccountsRoutesDeps): Promise<void> {
  const { accounts, limiter } = deps;

  app.get(
    '/portal/profile',
    { config: customer, schema: { tags, summary: 'The signed-in customer user and its customer', response: { 200: portalProfileSchema } } },
    async (request) => accounts.profile(callerOf(request)),
  );

  app.get(
    '/portal/users',
    { config: customer, schema: { tags, summary: "The customer's portal users", response: { 200: portalUserList } } },
    async (request) => ({ items: await accounts.list(callerOf(request)) }),
  );

  app.post(
    '/portal/users',
    {
      config: customer,
      schema: {
        tags,
        summary: 'Invite a user of the same customer (customer admins only)',
        description: `The user gets an e-mail with a single-use link to set a password, valid ${deps.inviteTtlHours} h.`,
        body: inviteUserBody,
        response: { 201: portalUserSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await accounts.invite(request.body, callerOf(request))),
  );

  app.patch(
    '/portal/users/:id',
    {
      config: customer,
      schema: {
        tags,
        summary: 'Deactivate, reactivate, rename or make a customer admin (customer admins only)',
        description: "Another customer's user is 404. Deactivation ends the user's sessions at once.",
        params: portalUserIdParams,
        body: updatePortalUserBody,
        response: { 200: portalUserSchema },
      },
    },
    async (request) => accounts.update(request.params.id, request.body, callerOf(request)),
  );

  app.put(
    '/users/:id/customer-admin',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['users'],
        summary: "Make a customer user a customer admin (who manages the customer's users in the portal), or not",
        params: portalUserIdParams,
        body: customerAdminBody,
        response: { 200: portalUserSchema },
      },
    },
    async (request) => accounts.setCustomerAdmin(request.params.id, request.body.customerAdmin, callerOf(request)),
  );

  app.post(
    '/auth/invitations/accept',
    {
      config: { public: true, idempotency: false },
      schema: {
        tags: authTags,
        summary: 'Set the password of an invited user',
        description: 'The token from the invitation e-mail; single-use. An invalid, expired or used token is 400.',
        security: [],
        body: redeemTokenBody,
        response: { 204: z.null().describe('Password set; sign in with it') },
      },
    },
    async (request, reply) => {
      await accounts.acceptInvitation(request.body);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/auth/password-reset/request',
    {
      config: { public: true, idempotency: false },
      schema: {
        tags: authTags,
        summary: 'E-mail a password-reset link',
        description:
          `Always 202, whether or not the e-mail belongs to an active account. The link is valid ${deps.resetTtlMinutes} min and usable once; ` +
          'requests are limited like sign-ins (429 with Retry-After).',
        security: [],
        body: resetRequestBody,
        response: { 202: z.null().describe('Accepted') },
      },
    },
    async (request, reply) => {
      await limiter.attempt(request.ip, request.body.email);
      await accounts.requestReset(request.body);
      return reply.status(202).send(null);
    },
  );

  app.post(
    '/auth/password-reset',
    {
      config: { public: true, idempotency: false },
      schema: {
        tags: authTags,
        summary: 'Set a new password with a reset token',
        description: 'Single-use; every session of the user ends (sign in again). An invalid, expired or used token is 400.',
        security: [],
        body: redeemTokenBody,
        response: { 204: z.null().describe('Password changed') },
      },
    },
    async (request, reply) => {
      await accounts.resetPassword(request.body);
      return reply.status(204).send(null);
    },
  );
}
