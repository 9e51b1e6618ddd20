/** /api/v1/sites — thin handlers: validate (zod), delegate to SitesService, set ETag. */
import { ALL_ROLES, type ZodApp } from '../../kernel/http/http.types.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../../kernel/http/etag.js';
import { requestScope } from '../../access/auth/principal.js';
import type { SitesService } from './sites.service.js';
import { createSiteBody, siteIdParams, sitePage, siteSchema, listSitesQuery, updateSiteBody } from './sites.schemas.js';

/** Staff who keep site records; agents (front desk) create and correct them too. */
const write = { roles: ['admin', 'dispatcher', 'agent'] } as const;
/** Everyone reads; a customer user reads only its own sites. */
const read = { roles: ALL_ROLES };
const tags = ['sites'];

export async function sitesRoutes(app: ZodApp, deps: { sites: SitesService }): Promise<void> {
  const service = deps.sites;

  app.post(
    '/sites',
    { config: write, schema: { tags, summary: 'Create a site', body: createSiteBody, response: { 201: siteSchema } } },
    async (request, reply) => {
      const site = await service.create(request.body);
      return reply.status(201).header('etag', etagOf(site.version)).header('location', `/api/v1/sites/${site.id}`).send(site);
    },
  );

  app.get('/sites', { config: read, schema: { tags, summary: 'List sites', querystring: listSitesQuery, response: { 200: sitePage } } }, async (request) =>
    service.list(request.query, requestScope(request)),
  );

  app.get(
    '/sites/:id',
    { config: read, schema: { tags, summary: 'Read a site', params: siteIdParams, response: { 200: siteSchema } } },
    async (request, reply) => {
      const site = await service.get(request.params.id, requestScope(request));
      return reply.header('etag', etagOf(site.version)).send(site);
    },
  );

  app.patch(
    '/sites/:id',
    {
      config: write,
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
