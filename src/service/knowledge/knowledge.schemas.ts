/** Knowledge base API contract: articles per equipment model and fault code, with full-text search. */
import { z } from 'zod';
import { pageQueryShape, pageSchema, sortQuery } from '../../kernel/http/paging.schemas.js';

export const ARTICLE_STATUSES = ['draft', 'published'] as const;
/** Most results one search returns (default SEARCH_DEFAULT_LIMIT). */
export const SEARCH_MAX_LIMIT = 50;
export const SEARCH_DEFAULT_LIMIT = 10;

export const articleIdParams = z.object({ id: z.uuid() });

export const articleSchema = z.object({
  id: z.uuid(),
  title: z.string(),
  body: z.string().describe('Markdown'),
  tags: z.array(z.string()),
  modelIds: z.array(z.string()).describe('Equipment models the article applies to (empty = any)'),
  faultCodes: z.array(z.string()).describe('Fault or controller event codes the article resolves'),
  status: z.enum(ARTICLE_STATUSES).describe('Only admins and dispatchers see drafts'),
  publishedAt: z.iso.datetime().nullable().describe('First publication'),
  author: z.object({ type: z.string(), id: z.string() }),
  version: z.number().int().describe('Increments on every change; also sent as the ETag'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Article = z.infer<typeof articleSchema>;

const unique = <T extends z.ZodType<string>>(item: T, max: number) =>
  z
    .array(item)
    .max(max)
    .refine((a) => new Set(a).size === a.length, 'no duplicates');
const title = z.string().trim().min(1).max(300);
const body = z.string().trim().min(1).max(100_000);
const tags = unique(z.string().trim().toLowerCase().min(1).max(50), 30);
const modelIds = unique(z.string().min(1).max(64), 50);
const faultCodes = unique(z.string().trim().min(1).max(64), 100);

export const createArticleBody = z.strictObject({
  title,
  body: body.describe('Markdown'),
  tags: tags.default([]),
  modelIds: modelIds.default([]).describe('Loaded equipment model ids (GET /api/v1/models)'),
  faultCodes: faultCodes.default([]),
  status: z.enum(ARTICLE_STATUSES).default('draft').describe('Default draft'),
});
export type CreateArticle = z.infer<typeof createArticleBody>;

/** PATCH: fields present are replaced (lists as a whole). */
export const updateArticleBody = z.strictObject({
  title: title.optional(),
  body: body.optional(),
  tags: tags.optional(),
  modelIds: modelIds.optional(),
  faultCodes: faultCodes.optional(),
  status: z.enum(ARTICLE_STATUSES).optional(),
});
export type UpdateArticle = z.infer<typeof updateArticleBody>;

const filters = {
  modelId: z.string().min(1).max(64).optional().describe('Articles for this equipment model'),
  faultCode: z.string().min(1).max(64).optional().describe('Articles for this fault code'),
  tag: z.string().trim().toLowerCase().min(1).max(50).optional(),
  status: z.enum(ARTICLE_STATUSES).optional().describe('Others than admins and dispatchers only ever get published articles'),
};

export const ARTICLE_SORTS = ['title', 'createdAt', 'updatedAt'] as const;

export const listArticlesQuery = z.strictObject({
  ...pageQueryShape,
  sort: sortQuery(ARTICLE_SORTS, '-updatedAt'),
  ...filters,
});
export type ListArticles = z.infer<typeof listArticlesQuery>;

export const articlePage = pageSchema(articleSchema);

export const searchArticlesQuery = z.strictObject({
  q: z.string().trim().min(1).max(200).describe('Web-search syntax: words (all must match, stemmed), "a phrase", or, -excluded'),
  ...filters,
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(SEARCH_MAX_LIMIT)
    .default(SEARCH_DEFAULT_LIMIT)
    .describe(`1..${SEARCH_MAX_LIMIT} (default ${SEARCH_DEFAULT_LIMIT})`),
});
export type SearchArticles = z.infer<typeof searchArticlesQuery>;

export const searchHitSchema = z.object({
  id: z.uuid(),
  title: z.string(),
  tags: z.array(z.string()),
  modelIds: z.array(z.string()),
  faultCodes: z.array(z.string()),
  status: z.enum(ARTICLE_STATUSES),
  updatedAt: z.iso.datetime(),
  rank: z.number().describe('Relevance: title matches weigh most, then tags and fault codes, then the body'),
  titleHighlight: z.string().describe('The title as HTML-escaped text with matches wrapped in <mark></mark>'),
  snippet: z.string().describe('Best body fragments (markdown source, HTML-escaped) with matches wrapped in <mark></mark>'),
});
export const searchResultSchema = z.object({
  items: z.array(searchHitSchema).describe('Best first; at most `limit`'),
});
export type SearchResult = z.infer<typeof searchResultSchema>;
