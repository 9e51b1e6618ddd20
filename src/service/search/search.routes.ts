/** /api/v1/search — the desk's one search box (thin handler: validate, delegate). */
import type { ZodApp } from '../../kernel/http/http.types.js';
import type { SearchService } from './search.service.js';
import { searchQuery, searchResult } from './search.schemas.js';

/** Staff who take calls or look things up for them; customers have their own lists. */
const read = { roles: ['admin', 'dispatcher', 'agent', 'technician'] } as const;
const tags = ['search'];

export async function searchRoutes(app: ZodApp, deps: { search: SearchService }): Promise<void> {
  app.get(
    '/search',
    {
      config: read,
      schema: {
        tags,
        summary: 'Find customers, contacts, sites and assets from one search text',
        description:
          'Matches names, customer codes, e-mail addresses, phone numbers (compared on their digits; "+49 30 1234", "0049 30 1234" and "030-1234" find each other), site addresses and cities, and asset serial numbers. Ranked exact > prefix > contains.',
        querystring: searchQuery,
        response: { 200: searchResult },
      },
    },
    async (request) => deps.search.search(request.query),
  );
}
