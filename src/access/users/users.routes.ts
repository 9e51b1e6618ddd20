/** /api/v1/users — admin-only account management. Thin handlers over UsersService. */
import { z } from 'zod';
import type { ZodApp } from '../../kernel/http/http.types.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../../kernel/http/etag.js';
import { principalOf } from '../auth/principal.js';
import type { UsersService } from './users.service.js';
import { createUserBody, listUsersQuery, updateUserBody, userIdParams, userPage, userSchema } from './users.schemas.js';

const config = { roles: ['admin'] } as const;
const tags = ['users'];

export async function usersRoutes(app: ZodApp, deps: { users: UsersService }): Promise<void> {
  const service = deps.users;

  app.post('/users', { config, schema: { tags, summary: 'Create a user', body: createUserBody, response: { 201: userSchema } } }, async (request, reply) => {
    const user = await service.create(request.body, principalOf(request).actor);
    return reply.status(201).header('etag', etagOf(user.version)).header('location', `/api/v1/users/${user.id}`).send(user);
  });

  app.get('/users', { config, schema: { tags, summary: 'List users', querystring: listUsersQuery, response: { 200: userPage } } }, async (request) =>
    service.list(request.query),
  );

  app.get('/users/:id', { config, schema: { tags, summary: 'Read a user', params: userIdParams, response: { 200: userSchema } } }, async (request, reply) => {
    const user = await service.get(request.params.id);
    return reply.header('etag', etagOf(user.version)).send(user);
  });

  app.patch(
    '/users/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Update a user (role, password, deactivation...)',
        params: userIdParams,
        headers: ifMatchHeaders,
        body: updateUserBody,
        response: { 200: userSchema },
      },
    },
    async (request, reply) => {
      const user = await service.update(request.params.id, request.body, {
        actor: principalOf(request).actor,
        ifMatch: parseIfMatch(request.headers['if-match']),
      });
      return reply.header('etag', etagOf(user.version)).send(user);
    },
  );

  app.delete(
    '/users/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Deactivate a user',
        description: 'The account is kept (history points at it) but can no longer sign in; its tokens stop working. Idempotent.',
        params: userIdParams,
        response: { 204: z.null().describe('Deactivated') },
      },
    },
    async (request, reply) => {
      await service.deactivate(request.params.id, principalOf(request).actor);
      return reply.status(204).send(null);
    },
  );
}
