/** /api/v1/parts and /api/v1/stock/locations — thin handlers over CatalogueService. */
import type { ZodApp } from '../../kernel/http/http.types.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../../kernel/http/etag.js';
import { callerOf } from '../../access/auth/principal.js';
import type { CatalogueService } from './catalogue.service.js';
import {
  createLocationBody,
  createPartBody,
  idParams,
  listLocationsQuery,
  listPartsQuery,
  locationList,
  locationSchema,
  partPage,
  partSchema,
  updateLocationBody,
  updatePartBody,
} from './catalogue.schemas.js';

/** Prices and costs: removed from responses for roles that never see money (agent). */
const manage = { roles: ['admin'] } as const;
const readParts = { roles: ['admin', 'dispatcher', 'technician', 'agent'] } as const;
const readLocations = { roles: ['admin', 'dispatcher', 'technician'] } as const;
const tags = ['stock'];

export async function catalogueRoutes(app: ZodApp, { catalogue: service }: { catalogue: CatalogueService }): Promise<void> {
  app.post(
    '/parts',
    { config: manage, schema: { tags, summary: 'Add a part to the catalogue', body: createPartBody, response: { 201: partSchema } } },
    async (request, reply) => {
      const part = await service.createPart(request.body, callerOf(request).actor);
      return reply.status(201).header('etag', etagOf(part.version)).header('location', `/api/v1/parts/${part.id}`).send(part);
    },
  );

  app.get(
    '/parts',
    { config: readParts, schema: { tags, summary: 'List the parts catalogue', querystring: listPartsQuery, response: { 200: partPage } } },
    async (request) => service.listParts(request.query),
  );

  app.get(
    '/parts/:id',
    { config: readParts, schema: { tags, summary: 'Read a part', params: idParams, response: { 200: partSchema } } },
    async (request, reply) => {
      const part = await service.getPart(request.params.id);
      return reply.header('etag', etagOf(part.version)).send(part);
    },
  );

  app.patch(
    '/parts/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Update a part (the SKU never changes)',
        params: idParams,
        headers: ifMatchHeaders,
        body: updatePartBody,
        response: { 200: partSchema },
      },
    },
    async (request, reply) => {
      const part = await service.updatePart(request.params.id, request.body, callerOf(request).actor, parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(part.version)).send(part);
    },
  );

  app.post(
    '/stock/locations',
    { config: { roles: ['admin'] }, schema: { tags, summary: 'Add a warehouse or a van', body: createLocationBody, response: { 201: locationSchema } } },
    async (request, reply) => {
      const location = await service.createLocation(request.body, callerOf(request).actor);
      return reply.status(201).header('etag', etagOf(location.version)).header('location', `/api/v1/stock/locations/${location.id}`).send(location);
    },
  );

  app.get(
    '/stock/locations',
    {
      config: readLocations,
      schema: { tags, summary: 'List stock locations (central, local, vans)', querystring: listLocationsQuery, response: { 200: locationList } },
    },
    async (request) => ({ items: await service.listLocations(request.query) }),
  );

  app.get(
    '/stock/locations/:id',
    { config: readLocations, schema: { tags, summary: 'Read a stock location', params: idParams, response: { 200: locationSchema } } },
    async (request, reply) => {
      const location = await service.getLocation(request.params.id);
      return reply.header('etag', etagOf(location.version)).send(location);
    },
  );

  app.patch(
    '/stock/locations/:id',
    {
      config: { roles: ['admin'] },
      schema: {
        tags,
        summary: 'Update a stock location',
        params: idParams,
        headers: ifMatchHeaders,
        body: updateLocationBody,
        response: { 200: locationSchema },
      },
    },
    async (request, reply) => {
      const location = await service.updateLocation(request.params.id, request.body, callerOf(request).actor, parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(location.version)).send(location);
    },
  );
}
