/** /api/v1/customers — thin handlers: validate (zod), delegate to CustomersService, set ETag. */
import { ALL_ROLES, type ZodApp } from '../../kernel/http/http.types.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../../kernel/http/etag.js';
import { principalOf, requestScope } from '../../access/auth/principal.js';
import type { CustomersService } from './customers.service.js';
import { createCustomerBody, customerIdParams, customerPage, customerSchema, listCustomersQuery, updateCustomerBody } from './customers.schemas.js';

/** Staff who keep customer records; agents (front desk) create and correct them too. */
const write = { roles: ['admin', 'dispatcher', 'agent'] } as const;
/** Everyone reads; a customer user reads only its own customer. */
const read = { roles: ALL_ROLES };
const tags = ['customers'];

export async function customersRoutes(app: ZodApp, deps: { customers: CustomersService }): Promise<void> {
  const service = deps.customers;

  app.post(
    '/customers',
    { config: write, schema: { tags, summary: 'Create a customer', body: createCustomerBody, response: { 201: customerSchema } } },
    async (request, reply) => {
      const customer = await service.create(request.body, principalOf(request).actor);
      return reply.status(201).header('etag', etagOf(customer.version)).header('location', `/api/v1/customers/${customer.id}`).send(customer);
    },
  );

  app.get(
    '/customers',
    {
      config: read,
      schema: {
        tags,
        summary: 'List customers',
        description: 'Also filters by `custom.<key>=value` for filterable custom fields of customers.',
        querystring: listCustomersQuery,
        response: { 200: customerPage },
      },
    },
    async (request) => service.list(request.query, requestScope(request)),
  );

  app.get(
    '/customers/:id',
    { config: read, schema: { tags, summary: 'Read a customer', params: customerIdParams, response: { 200: customerSchema } } },
    async (request, reply) => {
      const customer = await service.get(request.params.id, requestScope(request));
      return reply.header('etag', etagOf(customer.version)).send(customer);
    },
  );

  app.patch(
    '/customers/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Update a customer',
        params: customerIdParams,
        headers: ifMatchHeaders,
        body: updateCustomerBody,
        response: { 200: customerSchema },
      },
    },
    async (request, reply) => {
      const customer = await service.update(request.params.id, request.body, {
        actor: principalOf(request).actor,
        ifMatch: parseIfMatch(request.headers['if-match']),
      });
      return reply.header('etag', etagOf(customer.version)).send(customer);
    },
  );
}
