/**
 * One visit: where and when (with a navigation link), the ticket's diagnosis, the parts reserved
 * for it and where they are, the equipment's latest readings, alarms and history, the knowledge
 * article — all from the device's copy — and below it the work steps (work.ts).
 */
import { h } from '../shared/dom';
import { empty } from '../shared/ui';
import type { Job } from './jobs';
import { i18n, t } from './messages';
import type { AppState } from './state';
import { priorityBadge, slaText, stageChip, time } from './today';
import { renderWork } from './work';

function section(title: string, body: HTMLElement | HTMLElement[] | null, open = false): HTMLElement {
  return h('details.info', { open }, h('summary', h('h2', title)), h('div.info-body', body));
}

function diagnosis(job: Job): HTMLElement {
  const d = job.diagnosis;
  if (!d || (!d.title && !d.text && !d.causes.length && !d.actions.length)) return h('p.muted', t('noDiagnosis'));
  return h(
    'div',
    d.title ? h('p.strong', d.title) : null,
    d.text ? h('p', d.text) : null,
    d.causes.length
      ? [
          h('h3', t('probableCauses')),
          h(
            'ol.plain-list',
            d.causes.map((c) => h('li', c)),
          ),
        ]
      : null,
    d.actions.length
      ? [
          h('h3', t('actions')),
          h(
            'ol.plain-list',
            d.actions.map((c) => h('li', c)),
          ),
        ]
      : null,
  );
}

function reserved(job: Job): HTMLElement {
  if (!job.reservedParts.length) return h('p.muted', t('noReservedParts'));
  return h(
    'ul.rows',
    job.reservedParts.map((p) =>
      h(
        'li.row',
        h('div', h('div.mono', p.sku), p.name ? h('div.muted.small', p.name) : null),
        h('div.row-end', h('div', `× ${i18n.number(p.quantity)}`), h(`span.chip${p.inVan ? '.chip-ok' : ''}`, p.inVan ? t('inMyVan') : p.location)),
      ),
    ),
  );
}

function equipment(job: Job): HTMLElement | null {
  const a = job.asset;
  if (!a) return null;
  return h(
    'div',
    h('p', h('span.strong', a.name), a.serial ? h('span.muted.mono', ` · ${a.serial}`) : null),
    h('h3', t('readings')),
    a.readings.length
      ? h(
          'dl.readings',
          a.readings.map((r) => [
            h('dt', r.name),
            h('dd', `${typeof r.value === 'number' ? i18n.number(r.value, { maximumFractionDigits: 2 }) : r.value}${r.unit ? ` ${r.unit}` : ''}`),
          ]),
        )
      : h('p.muted', t('noReadings')),
    a.alarms.length
      ? [
          h('h3', t('alarms')),
          h(
            'ul.rows',
            a.alarms.map((al) =>
              h(
                'li.row',
                h('span', al.active ? h('span.dot-bad', { 'aria-hidden': 'true' }) : null, al.title),
                h('span.muted.small', al.at ? i18n.date(al.at) : ''),
              ),
            ),
          ),
        ]
      : null,
    a.history.length
      ? [
          h('h3', t('history')),
          h(
            'ul.rows',
            a.history.slice(0, 10).map((e) => h('li.row', h('span', e.title), h('span.muted.small', e.at ? i18n.date(e.at, { dateStyle: 'medium' }) : ''))),
          ),
        ]
      : null,
  );
}

function articles(job: Job): HTMLElement {
  // Markdown shown as text: paragraphs kept, nothing interpreted as HTML.
  return h(
    'div',
    job.articles.map((a) =>
      h(
        'div.article',
        h('p.strong', a.title),
        a.body.split(/\n{2,}/).map((p) => h('p', p)),
      ),
    ),
  );
}

export function renderVisit(state: AppState, job: Job): HTMLElement {
  const sla = slaText(job.ticket.resolutionDueAt ?? job.ticket.responseDueAt);
  const address = [job.site?.address, job.site?.city].filter(Boolean).join(', ');
  return h(
    'article.visit',
    { 'aria-labelledby': 'visit-title' },
    h('a.back', { href: '#/' }, '‹ ', t('back')),
    h(
      'header.visit-head',
      h(
        'div.visit-meta',
        h('span.mono', job.ticket.number),
        priorityBadge(job.ticket.priority),
        stageChip(state, job),
        sla ? h(`span.sla.sla-${sla.level}`, sla.text) : null,
      ),
      h('h1', { id: 'visit-title' }, job.ticket.title),
      h(
        'div.visit-when',
        i18n.date(job.visit.plannedStart, { weekday: 'short', day: 'numeric', month: 'short' }),
        ' · ',
        `${time(job.visit.plannedStart)}–${time(job.visit.plannedEnd)}`,
      ),
    ),
    h(
      'section.card.where',
      job.customer ? h('div.strong', job.customer.name) : null,
      job.site ? h('div', job.site.name) : null,
      address ? h('div.muted', address) : null,
      job.site?.accessNotes ? h('div.access', h('span.strong', `${t('accessNotes')}: `), job.site.accessNotes) : null,
      h(
        'div.where-actions',
        job.navigationUrl ? h('a.btn.btn-primary', { href: job.navigationUrl, target: '_blank', rel: 'noopener' }, '➤ ', t('navigate')) : null,
        job.customer?.phone ? h('a.btn', { href: `tel:${job.customer.phone}` }, '✆ ', t('call')) : null,
      ),
    ),
    job.ticket.description ? h('p.description', job.ticket.description) : null,
    section(t('diagnosis'), diagnosis(job), true),
    section(t('reservedParts'), reserved(job), job.reservedParts.length > 0),
    job.asset ? section(t('asset'), equipment(job)) : null,
    job.articles.length ? section(t('article'), articles(job)) : null,
    renderWork(state, job),
  );
}

export function notFound(): HTMLElement {
  return h('div', h('a.back', { href: '#/' }, '‹ ', t('back')), empty(t('noJobs'), t('noJobsText')));
}
