/** Today and upcoming: my visits in order, with time, customer, address, priority and SLA countdown. */
import { h } from '../shared/dom';
import { empty } from '../shared/ui';
import type { Job } from './jobs';
import { i18n, label, t } from './messages';
import { pendingOf, stageOf, type AppState } from './state';

const dayKey = (iso: string): string => {
  const d = new Date(iso);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

/** "in 3h 10m" / "overdue 20m", in the current language. */
export function slaText(dueAt: string | null | undefined, now = Date.now()): { text: string; level: 'ok' | 'warn' | 'bad' } | null {
  if (!dueAt) return null;
  const diff = Date.parse(dueAt) - now;
  const minutes = Math.floor(Math.abs(diff) / 60_000);
  const span = minutes < 60 ? `${minutes}m` : minutes < 48 * 60 ? `${Math.floor(minutes / 60)}h ${minutes % 60}m` : `${Math.floor(minutes / 1440)}d`;
  if (diff < 0) return { text: t('slaOverdue', { time: span }), level: 'bad' };
  return { text: t('slaIn', { time: span }), level: diff < 2 * 3_600_000 ? 'warn' : 'ok' };
}

export const time = (iso: string): string => i18n.date(iso, { hour: '2-digit', minute: '2-digit' });

export function priorityBadge(priority: string): HTMLElement {
  return h(`span.badge.prio-${priority}`, label('priority', priority));
}

export function stageChip(state: AppState, job: Job): HTMLElement {
  const stage = stageOf(state, job);
  return h(`span.chip.stage-${stage}`, label('status', stage));
}

function card(state: AppState, job: Job, order: number): HTMLElement {
  const sla = slaText(job.ticket.resolutionDueAt ?? job.ticket.responseDueAt);
  const waiting = pendingOf(state, job.id).length;
  const address = [job.site?.name, [job.site?.address, job.site?.city].filter(Boolean).join(', ')].filter(Boolean).join(' · ');
  return h(
    'li.job',
    h(
      'a.job-link',
      { href: `#/visit/${job.id}`, dataset: { visit: job.id } },
      h('div.job-order', { 'aria-hidden': 'true' }, String(order)),
      h(
        'div.job-body',
        h(
          'div.job-top',
          h('span.job-time', `${time(job.visit.plannedStart)}–${time(job.visit.plannedEnd)}`),
          priorityBadge(job.ticket.priority),
          sla ? h(`span.sla.sla-${sla.level}`, sla.text) : null,
        ),
        h('div.job-title', h('span.mono.job-number', job.ticket.number), ' ', job.ticket.title),
        job.customer ? h('div.job-customer', job.customer.name) : null,
        address ? h('div.job-address.muted', address) : null,
        h('div.job-foot', stageChip(state, job), waiting ? h('span.chip.chip-pending', t('pending', { n: waiting })) : null),
      ),
      h('span.job-chevron', { 'aria-hidden': 'true' }, '›'),
    ),
  );
}

export function renderToday(state: AppState): HTMLElement {
  const todayKey = dayKey(new Date().toISOString());
  const visible = state.jobs.filter((j) => j.visit.status !== 'cancelled');
  const todays = visible.filter((j) => dayKey(j.visit.plannedStart) <= todayKey);
  const later = visible.filter((j) => dayKey(j.visit.plannedStart) > todayKey);
  const byDay = new Map<string, Job[]>();
  for (const job of later) byDay.set(dayKey(job.visit.plannedStart), [...(byDay.get(dayKey(job.visit.plannedStart)) ?? []), job]);
  return h(
    'div.today',
    h(
      'section.day',
      { 'aria-labelledby': 'today-title' },
      h('h1.day-title', { id: 'today-title' }, t('today'), h('span.day-date', i18n.date(Date.now(), { weekday: 'long', day: 'numeric', month: 'long' }))),
      todays.length
        ? h(
            'ol.jobs',
            todays.map((job, i) => card(state, job, i + 1)),
          )
        : empty(t('noJobs'), t('noJobsText'), '✓'),
    ),
    later.length
      ? h(
          'section.day',
          { 'aria-labelledby': 'upcoming-title' },
          h('h2.day-title', { id: 'upcoming-title' }, t('upcoming')),
          [...byDay.entries()].map(([day, jobs]) =>
            h(
              'div.upcoming-day',
              h('h3.day-sub', i18n.date(`${day}T12:00:00`, { weekday: 'long', day: 'numeric', month: 'short' })),
              h(
                'ol.jobs',
                jobs.map((job, i) => card(state, job, i + 1)),
              ),
            ),
          ),
        )
      : null,
  );
}
