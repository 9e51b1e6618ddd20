/** Ticket badges: priority, status and the SLA countdown. */
import { h } from '../shared/dom';
import { duration, fmtDateTime, titleCase } from '../shared/ui';
import type { Ticket } from './api';

const PRIORITY_LEVEL: Record<string, number> = { low: 1, medium: 2, high: 3, critical: 4 };
export const priorityRank = (p: string): number => PRIORITY_LEVEL[p] ?? 0;

export function priorityBadge(priority: string): HTMLElement {
  return h(
    `span.badge.prio-${priority}`,
    { title: `Priority ${priority}` },
    h(
      'span.prio-bars',
      [1, 2, 3, 4].map((i) => h(`i${i <= priorityRank(priority) ? '.on' : ''}`)),
    ),
    titleCase(priority),
  );
}

export function statusBadge(status: string): HTMLElement {
  return h(`span.status.st-${status}`, h('span.dot'), titleCase(status));
}

/**
 * SLA badge of a ticket: the next due time that matters (response before the technician is on
 * the way, then resolution); red when breached, amber under 25 % of the remaining window.
 */
export function slaBadge(ticket: Ticket, now = Date.now()): HTMLElement {
  if (['resolved', 'closed', 'cancelled'].includes(ticket.status)) return h('span.sla.sla-done', 'SLA done');
  const responding = !ticket.respondedAt;
  const due = responding ? ticket.responseDueAt : ticket.resolutionDueAt;
  const breached = responding ? ticket.responseBreached : ticket.resolutionBreached;
  const left = new Date(due).getTime() - now;
  const span = new Date(due).getTime() - new Date(ticket.createdAt).getTime();
  const tone = breached || left < 0 ? 'sla-breach' : left < span * 0.25 ? 'sla-warn' : 'sla-ok';
  const label = left < 0 ? `${responding ? 'Response' : 'Fix'} overdue ${duration(-left)}` : `${responding ? 'Respond' : 'Fix'} ${duration(left)}`;
  return h(`span.sla.${tone}`, { title: `${responding ? 'Response' : 'Resolution'} due ${fmtDateTime(due)}` }, label);
}
