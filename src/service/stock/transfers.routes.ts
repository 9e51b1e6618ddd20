/** /api/v1/stock/transfers and /api/v1/stock/returns — thin handlers over StockTransfersService. */
import type { Caller } from '../../kernel/caller.js';
import type { FastifyRequest } from 'fastify';
import type { ZodApp } from '../../kernel/http/http.types.js';
import { callerOf } from '../../access/auth/principal.js';
import type { StockTransfersService } from './stock-transfers.service.js';
import { idParams } from './catalogue.schemas.js';
import {
  createReturnBody,
  createTransferBody,
  dispositionBody,
  listReturnsQuery,
  listTransfersQuery,
  returnList,
  returnSchema,
  transferList,
  transferSchema,
} from './transfers.schemas.js';

const desk = { roles: ['admin', 'dispatcher'] } as const;
/** Technicians act on their own van only (checked by the service). */
const field = { roles: ['admin', 'dispatcher', 'technician'] } as const;
const tags = ['stock'];

export function stockCaller(request: FastifyRequest): Caller {
  const caller = callerOf(request);
  return { actor: caller.actor, role: caller.role, userId: caller.userId };
}

export async function transfersRoutes(app: ZodApp, { transfers: service }: { transfers: StockTransfersService }): Promise<void> {
  app.post(
    '/stock/transfers',
    { config: field, schema: { tags, summary: 'Request a transfer between locations', body: createTransferBody, response: { 201: transferSchema } } },
    async (request, reply) => {
      const transfer = await service.createTransfer(request.body, stockCaller(request));
      return reply.status(201).header('location', `/api/v1/stock/transfers/${transfer.id}`).send(transfer);
    },
  );

  app.get(
    '/stock/transfers',
    { config: field, schema: { tags, summary: 'List transfers', querystring: listTransfersQuery, response: { 200: transferList } } },
    async (request) => ({
      items: await service.listTransfers(request.query),
    }),
  );

  app.get(
    '/stock/transfers/:id',
    { config: field, schema: { tags, summary: 'Read a transfer', params: idParams, response: { 200: transferSchema } } },
    async (request) => service.getTransfer(request.params.id),
  );

  app.post(
    '/stock/transfers/:id/ship',
    {
      config: field,
      schema: {
        tags,
        summary: 'Ship: the quantities leave the source (409 INSUFFICIENT_STOCK when not available there)',
        params: idParams,
        response: { 200: transferSchema },
      },
    },
    async (request) => service.ship(request.params.id, stockCaller(request)),
  );

  app.post(
    '/stock/transfers/:id/receive',
    { config: field, schema: { tags, summary: 'Receive: the quantities arrive at the destination', params: idParams, response: { 200: transferSchema } } },
    async (request) => service.receive(request.params.id, stockCaller(request)),
  );

  app.post(
    '/stock/transfers/:id/cancel',
    { config: desk, schema: { tags, summary: 'Cancel a transfer that has not shipped', params: idParams, response: { 200: transferSchema } } },
    async (request) => service.cancel(request.params.id, stockCaller(request)),
  );

  app.post(
    '/stock/returns',
    {
      config: field,
      schema: { tags, summary: 'Return defective parts to a warehouse (held as defective)', body: createReturnBody, response: { 201: returnSchema } },
    },
    async (request, reply) => reply.status(201).send(await service.createReturn(request.body, stockCaller(request))),
  );

  app.get(
    '/stock/returns',
    { config: field, schema: { tags, summary: 'List returns of defective parts', querystring: listReturnsQuery, response: { 200: returnList } } },
    async (request) => ({
      items: await service.listReturns(request.query),
    }),
  );

  app.post(
    '/stock/returns/:id/disposition',
    {
      config: desk,
      schema: {
        tags,
        summary: 'Close a return: repaired (back in stock), scrapped or returned to the supplier',
        params: idParams,
        body: dispositionBody,
        response: { 200: returnSchema },
      },
    },
    async (request) => service.disposition(request.params.id, request.body.outcome, stockCaller(request)),
  );
}
