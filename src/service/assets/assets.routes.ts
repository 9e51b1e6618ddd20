/** /api/v1/assets — thin handlers: validate (zod), delegate to AssetsService, set ETag. */
import { ALL_ROLES, type ZodApp } from '../../kernel/http/http.types.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../../kernel/http/etag.js';
import { requestScope } from '../../access/auth/principal.js';
import type { AssetsService } from './assets.service.js';
import type { AssetHistoryService } from './asset-history.service.js';
import { assetHistoryQuery, assetHistorySchema } from './assets.schemas.js';
import { createAssetBody, assetIdParams, assetPage, assetSchema, listAssetsQuery, updateAssetBody } from './assets.schemas.js';

/** Agents (front desk) register equipment a customer reports; changing it is for the back office. */
const create = { roles: ['admin', 'dispatcher', 'agent'] } as const;
const update = { roles: ['admin', 'dispatcher'] } as const;
/** Everyone reads; a customer user reads only its own assets. */
const read = { roles: ALL_ROLES };
const tags = ['assets'];

export async function assetsRoutes(app: ZodApp, deps: { assets: AssetsService; history: AssetHistoryService }): Promise<void> {
  const service = deps.assets;
  const { history } = deps;

  app.get(
    '/assets/:id/history',
    {
      config: { roles: ['admin', 'dispatcher', 'technician', 'agent'] },
      schema: {
        tags,
        summary: "The asset's history, newest first",
        description:
          'Installation, warranty, devices, tickets and their status changes, visits, activities and audited changes. Page back with `before=<nextBefore>`.',
        params: assetIdParams,
        querystring: assetHistoryQuery,
        response: { 200: assetHistorySchema },
      },
    },
    async (request) => history.history(request.params.id, request.query, requestScope(request)),
  );

  app.post(
    '/assets',
    { config: create, schema: { tags, summary: 'Register an installed asset', body: createAssetBody, response: { 201: assetSchema } } },
    async (request, reply) => {
      const asset = await service.create(request.body);
      return reply.status(201).header('etag', etagOf(asset.version)).header('location', `/api/v1/assets/${asset.id}`).send(asset);
    },
  );

  app.get(
    '/assets',
    {
      config: read,
      schema: {
        tags,
        summary: 'List assets',
        description: 'Also filters by `custom.<key>=value` for filterable custom fields of assets.',
        querystring: listAssetsQuery,
        response: { 200: assetPage },
      },
    },
    async (request) => service.list(request.query, requestScope(request)),
  );

  app.get(
    '/assets/:id',
    { config: read, schema: { tags, summary: 'Read an asset', params: assetIdParams, response: { 200: assetSchema } } },
    async (request, reply) => {
      const asset = await service.get(request.params.id, requestScope(request));
      return reply.header('etag', etagOf(asset.version)).send(asset);
    },
  );

  app.patch(
    '/assets/:id',
    {
      config: update,
      schema: {
        tags,
        summary: 'Update an asset',
        params: assetIdParams,
        headers: ifMatchHeaders,
        body: updateAssetBody,
        response: { 200: assetSchema },
      },
    },
    async (request, reply) => {
      const asset = await service.update(request.params.id, request.body, parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(asset.version)).send(asset);
    },
  );
}
