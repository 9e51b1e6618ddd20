/** /api/v1/contracts — thin handlers: validate (zod), delegate to ContractsService, set ETag. */
import type { FastifyRequest } from 'fastify';
import type { ZodApp } from '../../kernel/http/http.types.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../../kernel/http/etag.js';
import { callerOf } from '../../access/auth/principal.js';
import type { ContractsService, ContractView } from './contracts.service.js';
import {
  contractIdParams,
  contractPage,
  contractSchema,
  createContractBody,
  ledgerEntrySchema,
  ledgerSchema,
  listContractsQuery,
  prepaidChangeBody,
  updateContractBody,
} from './contracts.schemas.js';

/** Money in a contract: removed from responses for roles that never see it (agent). */
const write = { roles: ['admin', 'dispatcher'] } as const;
const read = { roles: ['admin', 'dispatcher', 'agent', 'technician', 'customer'] } as const;
const tags = ['contracts'];

function viewOf(request: FastifyRequest): ContractView {
  return { customerId: callerOf(request).customerId };
}

export async function contractsRoutes(app: ZodApp, deps: { contracts: ContractsService }): Promise<void> {
  const service = deps.contracts;

  app.post(
    '/contracts',
    { config: write, schema: { tags, summary: 'Create a service contract', body: createContractBody, response: { 201: contractSchema } } },
    async (request, reply) => {
      const contract = await service.create(request.body, callerOf(request).actor);
      return reply.status(201).header('etag', etagOf(contract.version)).header('location', `/api/v1/contracts/${contract.id}`).send(contract);
    },
  );

  app.get(
    '/contracts',
    { config: read, schema: { tags, summary: 'List service contracts', querystring: listContractsQuery, response: { 200: contractPage } } },
    async (request) => service.list(request.query, viewOf(request)),
  );

  app.get(
    '/contracts/:id',
    { config: read, schema: { tags, summary: 'Read a service contract', params: contractIdParams, response: { 200: contractSchema } } },
    async (request, reply) => {
      const contract = await service.get(request.params.id, viewOf(request));
      return reply.header('etag', etagOf(contract.version)).send(contract);
    },
  );

  app.patch(
    '/contracts/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Update a service contract',
        params: contractIdParams,
        headers: ifMatchHeaders,
        body: updateContractBody,
        response: { 200: contractSchema },
      },
    },
    async (request, reply) => {
      const contract = await service.update(request.params.id, request.body, callerOf(request).actor, parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(contract.version)).send(contract);
    },
  );

  app.post(
    '/contracts/:id/prepaid/top-ups',
    {
      config: write,
      schema: { tags, summary: 'Add prepaid labour minutes', params: contractIdParams, body: prepaidChangeBody, response: { 201: ledgerEntrySchema } },
    },
    async (request, reply) => reply.status(201).send(await service.topUp(request.params.id, request.body, callerOf(request).actor)),
  );

  app.post(
    '/contracts/:id/prepaid/draw-downs',
    {
      config: write,
      schema: {
        tags,
        summary: 'Draw prepaid minutes down (409 when the balance is insufficient)',
        params: contractIdParams,
        body: prepaidChangeBody,
        response: { 201: ledgerEntrySchema },
      },
    },
    async (request, reply) => reply.status(201).send(await service.drawDown(request.params.id, request.body, callerOf(request).actor)),
  );

  app.get(
    '/contracts/:id/prepaid/ledger',
    { config: write, schema: { tags, summary: 'Prepaid balance and its ledger', params: contractIdParams, response: { 200: ledgerSchema } } },
    async (request) => service.ledger(request.params.id),
  );
}
