/** /api/v1/assets — thin handlers: validate (zod), delegate to AssetsService, set ETag. */
import type { AppContext } from '../platform/context.js';
import type { ZodApp } from '../platform/http/http.types.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../platform/http/pagination.js';
import { AssetsService } from './assets.service.js';
import {
  createAssetBody,
  assetIdParams,
  assetPage,
  assetSchema,
  listAssetsQuery,
  updateAssetBody,
} from './assets.schemas.js';

const config = { roles: ['admin'] } as const;
const tags = ['assets'];

export async function assetsRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const service = new AssetsService(ctx.db, ctx.models);

  app.post(
    '/assets',
    { config, schema: { tags, summary: 'Register an installed asset', body: createAssetBody, response: { 201: assetSchema } } },
    async (request, reply) => {
      const asset = await service.create(request.body);
      return reply.status(201).header('etag', etagOf(asset.version)).header('location', `/api/v1/assets/${asset.id}`).send(asset);
    },
  );

  app.get(
    '/assets',
    { config, schema: { tags, summary: 'List assets', querystring: listAssetsQuery, response: { 200: assetPage } } },
    async (request) => service.list(request.query),
  );

  app.get(
    '/assets/:id',
    { config, schema: { tags, summary: 'Read an asset', params: assetIdParams, response: { 200: assetSchema } } },
    async (request, reply) => {
      const asset = await service.get(request.params.id);
      return reply.header('etag', etagOf(asset.version)).send(asset);
    },
  );

  app.patch(
    '/assets/:id',
    {
      config,
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
