/** /api/v1/custom-fields — admins define typed fields per entity; everyone signed in reads them. */
import { z } from 'zod';
import { ALL_ROLES, type ZodApp } from '../../kernel/http/http.types.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../../kernel/http/etag.js';
import { principalOf } from '../../access/auth/principal.js';
import type { CustomFieldsService } from './custom-fields.service.js';
import {
  createCustomFieldBody,
  customFieldIdParams,
  customFieldList,
  customFieldSchema,
  listCustomFieldsQuery,
  updateCustomFieldBody,
} from './custom-fields.schemas.js';

const admin = { roles: ['admin'] } as const;
/** Definitions are metadata every form needs (customer users fill ticket forms too). */
const read = { roles: ALL_ROLES };
const tags = ['custom-fields'];

export async function customFieldsRoutes(app: ZodApp, deps: { customFields: CustomFieldsService }): Promise<void> {
  const service = deps.customFields;

  app.post(
    '/custom-fields',
    { config: admin, schema: { tags, summary: 'Define a custom field on an entity', body: createCustomFieldBody, response: { 201: customFieldSchema } } },
    async (request, reply) => {
      const field = await service.create(request.body, principalOf(request).actor);
      return reply.status(201).header('etag', etagOf(field.version)).header('location', `/api/v1/custom-fields/${field.id}`).send(field);
    },
  );

  app.get(
    '/custom-fields',
    { config: read, schema: { tags, summary: 'List custom field definitions', querystring: listCustomFieldsQuery, response: { 200: customFieldList } } },
    async (request) => service.list(request.query),
  );

  app.get(
    '/custom-fields/:id',
    { config: read, schema: { tags, summary: 'Read a custom field definition', params: customFieldIdParams, response: { 200: customFieldSchema } } },
    async (request, reply) => {
      const field = await service.get(request.params.id);
      return reply.header('etag', etagOf(field.version)).send(field);
    },
  );

  app.patch(
    '/custom-fields/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Update a custom field definition (entity, key and type are fixed)',
        params: customFieldIdParams,
        headers: ifMatchHeaders,
        body: updateCustomFieldBody,
        response: { 200: customFieldSchema },
      },
    },
    async (request, reply) => {
      const field = await service.update(request.params.id, request.body, principalOf(request).actor, parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(field.version)).send(field);
    },
  );

  app.delete(
    '/custom-fields/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Delete a custom field definition',
        description: 'Its values are removed from every record of the entity in the same transaction.',
        params: customFieldIdParams,
        headers: ifMatchHeaders,
        response: { 204: z.null().describe('Deleted') },
      },
    },
    async (request, reply) => {
      await service.delete(request.params.id, principalOf(request).actor, parseIfMatch(request.headers['if-match']));
      return reply.status(204).send(null);
    },
  );
}
