/**
 * Parts and stock under /api/v1: the catalogue and locations (catalogue.routes.ts), transfers and
 * returns (transfers.routes.ts), and here availability, levels, receipts, adjustments, the ledger,
 * reservations per ticket, backorders, reorder suggestions and the forecast.
 */
import type { ZodApp } from '../../kernel/http/http.types.js';
import { callerOf } from '../../access/auth/principal.js';
import { catalogueRoutes } from './catalogue.routes.js';
import type { CatalogueService } from './catalogue.service.js';
import type { StockTransfersService } from './stock-transfers.service.js';
import { idParams } from './catalogue.schemas.js';
import { forecastQuery, forecastSchema, reorderSuggestionsSchema } from './planning.schemas.js';
import type { StockDeskService } from './stock-desk.service.js';
import type { StockPlanningService } from './stock-planning.service.js';
import type { StockService } from './stock.service.js';
import {
  adjustmentBody,
  availabilityList,
  availabilityQuery,
  backorderList,
  backorderSchema,
  levelPage,
  listBackordersQuery,
  listLevelsQuery,
  listMovementsQuery,
  movementPage,
  receiptBody,
  receiptResult,
  releaseBody,
  releaseResult,
  reserveBody,
  reserveResult,
  settleBackorderBody,
  ticketReservationList,
} from './stock.schemas.js';
import { transfersRoutes } from './transfers.routes.js';

const desk = { roles: ['admin', 'dispatcher'] } as const;
const tags = ['stock'];

export interface StockRoutesDeps {
  readonly stock: StockService;
  readonly desk: StockDeskService;
  readonly planning: StockPlanningService;
  readonly catalogue: CatalogueService;
  readonly transfers: StockTransfersService;
}

export async function stockRoutes(app: ZodApp, deps: StockRoutesDeps): Promise<void> {
  await catalogueRoutes(app, deps);
  await transfersRoutes(app, deps);
  const { stock, desk: deskService, planning } = deps;

  app.get(
    '/stock/availability',
    {
      config: { roles: ['admin', 'dispatcher', 'technician', 'agent'] },
      schema: {
        tags,
        summary: 'Available quantity per location for some SKUs, nearest first',
        querystring: availabilityQuery,
        response: { 200: availabilityList },
      },
    },
    async (request) => {
      const { skus, latitude, longitude } = request.query;
      return { items: await stock.availability(skus, latitude !== undefined && longitude !== undefined ? { latitude, longitude } : null) };
    },
  );

  app.get(
    '/stock/levels',
    {
      config: { roles: ['admin', 'dispatcher', 'technician'] },
      schema: {
        tags,
        summary: 'Stock per location and part (on hand, reserved, available, defective, in transit)',
        querystring: listLevelsQuery,
        response: { 200: levelPage },
      },
    },
    async (request) => deskService.levels(request.query),
  );

  app.post(
    '/stock/receipts',
    { config: desk, schema: { tags, summary: 'Goods received at a location', body: receiptBody, response: { 201: receiptResult } } },
    async (request, reply) => reply.status(201).send(await deskService.receive(request.body, callerOf(request).actor)),
  );

  app.post(
    '/stock/adjustments',
    {
      config: { roles: ['admin'] },
      schema: { tags, summary: 'Correct on hand by a delta or to a physical count', body: adjustmentBody, response: { 201: receiptResult } },
    },
    async (request, reply) => reply.status(201).send(await deskService.adjust(request.body, callerOf(request).actor)),
  );

  app.get(
    '/stock/movements',
    { config: desk, schema: { tags, summary: 'The stock ledger', querystring: listMovementsQuery, response: { 200: movementPage } } },
    async (request) => deskService.movements(request.query),
  );

  app.post(
    '/tickets/:id/reservations',
    {
      config: { roles: ['admin', 'dispatcher'] },
      schema: {
        tags,
        summary: 'Reserve parts for a ticket, nearest stock first (idempotent per ticket and SKU)',
        params: idParams,
        body: reserveBody,
        response: { 201: reserveResult },
      },
    },
    async (request, reply) => {
      const { items, latitude, longitude, allOrNothing } = request.body;
      const near = latitude !== undefined && longitude !== undefined ? { latitude, longitude } : null;
      const results = await stock.reserveForTicket(request.params.id, items, near, callerOf(request).actor, { allOrNothing });
      return reply.status(201).send({ ticketId: request.params.id, items: results });
    },
  );

  app.get(
    '/tickets/:id/reservations',
    {
      config: { roles: ['admin', 'dispatcher', 'technician', 'agent'] },
      schema: { tags, summary: "A ticket's part reservations", params: idParams, response: { 200: ticketReservationList } },
    },
    async (request) => ({ ticketId: request.params.id, items: await stock.listReservations(request.params.id) }),
  );

  app.post(
    '/tickets/:id/reservations/release',
    {
      config: { roles: ['admin', 'dispatcher'] },
      schema: { tags, summary: "Release a ticket's active reservations", params: idParams, body: releaseBody, response: { 200: releaseResult } },
    },
    async (request) => ({
      ticketId: request.params.id,
      released: await stock.releaseForTicket(request.params.id, callerOf(request).actor, request.body.reason),
    }),
  );

  app.get(
    '/stock/backorders',
    {
      config: desk,
      schema: { tags, summary: 'Parts used on visits that no stock covered', querystring: listBackordersQuery, response: { 200: backorderList } },
    },
    async (request) => ({
      items: await deskService.backorders(request.query),
    }),
  );

  app.post(
    '/stock/backorders/:id/settle',
    {
      config: desk,
      schema: { tags, summary: 'Book an open backorder out of a location', params: idParams, body: settleBackorderBody, response: { 200: backorderSchema } },
    },
    async (request) => deskService.settleBackorder(request.params.id, request.body.locationId, callerOf(request).actor),
  );

  app.get(
    '/stock/reorder-suggestions',
    { config: desk, schema: { tags, summary: 'Suggested purchase orders per supplier (reorder points)', response: { 200: reorderSuggestionsSchema } } },
    async () => planning.reorderSuggestions(),
  );

  app.get(
    '/stock/forecast',
    {
      config: desk,
      schema: {
        tags,
        summary: 'Demand forecast per part and location: predictive tickets + historical consumption',
        querystring: forecastQuery,
        response: { 200: forecastSchema },
      },
    },
    async (request) => planning.forecast(request.query),
  );
}
