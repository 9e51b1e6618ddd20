/** /api/v1/customers — thin handlers: validate (zod), delegate to CustomersService, set ETag. */
import type { AppContext } from '../platform/context.js';
import type { ZodApp } from '../platform/http/http.types.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../platform/http/pagination.js';
import { CustomersService } from './customers.service.js';
import {
  createCustomerBody,
  customerIdParams,
  customerPage,
  customerSchema,
  listCustomersQuery,
  updateCustomerBody,
} from './customers.schemas.js';

const config = { roles: ['admin'] } as const;
const tags = ['customers'];

export async function customersRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const service = new CustomersService(ctx.db);

  app.post(
    '/customers',
    { config, schema: { tags, summary: 'Create a customer', body: createCustomerBody, response: { 201: customerSchema } } },
    async (request, reply) => {
      const customer = await service.create(request.body);
      return reply.status(201).header('etag', etagOf(customer.version)).header('location', `/api/v1/customers/${customer.id}`).send(customer);
    },
  );

  app.get(
    '/customers',
    { config, schema: { tags, summary: 'List customers', querystring: listCustomersQuery, response: { 200: customerPage } } },
    async (request) => service.list(request.query),
  );

  app.get(
    '/customers/:id',
    { config, schema: { tags, summary: 'Read a customer', params: customerIdParams, response: { 200: customerSchema } } },
    async (request, reply) => {
      const customer = await service.get(request.params.id);
      return reply.header('etag', etagOf(customer.version)).send(customer);
    },
  );

  app.patch(
    '/customers/:id',
    {
      config,
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
      const customer = await service.update(request.params.id, request.body, parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(customer.version)).send(customer);
    },
  );
}
