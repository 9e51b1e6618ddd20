/**
 * Phone intake search: what the caller says (a name, a number in any writing, an e-mail, a serial
 * number, a street) finds the customers, contacts, sites and assets it may mean, best first:
 * exact before prefix before substring matches, customers before the records under them.
 */
import type { Database } from '../../kernel/db/database.js';
import { phoneQuery } from './phone-query.js';
import { SearchRepository, type SearchRow, type SearchTerms } from './search.repository.js';
import { MATCH_RANKS, SEARCH_TYPES, type SearchHit, type SearchQuery, type SearchType } from './search.schemas.js';

export class SearchService {
  private readonly repo = new SearchRepository();

  constructor(private readonly db: Database) {}

  async search(query: SearchQuery): Promise<{ items: SearchHit[] }> {
    const terms: SearchTerms = { text: query.q.toLowerCase(), phone: phoneQuery(query.q) };
    const perType = await Promise.all(SEARCH_TYPES.map(async (type) => (await this.searchType(type, terms, query.limit)).map((row) => hitOf(type, row))));
    const order = (hit: SearchHit) => [MATCH_RANKS.indexOf(hit.rank), SEARCH_TYPES.indexOf(hit.type)] as const;
    const items = perType.flat().sort((a, b) => {
      const [ra, ta] = order(a);
      const [rb, tb] = order(b);
      return ra - rb || ta - tb || a.label.localeCompare(b.label) || a.id.localeCompare(b.id);
    });
    return { items: items.slice(0, query.limit) };
  }

  /** Prefix pass first (indexed); the substring pass only fills what is left of the limit. */
  private async searchType(type: SearchType, terms: SearchTerms, limit: number): Promise<SearchRow[]> {
    const first = await this.repo.search(this.db, type, terms, 'prefix', limit);
    if (first.length >= limit) return first;
    const rest = await this.repo.search(
      this.db,
      type,
      terms,
      'contains',
      limit - first.length,
      first.map((r) => r.id),
    );
    return [...first, ...rest];
  }
}

function hitOf(type: SearchType, row: SearchRow): SearchHit {
  return {
    type,
    id: row.id,
    customerId: row.customer_id,
    customerName: row.customer_name,
    label: row.label,
    detail: row.detail,
    matched: row.matched,
    rank: row.rank === 3 ? 'exact' : row.rank === 2 ? 'prefix' : 'contains',
  };
}
