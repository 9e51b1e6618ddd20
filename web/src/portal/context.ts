/** What every portal view gets: the API, the translator, the signed-in user's profile and navigation. */
import type { Api, Ok } from '../shared/api';
import type { T } from './messages';

export type Profile = Ok<'/api/v1/portal/profile', 'get'>;

export interface PortalContext {
  readonly api: Api;
  readonly t: T;
  readonly profile: Profile;
  /** Goes to a hash route (`tickets/<id>`, `new?asset=<id>`). */
  go(route: string): void;
  /** Renders the current route again (after a change). */
  refresh(): void;
  /** Runs when the reader leaves the page (stops polling). */
  onLeave(fn: () => void): void;
}

export interface Route {
  /** First path segment: tickets, new, quotes, invoices, contracts, equipment, notifications, users. */
  readonly page: string;
  /** Second path segment (an id), if any. */
  readonly id: string | undefined;
  readonly query: URLSearchParams;
}

/** `#/tickets/<id>?x=1` → { page: 'tickets', id, query }. */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = raw.split('?');
  const [page = '', id] = path.split('/').filter(Boolean);
  return { page, id, query: new URLSearchParams(search) };
}
