/** /api/v1/contacts — thin handlers: validate (zod), delegate to ContactsService, set ETag. */
import { ALL_ROLES, type ZodApp } from '../../kernel/http/http.types.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../../kernel/http/etag.js';
import { principalOf, requestScope } from '../../access/auth/principal.js';
import type { ContactsService } from './contacts.service.js';
import { contactIdParams, contactPage, contactSchema, createContactBody, listContactsQuery, updateContactBody } from './contacts.schemas.js';

/** Staff who keep customer records; agents (front desk) create and correct contacts too. */
const write = { roles: ['admin', 'dispatcher', 'agent'] } as const;
/** Everyone reads; a customer user reads only its own customer's contacts. */
const read = { roles: ALL_ROLES };
const tags = ['contacts'];

export async function contactsRoutes(app: ZodApp, deps: { contacts: ContactsService }): Promise<void> {
  const service = deps.contacts;

  app.post(
    '/contacts',
    { config: write, schema: { tags, summary: 'Create a contact at a customer', body: createContactBody, response: { 201: contactSchema } } },
    async (request, reply) => {
      const contact = await service.create(request.body, principalOf(request).actor);
      return reply.status(201).header('etag', etagOf(contact.version)).header('location', `/api/v1/contacts/${contact.id}`).send(contact);
    },
  );

  app.get(
    '/contacts',
    {
      config: read,
      schema: {
        tags,
        summary: 'List contacts',
        description: 'Filters: customerId, q, isPrimary, and `custom.<key>=value` for filterable custom fields of contacts.',
        querystring: listContactsQuery,
        response: { 200: contactPage },
      },
    },
    async (request) => service.list(request.query, requestScope(request)),
  );

  app.get(
    '/contacts/:id',
    { config: read, schema: { tags, summary: 'Read a contact', params: contactIdParams, response: { 200: contactSchema } } },
    async (request, reply) => {
      const contact = await service.get(request.params.id, requestScope(request));
      return reply.header('etag', etagOf(contact.version)).send(contact);
    },
  );

  app.patch(
    '/contacts/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Update a contact',
        params: contactIdParams,
        headers: ifMatchHeaders,
        body: updateContactBody,
        response: { 200: contactSchema },
      },
    },
    async (request, reply) => {
      const contact = await service.update(request.params.id, request.body, principalOf(request).actor, parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(contact.version)).send(contact);
    },
  );
}
