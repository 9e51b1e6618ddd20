/** Small building blocks of the portal's pages: headers, cards, status pills, money, downloads. */
import { ApiError, type Api } from '../shared/api';
import { h, type Child } from '../shared/dom';
import type { T } from './messages';

export function pageHeader(title: string, intro?: string | null, ...actions: Child[]): HTMLElement {
  return h(
    'header.page-head',
    h('div', h('h1.page-title', title), intro ? h('p.muted.page-intro', intro) : null),
    actions.length ? h('div.page-actions', actions) : null,
  );
}

export const card = (...children: Child[]): HTMLElement => h('section.card', children);

export type Tone = 'neutral' | 'brand' | 'ok' | 'warn' | 'bad';

export const pill = (text: string, tone: Tone = 'neutral'): HTMLElement => h(`span.pill.pill-${tone}`, text);

/** Ticket status → tone of its pill. */
export function statusTone(status: string): Tone {
  if (['resolved', 'closed', 'completed', 'paid', 'accepted', 'active', 'online'].includes(status)) return 'ok';
  if (['cancelled', 'void', 'declined', 'expired', 'terminated', 'offline'].includes(status)) return 'bad';
  if (['on_hold', 'sent', 'issued', 'suspended'].includes(status)) return 'warn';
  if (['new', 'draft', 'not_connected'].includes(status)) return 'neutral';
  return 'brand';
}

/** An amount in its currency; '—' when the API left it out (money the role may not see). */
export function money(t: T, amount: number | undefined, currency: string | undefined): string {
  return amount === undefined || !currency ? '—' : t.number(amount, { style: 'currency', currency });
}

/** "12 h 30 min" from minutes. */
export function hoursAndMinutes(minutes: number): string {
  const hrs = Math.floor(minutes / 60);
  const min = minutes % 60;
  return min ? `${hrs} h ${min} min` : `${hrs} h`;
}

export function emptyState(title: string, text?: string, icon = '○'): HTMLElement {
  return h('div.empty', h('div.empty-icon', { 'aria-hidden': 'true' }, icon), h('p.empty-title', title), text ? h('p.empty-text.muted', text) : null);
}

export function notFoundState(t: T): HTMLElement {
  return h('div.not-found', { role: 'alert' }, emptyState(t.t('ticket.notFound'), t.t('ticket.notFoundText'), '?'));
}

export function loading(t: T): HTMLElement {
  return h('div.loading', { role: 'status' }, h('wa-spinner', { 'aria-hidden': 'true' }), h('span', t.t('app.loading')));
}

/** An error's message for the reader (problem detail, or the network message). */
export function errorMessage(t: T, error: unknown): string {
  if (error instanceof ApiError) return error.status === 0 ? t.t('app.networkError') : (error.problem.detail ?? error.problem.title);
  return (error as Error | undefined)?.message ?? t.t('app.error');
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

/** Fetches a protected file (bearer token) and saves it under `fileName`. */
export async function download(api: Api, url: string, fileName: string): Promise<void> {
  const response = await fetch(url, { headers: api.authHeaders() });
  if (!response.ok) {
    const problem = response.headers.get('content-type')?.includes('json') ? ((await response.json()) as { detail?: string; title?: string }) : null;
    throw new ApiError(response.status, problem);
  }
  const blob = await response.blob();
  const link = h('a', { href: URL.createObjectURL(blob), download: fileName, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

/** A protected image as a data: URL (the page's CSP allows data: images, not blob:). */
export async function imageData(api: Api, url: string): Promise<string> {
  const response = await fetch(url, { headers: api.authHeaders() });
  if (!response.ok) throw new ApiError(response.status);
  const blob = await response.blob();
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('unreadable'));
    reader.readAsDataURL(blob);
  });
}

/** A labelled form field. */
export function field(id: string, label: string, control: HTMLElement, hint?: string): HTMLElement {
  if (hint) control.setAttribute('aria-describedby', `${id}-hint`);
  return h('div.field', h('label', { for: id }, label), control, hint ? h('p.hint.muted', { id: `${id}-hint` }, hint) : null);
}
