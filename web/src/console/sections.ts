/** Render functions for the cards of the ticket panel (pure: data in, elements out). */
import { h, type Child } from '../shared/dom';
import { avatar, duration, empty, fmtDateTime, fmtTime, relative, titleCase } from '../shared/ui';
import type { Availability, Diagnosis, Reservation, Ticket, Visit } from './api';

/** A technician as the panel ranks them: from /technician-suggestions, or the diagnosis' ranking. */
export interface Candidate {
  technicianId: string;
  name: string;
  rank?: number | null;
  score?: number | null;
  slot?: { start: string; end: string } | null;
  distanceKm?: number | null;
  travelMinutes?: number | null;
  loadMinutes?: number | null;
  openTickets?: number | null;
  skillLevel?: number | null;
  allPartsOnVan?: boolean | null;
  partsOnVan?: readonly { sku: string; onVan: number; needed: number }[] | null;
  reasons?: readonly string[] | null;
  substituteFor?: string | null;
}
export interface Excluded {
  name: string;
  reason: string;
}

export const card = (title: string, aside: Child, ...body: Child[]): HTMLElement =>
  h('section.card', h('header.card-head', h('h3', title), aside ? h('div.card-aside', aside) : null), h('div.card-body', ...body));

const fact = (label: string, value: string, title?: string): HTMLElement => h('div.fact', { title }, h('div.fact-label', label), h('div.fact-value', value));

export function diagnosisCard(diag: Diagnosis | null): HTMLElement {
  if (!diag) {
    return card(
      'Diagnosis',
      null,
      empty('No automatic diagnosis', 'This ticket was opened by hand; the diagnosis comes with tickets opened from telemetry.', '✎'),
    );
  }
  const p = diag.prefill;
  const f = p.fault;
  return card(
    'Diagnosis',
    h('span.mono.muted', f.code),
    h(
      'div.diag-title',
      h('span.diag-icon', { 'aria-hidden': 'true' }, '⚠'),
      h(
        'div',
        h('div.diag-fault', f.title),
        h(
          'div.muted.small',
          `Rule ${diag.ruleId} · ${titleCase(diag.kind)} · detected ${fmtDateTime(p.finding.at)}${diag.evidenceCount > 1 ? ` · ${diag.evidenceCount} findings` : ''}`,
        ),
      ),
    ),
    f.diagnosis ? h('p.diag-text', f.diagnosis) : h('p.muted', 'The equipment model has no catalogue entry for this fault.'),
    p.predictive
      ? h(
          'wa-callout.callout.callout-predict',
          { variant: 'warning', size: 's' },
          h('b', 'Predicted failure '),
          `${fmtDateTime(p.predictive.projectedFailureAt)} (${relative(p.predictive.projectedFailureAt)}) — visit by `,
          h('b', fmtDateTime(p.predictive.latestVisitBy)),
        )
      : null,
    diag.conditionClearedAt
      ? h('wa-callout.callout.callout-ok', { variant: 'success', size: 's' }, `Condition cleared ${fmtDateTime(diag.conditionClearedAt)} before dispatch.`)
      : null,
    h(
      'div.facts',
      fact('Labour', p.labourHours !== null ? `${p.labourHours} h` : '—'),
      fact('Skill', p.requiredSkill ? titleCase(p.requiredSkill) : 'Any'),
      fact('Priority rule', `${titleCase(p.priority.base)} → ${titleCase(p.priority.value)}`, p.priority.reasons.join('; ')),
      fact('Customer tier', titleCase(p.priority.tier)),
    ),
  );
}

/** What the technician will do: probable causes and the catalogue's actions. */
export function workCard(diag: Diagnosis | null): HTMLElement | null {
  const f = diag?.prefill.fault;
  if (!f || (!f.probableCauses.length && !f.actions.length)) return null;
  return card(
    'Work instructions',
    h('span.muted.small', 'From the fault catalogue'),
    h(
      'div.diag-cols',
      f.probableCauses.length
        ? h(
            'div',
            h('h4.first', 'Probable causes'),
            h(
              'ul.bullets',
              f.probableCauses.map((c) => h('li', c)),
            ),
          )
        : null,
      f.actions.length
        ? h(
            'div',
            h('h4.first', 'Recommended actions'),
            h(
              'ol.steps',
              f.actions.map((a) => h('li', a)),
            ),
          )
        : null,
    ),
  );
}

/**
 * Parts: the prefill's parts with the ticket's reservations (stock module), the nearest stock
 * that has them, and what the top-ranked technician carries on the van. `onReserve` reserves them.
 */
export function partsCard(input: {
  diag: Diagnosis | null;
  reservations: readonly Reservation[] | null | undefined;
  availability: readonly Availability[] | null | undefined;
  candidates: readonly Candidate[] | null | undefined;
  onReserve(): void;
  reserving: boolean;
}): HTMLElement {
  const { diag, reservations, availability, candidates, onReserve, reserving } = input;
  const parts = diag?.prefill.parts ?? [];
  if (parts.length === 0)
    return card(
      'Parts',
      null,
      empty('No parts listed', diag ? 'The fault catalogue lists no parts for this job.' : 'Parts come from the diagnosis of auto-tickets.', '▢'),
    );
  const held = new Map<string, { qty: number; codes: Set<string> }>();
  for (const r of reservations ?? []) {
    if ((r.status ?? 'active') !== 'active') continue;
    const entry = held.get(r.sku) ?? { qty: 0, codes: new Set<string>() };
    entry.qty += Number(r.outstanding ?? r.quantity ?? 0);
    if (r.locationCode) entry.codes.add(r.locationCode);
    held.set(r.sku, entry);
  }
  const stock = new Map((availability ?? []).map((a) => [a.sku, a]));
  const best = candidates?.[0];
  const onVan = new Map((best?.partsOnVan ?? []).map((p) => [p.sku, p]));
  const allReserved = parts.every((p) => (held.get(p.sku)?.qty ?? 0) >= p.quantity || p.reserved);
  const aside = h(
    'div.card-actions',
    h('span.muted.small', `${parts.length} line${parts.length === 1 ? '' : 's'}`),
    reservations !== null && !allReserved
      ? h(
          'button.btn.btn-sm',
          { type: 'button', disabled: reserving, onclick: onReserve, title: 'Reserve every part at the nearest location with stock' },
          reserving ? 'Reserving…' : 'Reserve parts',
        )
      : null,
  );
  return card(
    'Parts',
    aside,
    h(
      'table.table',
      h(
        'thead',
        h(
          'tr',
          h('th', 'SKU'),
          h('th', 'Description'),
          h('th.num', 'Qty'),
          h('th', 'Reservation'),
          h('th', 'Nearest stock'),
          best ? h('th', { title: `On ${best.name}'s van (top-ranked technician)` }, 'Van') : null,
        ),
      ),
      h(
        'tbody',
        parts.map((p) => {
          const mine = held.get(p.sku);
          const qty = mine?.qty ?? 0;
          const reservation =
            qty >= p.quantity || p.reserved
              ? h('span.pill.pill-ok', { title: mine?.codes.size ? `Held at ${[...mine.codes].join(', ')}` : 'Reserved' }, '✓ Reserved')
              : qty > 0
                ? h('span.pill.pill-warn', `Partial ${qty}/${p.quantity}`)
                : h('span.pill.pill-muted', 'Not reserved');
          const a = stock.get(p.sku);
          const nearest = !a
            ? h('span.muted', '—')
            : a.totalAvailable <= 0
              ? h('span.pill.pill-bad', 'Out of stock')
              : h(
                  'span.stock',
                  { title: `${a.totalAvailable} available in all locations` },
                  h('b', a.nearest?.available ?? a.totalAvailable),
                  ' · ',
                  h('span.mono', a.nearest?.code ?? '?'),
                  a.nearest?.distanceKm != null ? h('span.muted', ` · ${Math.round(a.nearest.distanceKm)} km`) : null,
                );
          const van = onVan.get(p.sku);
          const vanCell = !best
            ? null
            : van
              ? h(van.onVan >= van.needed ? 'span.van-ok' : 'span.van-short', `${van.onVan >= van.needed ? '✓' : '✕'} ${van.onVan}/${van.needed}`)
              : h('span.muted', '—');
          return h(
            'tr',
            h('td.mono', p.sku),
            h('td.desc', { title: p.description }, p.description),
            h('td.num', p.quantity),
            h('td', reservation),
            h('td', nearest),
            best ? h('td', vanCell) : null,
          );
        }),
      ),
    ),
  );
}

export function knowledgeCard(diag: Diagnosis | null, onOpenArticle?: (id: string, title: string) => void): HTMLElement {
  const kb = diag?.prefill.knowledge ?? [];
  const past = diag?.prefill.pastResolutions ?? [];
  return card(
    'Knowledge & history',
    null,
    h('h4', 'Articles'),
    kb.length
      ? h(
          'ul.links',
          kb.map((k) =>
            h(
              'li',
              h('span.kb-icon', { 'aria-hidden': 'true' }, '▤'),
              onOpenArticle ? h('button.link', { type: 'button', onclick: () => onOpenArticle(k.id, k.title) }, k.title) : h('span', k.title),
              h('span.tag', k.match === 'model_and_fault' ? 'same model' : 'same fault'),
            ),
          ),
        )
      : h('p.muted.small', 'No published article for this fault yet.'),
    h('h4', 'Past resolutions'),
    past.length
      ? h(
          'ul.links',
          past.map((r) =>
            h(
              'li',
              h('span.mono', r.number),
              h(
                'span',
                r.resolution ??
                  (r.visits
                    .map((v) => v.notes)
                    .filter(Boolean)
                    .join('; ') ||
                    'Resolved'),
              ),
              h('span.muted.small', fmtDateTime(r.closedAt)),
            ),
          ),
        )
      : h('p.muted.small', 'First time this fault is seen on this model.'),
  );
}

export function slaCard(ticket: Ticket, diag: Diagnosis | null): HTMLElement {
  const row = (label: string, due: string, breached: boolean, done: string | null): HTMLElement =>
    h(
      'div.sla-row',
      h('span.sla-label', label),
      h('span', fmtDateTime(due)),
      done ? h('span.pill.pill-ok', `Met ${fmtTime(done)}`) : breached ? h('span.pill.pill-bad', 'Breached') : h('span.pill.pill-muted', relative(due)),
    );
  return card(
    'SLA',
    h('span.muted.small', ticket.slaSource === 'contract' ? 'Contract terms' : 'Default terms'),
    row('Response', ticket.responseDueAt, ticket.responseBreached, ticket.respondedAt),
    row('Resolution', ticket.resolutionDueAt, ticket.resolutionBreached, ticket.resolvedAt),
    diag?.prefill.priority.reasons.length ? h('div.muted.small.sla-why', diag.prefill.priority.reasons.join(' · ')) : null,
  );
}

const techLine = (c: Candidate): string =>
  [c.skillLevel != null ? `Level ${c.skillLevel}` : null, c.distanceKm != null ? `${c.distanceKm.toFixed(c.distanceKm < 10 ? 1 : 0)} km away` : null]
    .filter(Boolean)
    .join(' · ');

const stat = (label: string, value: string, tone = ''): HTMLElement =>
  h(`div.stat${tone ? `.stat-${tone}` : ''}`, h('div.stat-label', label), h('div.stat-value', value));

/** Ranked technicians, each with its facts, reasons and a one-click Assign. */
export function techniciansCard(input: {
  candidates: readonly Candidate[] | null;
  excluded: readonly Excluded[] | undefined;
  source: 'dispatch' | 'ranking' | undefined;
  assignedId: string | null;
  busyId: string | null;
  onAssign(c: Candidate): void;
  requiredSkill: string | null | undefined;
}): HTMLElement {
  const { candidates, excluded, source, assignedId, busyId, onAssign, requiredSkill } = input;
  const aside = h('span.muted.small', requiredSkill ? `Needs ${titleCase(requiredSkill)}` : source === 'ranking' ? 'Auto-ticket ranking' : '');
  if (!candidates)
    return card('Recommended technicians', aside, h('div.skeleton', h('wa-skeleton.sk-line'), h('wa-skeleton.sk-line'), h('wa-skeleton.sk-line')));
  if (candidates.length === 0) {
    const left = excluded?.length
      ? `${excluded.length} left out: ${excluded.map((e) => `${e.name} (${e.reason})`).join(', ')}`
      : 'Nobody active has the required skill.';
    return card('Recommended technicians', aside, empty('No technician available', left, '☺'));
  }
  return card(
    'Recommended technicians',
    aside,
    h(
      'ol.techs',
      candidates.map((c, i) => {
        const assigned = c.technicianId === assignedId;
        const parts = c.partsOnVan?.length
          ? c.allPartsOnVan
            ? 'All on van'
            : `${c.partsOnVan.filter((p) => p.onVan >= p.needed).length}/${c.partsOnVan.length} on van`
          : '—';
        return h(
          `li.tech${assigned ? '.is-assigned' : ''}${i === 0 ? '.is-best' : ''}`,
          { dataset: { technicianId: c.technicianId } },
          h(
            'div.tech-head',
            h('span.tech-rank', `#${c.rank ?? i + 1}`),
            avatar(c.name),
            h(
              'div.tech-who',
              h('div.tech-name', c.name, c.substituteFor ? h('span.tag', `covers ${c.substituteFor}`) : null),
              h('div.muted.small', techLine(c)),
            ),
            assigned
              ? h('span.pill.pill-ok.tech-assigned', '✓ Assigned')
              : h(
                  `button.btn${i === 0 ? '.btn-primary' : ''}.btn-assign`,
                  {
                    type: 'button',
                    disabled: Boolean(busyId),
                    'aria-label': `Assign ${c.name}`,
                    title: i === 0 ? 'Assign (A)' : `Assign ${c.name}`,
                    onclick: () => onAssign(c),
                  },
                  busyId === c.technicianId ? 'Assigning…' : 'Assign',
                ),
          ),
          h(
            'div.tech-stats',
            stat('Slot', c.slot ? `${fmtTime(c.slot.start)}–${fmtTime(c.slot.end)}` : '—'),
            stat('Travel', c.travelMinutes != null ? `${Math.round(c.travelMinutes)} min` : c.distanceKm != null ? `${Math.round(c.distanceKm)} km` : '—'),
            stat(
              'Load',
              c.loadMinutes != null ? (c.loadMinutes > 0 ? duration(c.loadMinutes * 60_000) : 'Free') : c.openTickets != null ? `${c.openTickets} open` : '—',
            ),
            stat('Parts', parts, c.allPartsOnVan ? 'good' : ''),
          ),
          c.reasons?.length
            ? h(
                'ul.tech-reasons',
                c.reasons.slice(0, 4).map((r) => h('li', r)),
              )
            : null,
        );
      }),
    ),
    excluded?.length ? h('div.muted.small.excluded', `Not suggested: ${excluded.map((e) => `${e.name} — ${e.reason}`).join('; ')}`) : null,
  );
}

export function visitsCard(visits: readonly Visit[] | undefined, technicianName: (id: string) => string | undefined): HTMLElement | null {
  if (!visits?.length) return null;
  return card(
    'Visits',
    null,
    h(
      'ul.links',
      visits.map((v) =>
        h(
          'li',
          h(`span.status.st-${v.status === 'planned' ? 'scheduled' : v.status}`, h('span.dot'), titleCase(v.status)),
          h('span', `${fmtDateTime(v.plannedStart)}–${fmtTime(v.plannedEnd)}`),
          h('span.muted.small', technicianName(v.technicianId) ?? ''),
        ),
      ),
    ),
  );
}
