/** /api/v1/knowledge — articles per equipment model and fault code, and their full-text search. */
import type { ZodApp } from '../../kernel/http/http.types.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../../kernel/http/etag.js';
import { principalOf } from '../../access/auth/principal.js';
import type { KnowledgeService } from './knowledge.service.js';
import {
  articleIdParams,
  articlePage,
  articleSchema,
  createArticleBody,
  listArticlesQuery,
  searchArticlesQuery,
  searchResultSchema,
  updateArticleBody,
} from './knowledge.schemas.js';

/** Admins and dispatchers write (and see drafts); staff read published articles. Customers: no access yet. */
const write = { roles: ['admin', 'dispatcher'] } as const;
const read = { roles: ['admin', 'dispatcher', 'technician', 'agent'] } as const;
const tags = ['knowledge'];

export async function knowledgeRoutes(app: ZodApp, deps: { knowledge: KnowledgeService }): Promise<void> {
  const service = deps.knowledge;

  app.post(
    '/knowledge/articles',
    { config: write, schema: { tags, summary: 'Write a knowledge-base article', body: createArticleBody, response: { 201: articleSchema } } },
    async (request, reply) => {
      const article = await service.create(request.body, principalOf(request).actor);
      return reply.status(201).header('etag', etagOf(article.version)).header('location', `/api/v1/knowledge/articles/${article.id}`).send(article);
    },
  );

  app.get(
    '/knowledge/articles',
    {
      config: read,
      schema: { tags, summary: 'List articles (filter by model, fault code, tag)', querystring: listArticlesQuery, response: { 200: articlePage } },
    },
    async (request) => service.list(request.query, principalOf(request).role),
  );

  app.get(
    '/knowledge/search',
    {
      config: read,
      schema: {
        tags,
        summary: 'Full-text search, ranked, with highlights',
        description: 'Title matches rank above tag/fault-code matches, which rank above body matches. Filters narrow the result.',
        querystring: searchArticlesQuery,
        response: { 200: searchResultSchema },
      },
    },
    async (request) => service.search(request.query, principalOf(request).role),
  );

  app.get(
    '/knowledge/articles/:id',
    { config: read, schema: { tags, summary: 'Read an article', params: articleIdParams, response: { 200: articleSchema } } },
    async (request, reply) => {
      const article = await service.get(request.params.id, principalOf(request).role);
      return reply.header('etag', etagOf(article.version)).send(article);
    },
  );

  app.patch(
    '/knowledge/articles/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Update an article',
        params: articleIdParams,
        headers: ifMatchHeaders,
        body: updateArticleBody,
        response: { 200: articleSchema },
      },
    },
    async (request, reply) => {
      const article = await service.update(request.params.id, request.body, principalOf(request).actor, parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(article.version)).send(article);
    },
  );
}
