/* global document, window */
/** DOM and formatting helpers shared by the console's views (no framework). */

/**
 * Creates an element: h('div.card.is-open', { title: 'x', onclick: fn, dataset: {id} }, child, 'text', [more]).
 * Children may be nodes, strings, numbers, arrays, null/undefined/false (skipped).
 */
export function h(tag, attrs, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (attrs !== undefined && attrs !== null && (typeof attrs !== 'object' || attrs instanceof window.Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'class') el.className = [el.className, value].filter(Boolean).join(' ');
    else if (key === 'style' && typeof value === 'object') Object.assign(el.style, value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof window.Node ? child : String(child));
  }
}

/** SVG element with attributes. */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined && value !== null) el.setAttribute(key, String(value));
  for (const child of children.flat()) if (child) el.append(child);
  return el;
}

/** Replaces the children of `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit', hour12: false });

export const fmtTime = (iso) => (iso ? timeFmt.format(new Date(iso)) : '—');
export const fmtDateTime = (iso) => (iso ? dateTimeFmt.format(new Date(iso)) : '—');

/** "3m ago", "in 2h 10m", from an ISO instant. */
export function relative(iso, now = Date.now()) {
  if (!iso) return '—';
  const diff = new Date(iso).getTime() - now;
  const text = duration(Math.abs(diff));
  return diff >= 0 ? `in ${text}` : `${text} ago`;
}

/** 95 s → "1m", 3 h 5 m → "3h 5m", 2 d → "2d 0h". */
export function duration(ms) {
  const m = Math.floor(ms / 60_000);
  if (m < 1) return `${Math.max(0, Math.floor(ms / 1000))}s`;
  if (m < 60) return `${m}m`;
  const hrs = Math.floor(m / 60);
  if (hrs < 48) return `${hrs}h ${m % 60}m`;
  return `${Math.floor(hrs / 24)}d ${hrs % 24}h`;
}

export const titleCase = (s) => String(s ?? '').replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

export function priorityBadge(priority) {
  return h(`span.badge.prio-${priority}`, { title: `Priority ${priority}` }, h('span.prio-bars', [1, 2, 3, 4].map((i) => h(`i${i <= PRIORITY_LEVEL[priority] ? '.on' : ''}`))), titleCase(priority));
}
const PRIORITY_LEVEL = { low: 1, medium: 2, high: 3, critical: 4 };
export const priorityRank = (p) => PRIORITY_LEVEL[p] ?? 0;

export function statusBadge(status) {
  return h(`span.status.st-${status}`, h('span.dot'), titleCase(status));
}

/**
 * SLA badge of a ticket: the next due time that matters (response before the technician is on
 * the way, then resolution); red when breached, amber under 25 % of the remaining window.
 */
export function slaBadge(ticket, now = Date.now()) {
  const closed = ['resolved', 'closed', 'cancelled'].includes(ticket.status);
  if (closed) return h('span.sla.sla-done', 'SLA done');
  const responding = !ticket.respondedAt;
  const due = responding ? ticket.responseDueAt : ticket.resolutionDueAt;
  const breached = responding ? ticket.responseBreached : ticket.resolutionBreached;
  const left = new Date(due).getTime() - now;
  const span = new Date(due).getTime() - new Date(ticket.createdAt).getTime();
  const tone = breached || left < 0 ? 'sla-breach' : left < span * 0.25 ? 'sla-warn' : 'sla-ok';
  const label = left < 0 ? `${responding ? 'Response' : 'Fix'} overdue ${duration(-left)}` : `${responding ? 'Respond' : 'Fix'} ${duration(left)}`;
  return h(`span.sla.${tone}`, { title: `${responding ? 'Response' : 'Resolution'} due ${fmtDateTime(due)}` }, label);
}

/** Two-letter initials on a coloured disc (colour from the name). */
export function avatar(name, size = '') {
  const initials = String(name ?? '?').split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join('');
  let hash = 0;
  for (const c of String(name)) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return h(`span.avatar${size ? `.${size}` : ''}`, { style: { '--hue': String(hash % 360) }, title: name }, initials || '?');
}

/** Skeleton lines while loading. */
export const skeleton = (lines = 3) => h('div.skeleton', Array.from({ length: lines }, (_, i) => h('div.sk-line', { style: { width: `${90 - i * 17}%` } })));

export const empty = (title, text, icon = '○') => h('div.empty', h('div.empty-icon', icon), h('div.empty-title', title), text ? h('div.empty-text', text) : null);

/** Toasts: error/info/success; errors carry the problem+json title and detail. */
export function toast(kind, title, detail) {
  const host = $('#toasts');
  const el = h(`div.toast.toast-${kind}`, { role: kind === 'error' ? 'alert' : 'status' }, h('div.toast-title', title), detail ? h('div.toast-detail', detail) : null);
  const close = () => {
    el.classList.add('leaving');
    window.setTimeout(() => el.remove(), 180);
  };
  el.append(h('button.toast-close', { 'aria-label': 'Dismiss', onclick: close }, '×'));
  host.append(el);
  while (host.children.length > 2) host.firstElementChild.remove();
  window.setTimeout(close, kind === 'error' ? 8000 : 4000);
  return el;
}

/** Toast for an ApiError (or any error). */
export function toastError(error, context) {
  const title = error?.problem?.title ?? 'Something went wrong';
  const detail = error?.problem?.detail ?? error?.message;
  toast('error', context ? `${context}: ${title}` : title, detail);
}
