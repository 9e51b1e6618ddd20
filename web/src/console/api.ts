/** The console's API access (session key `telemend.console.*`) and the API shapes it shows. */
import { createApi, type Ok } from '../shared/api';

export const api = createApi('console');
export const { client, ok, optional } = api;

export type Ticket = Ok<'/api/v1/tickets/{id}', 'get'>;
export type Diagnosis = Ok<'/api/v1/tickets/{id}/diagnosis', 'get'>;
export type Asset = Ok<'/api/v1/assets/{id}', 'get'>;
export type Site = Ok<'/api/v1/sites/{id}', 'get'>;
export type Customer = Ok<'/api/v1/customers/{id}', 'get'>;
export type Model = Ok<'/api/v1/models/{id}', 'get'>;
export type Visit = Ok<'/api/v1/tickets/{id}/visits', 'get'>['items'][number];
export type Reservation = Ok<'/api/v1/tickets/{id}/reservations', 'get'>['items'][number];
export type Availability = Ok<'/api/v1/stock/availability', 'get'>['items'][number];
export type Suggestions = Ok<'/api/v1/tickets/{id}/technician-suggestions', 'get'>;
export type Telemetry = Ok<'/api/v1/assets/{id}/telemetry', 'get'>;
export type Schedule = Ok<'/api/v1/schedule', 'get'>;

/** A per-session cache for slow-changing reads (models, sites, customers, assets). */
const cache = new Map<string, Promise<unknown>>();
export function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
  let pending = cache.get(key) as Promise<T> | undefined;
  if (!pending) {
    pending = load().catch((error: unknown) => {
      cache.delete(key);
      throw error;
    });
    cache.set(key, pending);
  }
  return pending;
}
