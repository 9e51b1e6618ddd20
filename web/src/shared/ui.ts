/** Formatting, feedback (toasts) and small building blocks shared by the web interfaces. */
import { ApiError } from './api';
import { h, $, type Child } from './dom';

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit', hour12: false });

type Instant = string | null | undefined;
export const fmtTime = (iso: Instant): string => (iso ? timeFmt.format(new Date(iso)) : '—');
export const fmtDateTime = (iso: Instant): string => (iso ? dateTimeFmt.format(new Date(iso)) : '—');

/** "3m ago", "in 2h 10m", from an ISO instant. */
export function relative(iso: Instant, now = Date.now()): string {
  if (!iso) return '—';
  const diff = new Date(iso).getTime() - now;
  const text = duration(Math.abs(diff));
  return diff >= 0 ? `in ${text}` : `${text} ago`;
}

/** 95 s → "1m", 3 h 5 m → "3h 5m", 2 d → "2d 0h". */
export function duration(ms: number): string {
  const m = Math.floor(ms / 60_000);
  if (m < 1) return `${Math.max(0, Math.floor(ms / 1000))}s`;
  if (m < 60) return `${m}m`;
  const hrs = Math.floor(m / 60);
  if (hrs < 48) return `${hrs}h ${m % 60}m`;
  return `${Math.floor(hrs / 24)}d ${hrs % 24}h`;
}

export const titleCase = (s: unknown): string =>
  String(s ?? '')
    .replace(/_/g, ' ')
    .replace(/^./, (c) => c.toUpperCase());

/** Two-letter initials on a coloured disc (colour from the name). */
export function avatar(name: string | null | undefined, size = ''): HTMLElement {
  const text = String(name ?? '?');
  const initials = text
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
  let hash = 0;
  for (const c of text) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return h(`span.avatar${size ? `.${size}` : ''}`, { style: { '--hue': String(hash % 360) }, title: text, 'aria-hidden': 'true' }, initials || '?');
}

/** Skeleton lines while loading (Web Awesome's wa-skeleton). */
export const skeleton = (lines = 3): HTMLElement =>
  h(
    'div.skeleton',
    Array.from({ length: lines }, (_, i) => h('wa-skeleton.sk-line', { effect: 'sheen', style: { width: `${90 - i * 17}%` } })),
  );

export const empty = (title: string, text?: Child, icon = '○'): HTMLElement =>
  h('div.empty', h('div.empty-icon', { 'aria-hidden': 'true' }, icon), h('div.empty-title', title), text ? h('div.empty-text', text) : null);

const TOAST_VARIANT = { error: 'danger', info: 'brand', success: 'success' } as const;

/** Toasts (wa-callout): error/info/success; errors carry the problem+json title and detail. */
export function toast(kind: keyof typeof TOAST_VARIANT, title: string, detail?: string | null): HTMLElement {
  const host = $('#toasts');
  const el = h(
    `wa-callout.toast.toast-${kind}`,
    { variant: TOAST_VARIANT[kind], appearance: 'filled-outlined', size: 's', role: kind === 'error' ? 'alert' : 'status' },
    h('div.toast-title', title),
    detail ? h('div.toast-detail', detail) : null,
  );
  const close = (): void => {
    el.classList.add('leaving');
    window.setTimeout(() => el.remove(), 180);
  };
  el.append(h('button.toast-close', { type: 'button', 'aria-label': 'Dismiss', onclick: close }, '×'));
  host.append(el);
  while (host.children.length > 2) host.firstElementChild?.remove();
  window.setTimeout(close, kind === 'error' ? 8000 : 4000);
  return el;
}

/** Toast for an ApiError (or any error). */
export function toastError(error: unknown, context?: string): void {
  const problem = error instanceof ApiError ? error.problem : null;
  const title = problem?.title ?? 'Something went wrong';
  const detail = problem?.detail ?? (error as Error | undefined)?.message;
  toast('error', context ? `${context}: ${title}` : title, detail);
}

/** The message of an error for an empty state. */
export const errorText = (error: unknown): string =>
  error instanceof ApiError ? (error.problem.detail ?? error.message) : String((error as Error | undefined)?.message ?? error);
