/**
 * SQL for knowledge articles. Full-text search runs on the `search` tsvector (kept by a trigger:
 * title weight A, tags and fault codes B, body C) with a GIN index; the query is parsed with
 * websearch_to_tsquery (never a syntax error on user input), ranked by ts_rank, and only the
 * returned page gets ts_headline (the costly part).
 */
import { patchSet } from '../../kernel/db/patch-set.js';
import type { Actor } from '../../access/audit/audit.service.js';
import type { Queryable } from '../../kernel/db/database.js';
import { keyset, toPage, type Page, type SortColumn } from '../../kernel/db/keyset.js';
import type { Article, CreateArticle, ListArticles, SearchArticles, UpdateArticle } from './knowledge.schemas.js';

export interface ArticleRow {
  id: string;
  title: string;
  body: string;
  tags: string[];
  model_ids: string[];
  fault_codes: string[];
  status: Article['status'];
  published_at: Date | null;
  author_type: string;
  author_id: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface SearchRow {
  id: string;
  title: string;
  tags: string[];
  model_ids: string[];
  fault_codes: string[];
  status: Article['status'];
  updated_at: Date;
  rank: number;
  title_highlight: string;
  snippet: string;
}

/** Text search configuration of the content (stemming, stop words). */
export const SEARCH_CONFIG = 'english';
/** Markers ts_headline puts around matches; replaced by <mark> after HTML-escaping. */
export const MATCH_START = '\u0002';
export const MATCH_END = '\u0003';
const HEADLINE_TITLE = `StartSel="${MATCH_START}", StopSel="${MATCH_END}", HighlightAll=true`;
const HEADLINE_BODY = `StartSel="${MATCH_START}", StopSel="${MATCH_END}", MaxFragments=2, MaxWords=30, MinWords=12, FragmentDelimiter=" … "`;

const COLUMNS =
  'k.id, k.title, k.body, k.tags, k.model_ids, k.fault_codes, k.status, k.published_at, k.author_type, k.author_id, k.version, k.created_at, k.updated_at';

const SORT_COLUMNS: Record<string, SortColumn> = {
  title: { expr: 'lower(k.title)', type: 'text' },
  createdAt: { expr: 'k.created_at', type: 'timestamptz' },
  updatedAt: { expr: 'k.updated_at', type: 'timestamptz' },
};

const UPDATABLE: Record<keyof UpdateArticle, string> = {
  title: 'title',
  body: 'body',
  tags: 'tags',
  modelIds: 'model_ids',
  faultCodes: 'fault_codes',
  status: 'status',
};

type Filters = Pick<ListArticles, 'modelId' | 'faultCode' | 'tag' | 'status'>;

/** WHERE conditions of the shared filters; `publishedOnly` for readers who may not see drafts. */
function filterSql(filters: Filters, publishedOnly: boolean, params: unknown[]): string[] {
  const where: string[] = publishedOnly ? [`k.status = 'published'`] : [];
  const add = (value: unknown, sql: (n: number) => string) => {
    if (value === undefined) return;
    params.push(value);
    where.push(sql(params.length));
  };
  add(filters.modelId, (n) => `k.model_ids @> ARRAY[$${n}::text]`);
  add(filters.faultCode, (n) => `k.fault_codes @> ARRAY[$${n}::text]`);
  add(filters.tag, (n) => `k.tags @> ARRAY[$${n}::text]`);
  add(filters.status, (n) => `k.status = $${n}`);
  return where;
}

export class KnowledgeRepository {
  async insert(q: Queryable, input: CreateArticle, author: Actor): Promise<ArticleRow> {
    const { rows } = await q.query<ArticleRow>(
      `INSERT INTO knowledge_articles (title, body, tags, model_ids, fault_codes, status, published_at, author_type, author_id)
       VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $6 = 'published' THEN now() END, $7, $8) RETURNING ${COLUMNS.replaceAll('k.', '')}`,
      [input.title, input.body, input.tags, input.modelIds, input.faultCodes, input.status, author.type, author.id],
    );
    return rows[0]!;
  }

  async find(q: Queryable, id: string, options: { lock?: boolean } = {}): Promise<ArticleRow | undefined> {
    const { rows } = await q.query<ArticleRow>(`SELECT ${COLUMNS} FROM knowledge_articles k WHERE k.id = $1${options.lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0];
  }

  async update(q: Queryable, id: string, patch: UpdateArticle): Promise<ArticleRow> {
    const extra = patch.status === 'published' ? ['published_at = COALESCE(published_at, now())'] : [];
    const { set, params } = patchSet(patch, UPDATABLE, { extra });
    const { rows } = await q.query<ArticleRow>(`UPDATE knowledge_articles SET ${set} WHERE id = $1 RETURNING ${COLUMNS.replaceAll('k.', '')}`, [id, ...params]);
    return rows[0]!;
  }

  async list(q: Queryable, query: ListArticles, publishedOnly: boolean): Promise<Page<ArticleRow>> {
    const params: unknown[] = [];
    const where = filterSql(query, publishedOnly, params);
    const spec = { sort: query.sort, cursor: query.cursor, limit: query.limit, columns: SORT_COLUMNS, idExpr: 'k.id', idType: 'uuid' } as const;
    const page = keyset(spec, params);
    if (page.where) where.push(page.where);
    const { rows } = await q.query<ArticleRow & { sort_key: string }>(
      `SELECT ${COLUMNS}, ${page.sortKeySelect} FROM knowledge_articles k ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${page.orderBy} LIMIT ${page.limit}`,
      params,
    );
    return toPage(rows, spec, ({ sort_key: _, ...row }) => row);
  }

  /** Best matches first (rank, then the most recently updated); headlines only for the rows returned. */
  async search(q: Queryable, query: SearchArticles, publishedOnly: boolean): Promise<SearchRow[]> {
    const params: unknown[] = [query.q];
    const where = ['k.search @@ tsq', ...filterSql(query, publishedOnly, params)];
    params.push(HEADLINE_TITLE, HEADLINE_BODY);
    const titleOptions = params.length - 1;
    const bodyOptions = params.length;
    const { rows } = await q.query<SearchRow>(
      `SELECT m.id, m.title, m.tags, m.model_ids, m.fault_codes, m.status, m.updated_at, m.rank,
              ts_headline('${SEARCH_CONFIG}', m.title, m.tsq, $${titleOptions}) AS title_highlight,
              ts_headline('${SEARCH_CONFIG}', m.body, m.tsq, $${bodyOptions}) AS snippet
       FROM (
         SELECT k.id, k.title, k.body, k.tags, k.model_ids, k.fault_codes, k.status, k.updated_at, tsq,
                ts_rank(k.search, tsq) AS rank
         FROM knowledge_articles k, websearch_to_tsquery('${SEARCH_CONFIG}', $1) tsq
         WHERE ${where.join(' AND ')}
         ORDER BY rank DESC, k.updated_at DESC, k.id
         LIMIT ${query.limit}
       ) m
       ORDER BY m.rank DESC, m.updated_at DESC, m.id`,
      params,
    );
    return rows;
  }
}
