/** /api/v1/api-keys — admin-only integration keys. The key is in the create response only. */
import type { ZodApp } from '../../kernel/http/http.types.js';
import { principalOf } from './principal.js';
import type { ApiKeysService } from './api-keys.service.js';
import { apiKeyCreatedSchema, apiKeyIdParams, apiKeyPage, apiKeySchema, createApiKeyBody, listApiKeysQuery } from './api-keys.schemas.js';

const tags = ['api keys'];

export async function apiKeysRoutes(app: ZodApp, deps: { apiKeys: ApiKeysService }): Promise<void> {
  const service = deps.apiKeys;

  app.post(
    '/api-keys',
    {
      // The response carries the secret: it must not be stored for Idempotency-Key replays.
      config: { roles: ['admin'], idempotency: false },
      schema: {
        tags,
        summary: 'Create an API key',
        description:
          'Returns the key (`tmk_<prefix>_<secret>`) once; only its SHA-256 is stored. Use it as `Authorization: Bearer <key>` or `X-Api-Key: <key>`.',
        body: createApiKeyBody,
        response: { 201: apiKeyCreatedSchema },
      },
    },
    async (request, reply) => {
      const created = await service.create(request.body, principalOf(request).actor);
      return reply.status(201).header('cache-control', 'no-store').header('location', `/api/v1/api-keys/${created.id}`).send(created);
    },
  );

  app.get(
    '/api-keys',
    { config: { roles: ['admin'] }, schema: { tags, summary: 'List API keys', querystring: listApiKeysQuery, response: { 200: apiKeyPage } } },
    async (request) => service.list(request.query),
  );

  app.get(
    '/api-keys/:id',
    { config: { roles: ['admin'] }, schema: { tags, summary: 'Read an API key', params: apiKeyIdParams, response: { 200: apiKeySchema } } },
    async (request) => service.get(request.params.id),
  );

  app.post(
    '/api-keys/:id/revoke',
    {
      config: { roles: ['admin'] },
      schema: {
        tags,
        summary: 'Revoke an API key',
        description: 'The key stops working at once. Idempotent.',
        params: apiKeyIdParams,
        response: { 200: apiKeySchema },
      },
    },
    async (request) => service.revoke(request.params.id, principalOf(request).actor),
  );
}
