/** The desk's API access (session key `telemend.desk.*`), the shapes it shows and the role rules of its screens. */
import { createApi, type Ok, type Role } from '../shared/api';

export const api = createApi('desk');
export const { client, ok, optional } = api;

export type Customer360 = Ok<'/api/v1/customers/{id}/360', 'get'>;
export type Ticket = Ok<'/api/v1/tickets/{id}', 'get'>;
export type Contract = Ok<'/api/v1/contracts/{id}', 'get'>;
export type Invoice = Ok<'/api/v1/invoices/{id}', 'get'>;
export type Article = Ok<'/api/v1/knowledge/articles/{id}', 'get'>;
export type Activity = Customer360['recentActivities'][number];

/** Roles admitted to the desk. */
export const DESK_ROLES = ['agent', 'dispatcher', 'admin'] as const satisfies readonly Role[];

export const role = (): Role | null => api.session.user?.role ?? null;
/**
 * Money on screen: never for an agent. The API already leaves money out of an agent's answers;
 * the screens also leave out the columns and labels, so no empty price column is drawn.
 */
export const seesMoney = (): boolean => role() === 'admin' || role() === 'dispatcher';
/** The back office (contracts, stock, invoices, knowledge, reports): admins only. */
export const isAdmin = (): boolean => role() === 'admin';

/** A per-session cache for slow-changing reads (users, locations). */
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

/** Fetches a binary or CSV answer with the session's token and saves it under `filename`. */
export async function download(url: string, filename: string, accept = '*/*'): Promise<void> {
  const res = await fetch(url, { headers: { accept, ...api.authHeaders() } });
  if (!res.ok) {
    let detail = `HTTP ${res.status}`;
    try {
      const problem = (await res.json()) as { detail?: string; title?: string };
      detail = problem.detail ?? problem.title ?? detail;
    } catch {
      // Not JSON: the status says enough.
    }
    throw new Error(detail);
  }
  const blob = await res.blob();
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
