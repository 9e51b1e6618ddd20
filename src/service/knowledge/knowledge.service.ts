/**
 * Knowledge base rules: model ids must be loaded equipment models; drafts are seen only by
 * those who edit the base (admin, dispatcher) — everyone else reads and searches published
 * articles; publication time is kept from the first publication. Optimistic concurrency and an
 * audit entry per change.
 */
import { recordAudit, type Actor } from '../../access/audit/audit.service.js';
import type { ModelRegistry } from '../../telemetry/models/models.registry.js';
import type { Database } from '../../kernel/db/database.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { checkVersion } from '../../kernel/db/row-version.js';
import type { Page } from '../../kernel/db/keyset.js';
import type { Role } from '../../kernel/caller.js';
import { KnowledgeRepository, MATCH_END, MATCH_START, type ArticleRow, type SearchRow } from './knowledge.repository.js';
import type { Article, CreateArticle, ListArticles, SearchArticles, SearchResult, UpdateArticle } from './knowledge.schemas.js';

/** Roles that write the knowledge base and see drafts. */
export const KNOWLEDGE_EDITORS: readonly Role[] = ['admin', 'dispatcher'];

const seesDrafts = (role: Role) => KNOWLEDGE_EDITORS.includes(role);

export class KnowledgeService {
  private readonly repo = new KnowledgeRepository();

  constructor(
    private readonly db: Database,
    private readonly models: ModelRegistry,
  ) {}

  async create(input: CreateArticle, actor: Actor): Promise<Article> {
    this.checkModels(input.modelIds);
    const row = await this.db.transaction(async (tx) => {
      const created = await this.repo.insert(tx, input, actor);
      await recordAudit(tx, actor, {
        entity: 'knowledge_article',
        entityId: created.id,
        action: 'create',
        changes: { title: input.title, status: input.status },
      });
      return created;
    });
    return toArticle(row);
  }

  async get(id: string, role: Role): Promise<Article> {
    const row = await this.repo.find(this.db, id);
    if (!row || (row.status !== 'published' && !seesDrafts(role))) throw notFound('article', id);
    return toArticle(row);
  }

  async list(query: ListArticles, role: Role): Promise<Page<Article>> {
    const page = await this.repo.list(this.db, query, !seesDrafts(role));
    return { items: page.items.map(toArticle), nextCursor: page.nextCursor };
  }

  async search(query: SearchArticles, role: Role): Promise<SearchResult> {
    const rows = await this.repo.search(this.db, query, !seesDrafts(role));
    return { items: rows.map(toHit) };
  }

  async update(id: string, patch: UpdateArticle, actor: Actor, ifMatch?: '*' | number[]): Promise<Article> {
    if (patch.modelIds) this.checkModels(patch.modelIds);
    const row = await this.db.transaction(async (tx) => {
      const current = await this.repo.find(tx, id, { lock: true });
      if (!current) throw notFound('article', id);
      checkVersion(ifMatch, current.version, `article ${id}`);
      if (Object.values(patch).every((v) => v === undefined)) return current;
      const updated = await this.repo.update(tx, id, patch);
      await recordAudit(tx, actor, {
        entity: 'knowledge_article',
        entityId: id,
        action: 'update',
        changes: { fields: Object.keys(patch), status: updated.status },
      });
      return updated;
    });
    return toArticle(row);
  }

  private checkModels(modelIds: readonly string[]): void {
    const fields = modelIds
      .map((id, i) => ({ id, i }))
      .filter(({ id }) => !this.models.get(id))
      .map(({ id, i }) => ({ field: `body.modelIds.${i}`, message: `unknown equipment model ${id}` }));
    if (fields.length > 0) throw new AppError('VALIDATION_FAILED', `Invalid request: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { fields });
  }
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML-escapes a headline and turns the match markers into <mark> tags. */
export function highlightHtml(headline: string): string {
  return headline
    .replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!)
    .replaceAll(MATCH_START, '<mark>')
    .replaceAll(MATCH_END, '</mark>');
}

function toHit(row: SearchRow): SearchResult['items'][number] {
  return {
    id: row.id,
    title: row.title,
    tags: row.tags,
    modelIds: row.model_ids,
    faultCodes: row.fault_codes,
    status: row.status,
    updatedAt: row.updated_at.toISOString(),
    rank: Number(row.rank),
    titleHighlight: highlightHtml(row.title_highlight),
    snippet: highlightHtml(row.snippet),
  };
}

function toArticle(row: ArticleRow): Article {
  return {
    id: row.id,
    title: row.title,
    body: row.body,
    tags: row.tags,
    modelIds: row.model_ids,
    faultCodes: row.fault_codes,
    status: row.status,
    publishedAt: row.published_at ? row.published_at.toISOString() : null,
    author: { type: row.author_type, id: row.author_id },
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
