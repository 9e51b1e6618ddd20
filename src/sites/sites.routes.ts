/** /api/v1/sites — thin handlers: validate (zod), delegate to SitesService, set ETag. */
import type { AppContext } from '../platform/context.js';
import type { ZodApp } from '../platform/http/http.types.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../platform/http/pagination.js';
import { SitesService } from './sites.service.js';
import {
  createSiteBody,
  siteIdParams,
  sitePage,
  siteSchema,
  listSitesQuery,
  updateSiteBody,
} from './sites.schemas.js';

const config = { roles: ['admin'] } as const;
const tags = ['sites'];

export async function sitesRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const service = new SitesService(ctx.db);

  app.post(
    '/sites',
    { config, schema: { tags, summary: 'Create a site', body: createSiteBody, response: { 201: siteSchema } } },
    async (request, reply) => {
      const site = await service.create(request.body);
      return reply.status(201).header('etag', etagOf(site.version)).header('location', `/api/v1/sites/${site.id}`).send(site);
    },
  );

  app.get(
    '/sites',
    { config, schema: { tags, summary: 'List sites', querystring: listSitesQuery, response: { 200: sitePage } } },
    async (request) => service.list(request.query),
  );

  app.get(
    '/sites/:id',
    { config, schema: { tags, summary: 'Read a site', params: siteIdParams, response: { 200: siteSchema } } },
    async (request, reply) => {
      const site = await service.get(request.params.id);
      return reply.header('etag', etagOf(site.version)).send(site);
    },
  );

  app.patch(
    '/sites/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Update a site',
        params: siteIdParams,
        headers: ifMatchHeaders,
        body: updateSiteBody,
        response: { 200: siteSchema },
      },
    },
    async (request, reply) => {
      const site = await service.update(request.params.id, request.body, parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(site.version)).send(site);
    },
  );
}
