/** A ticket as the desk sees it: its facts and SLA, quotes, follow-up tasks, documents, the calls about it and its status history. */
import { h } from '../shared/dom';
import { toastError } from '../shared/ui';
import { client, download, ok, optional, type Ticket } from './api';
import { label, t, when } from './i18n';
import { card, facts, loading, pageHead, priorityChip, statusChip } from './parts';
import { quotesCard } from './quotes';
import { ticketTasksCard } from './tasks';
import { openLogCall } from './ticket-form';
import type { Render } from './routes';

export const renderTicket: Render = async (view, [id], _query, alive) => {
  await loading(
    view,
    async () => {
      const ticket = await ok(client.GET('/api/v1/tickets/{id}', { params: { path: { id: id! } } }));
      const [customer, c360, history] = await Promise.all([
        ok(client.GET('/api/v1/customers/{id}', { params: { path: { id: ticket.customerId } } })),
        ok(client.GET('/api/v1/customers/{id}/360', { params: { path: { id: ticket.customerId } } })).catch(() => null),
        optional(client.GET('/api/v1/tickets/{id}/history', { params: { path: { id: ticket.id } } }), null).catch(() => null),
      ]);
      const asset = c360?.assets.find((a) => a.id === ticket.assetId);
      const site = c360?.sites.find((s) => s.id === ticket.siteId);
      const contract = c360?.contracts.find((x) => x.id === ticket.contractId);
      const quotes = h('div');
      const tasks = h('div');
      const calls = h('div');
      const content = h(
        'div.ticket',
        pageHead(
          `${ticket.number} · ${ticket.title}`,
          [statusChip(ticket.status), priorityChip(ticket.priority), h('a', { href: `#/customer/${customer.id}` }, customer.name)],
          c360 ? h('button.btn', { type: 'button', onclick: () => openLogCall(c360, null, ticket.id) }, t('c360.logCall')) : null,
          h(
            'button.btn',
            {
              type: 'button',
              onclick: () =>
                void download(`/api/v1/tickets/${ticket.id}/work-order/pdf`, `${ticket.number}-work-order.pdf`, 'application/pdf').catch((e: unknown) =>
                  toastError(e, t('doc.failed')),
                ),
            },
            t('doc.workOrder'),
          ),
        ),
        h(
          'div.grid-360',
          h(
            'div.col-main',
            card(
              t('ticket.details'),
              h(
                'div',
                facts([
                  [t('ticket.channel'), label('channel', ticket.channel)],
                  [t('form.type'), label('type', ticket.type)],
                  [t('form.site'), site ? [site.name, site.city].filter(Boolean).join(', ') : '—'],
                  [t('form.asset'), asset ? `${asset.name ?? asset.modelId} · ${asset.serialNumber}` : '—'],
                  [t('ticket.contract'), contract ? `${contract.number} · ${contract.name}` : t('sla.noContract')],
                  [t('ticket.responseDue'), slaDue(ticket.responseDueAt, ticket.responseBreached, ticket.respondedAt)],
                  [t('ticket.resolutionDue'), slaDue(ticket.resolutionDueAt, ticket.resolutionBreached, ticket.resolvedAt)],
                  [t('ticket.created'), when(ticket.createdAt)],
                ]),
                ticket.description ? h('p.description', ticket.description) : null,
              ),
            ),
            quotes,
            calls,
          ),
          h('div.col-side', tasks, history ? card(t('ticket.history'), historyList(history.entries)) : null),
        ),
      );
      void quotesCard(quotes, ticket, c360, alive);
      void ticketTasksCard(tasks, ticket, alive);
      void callsCard(calls, ticket, alive);
      return content;
    },
    alive,
  );
};

function slaDue(at: string, breached: boolean, doneAt: string | null): HTMLElement {
  if (doneAt) return h('span', when(at), h('span.muted', ` · ${t('sla.met', { at: when(doneAt) })}`));
  return h(breached ? 'span.text-bad' : 'span', when(at), breached ? ` · ${t('sla.breached')}` : '');
}

type HistoryEntry = { from: string | null; to: string; at: string; reason: string | null };
function historyList(entries: readonly HistoryEntry[]): HTMLElement {
  return h(
    'ol.timeline',
    entries.map((e) =>
      h(
        'li',
        h('span.tl-kind', { 'aria-hidden': 'true' }, '•'),
        h('div', h('div', statusChip(e.to)), h('div.muted.small', [when(e.at), e.reason].filter(Boolean).join(' · '))),
      ),
    ),
  );
}

async function callsCard(el: HTMLElement, ticket: Ticket, alive: () => boolean): Promise<void> {
  await loading(
    el,
    async () => {
      const list = await ok(client.GET('/api/v1/activities', { params: { query: { ticketId: ticket.id, sort: '-occurredAt', limit: 20 } } }));
      return card(
        t('ticket.activities'),
        list.items.length
          ? h(
              'ol.timeline',
              list.items.map((a) =>
                h(
                  'li',
                  h('span.tl-kind', { 'aria-hidden': 'true' }, a.kind === 'call' ? '☎' : '•'),
                  h(
                    'div',
                    h('b', a.subject),
                    h(
                      'div.muted.small',
                      [label('activity', a.kind), label('direction', a.direction), when(a.occurredAt), a.author.name].filter(Boolean).join(' · '),
                    ),
                  ),
                ),
              ),
            )
          : h('p.muted', t('c360.noActivities')),
      );
    },
    alive,
  );
}
