/** Phone intake search contract: one box over customers, contacts, sites and assets. */
import { z } from 'zod';

export const SEARCH_TYPES = ['customer', 'contact', 'site', 'asset'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];
/** The field that matched (address covers a site's street address and city). */
export const SEARCH_FIELDS = ['name', 'code', 'email', 'phone', 'address', 'serialNumber'] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];
export const MATCH_RANKS = ['exact', 'prefix', 'contains'] as const;
export type MatchRank = (typeof MATCH_RANKS)[number];

export const searchQuery = z.object({
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .describe('What the caller said: a name, phone number (any writing: +49 30 1234, 030-1234), e-mail, serial number or address'),
  limit: z.coerce.number().int().min(1).max(50).default(20).describe('Most results in all (default 20, at most 50)'),
});
export type SearchQuery = z.infer<typeof searchQuery>;

export const searchHitSchema = z.object({
  type: z.enum(SEARCH_TYPES),
  id: z.uuid(),
  customerId: z.uuid().describe('The customer the record belongs to (its own id for a customer): opens the customer 360'),
  customerName: z.string(),
  label: z.string().describe('What to show first: the name (an unnamed asset: its serial number)'),
  detail: z.string().describe('A line to tell similar results apart (code, phone, address, model, site)'),
  matched: z.enum(SEARCH_FIELDS),
  rank: z.enum(MATCH_RANKS).describe('exact before prefix before contains'),
});
export type SearchHit = z.infer<typeof searchHitSchema>;

export const searchResult = z.object({
  items: z.array(searchHitSchema).describe('Best first: by rank, then customers, contacts, sites, assets, then by label'),
});
