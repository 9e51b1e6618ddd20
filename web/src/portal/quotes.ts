/** Quotes: the customer approves or declines the cost estimates sent for its requests. */
import type { Ok } from '../shared/api';
import { h } from '../shared/dom';
import { toast } from '../shared/ui';
import type { PortalContext } from './context';
import type { MessageKey } from './messages';
import { card, download, emptyState, errorMessage, money, pageHeader, pill, statusTone } from './widgets';

type Quote = Ok<'/api/v1/quotes/{id}', 'get'>;

export async function quotesPage(ctx: PortalContext): Promise<HTMLElement> {
  const { api, t } = ctx;
  const quotes = await api.ok(api.client.GET('/api/v1/quotes', { params: { query: { limit: 100 } } }));
  return h(
    'div.page',
    pageHeader(t.t('quotes.title')),
    quotes.items.length === 0
      ? emptyState(t.t('quotes.empty'), t.t('quotes.emptyText'))
      : h(
          'div.quotes',
          quotes.items.map((q) => quoteCard(ctx, q, true)),
        ),
  );
}

/** The quotes of one ticket, as cards; null when there are none. */
export async function quotesOfTicket(ctx: PortalContext, ticketId: string): Promise<HTMLElement | null> {
  const { api, t } = ctx;
  const quotes = await api.ok(api.client.GET('/api/v1/quotes', { params: { query: { ticketId, limit: 20 } } }));
  if (quotes.items.length === 0) return null;
  return h(
    'section',
    h('h2.group-title', t.t('ticket.quotes')),
    quotes.items.map((q) => quoteCard(ctx, q, false)),
  );
}

function quoteCard(ctx: PortalContext, quote: Quote, withTicket: boolean): HTMLElement {
  const { api, t } = ctx;
  const total = money(t, quote.total, quote.currency);
  const decide = async (decision: 'accept' | 'decline'): Promise<void> => {
    const question =
      decision === 'accept' ? t.t('quotes.confirmAccept', { number: quote.number, total }) : t.t('quotes.confirmDecline', { number: quote.number });
    if (!window.confirm(question)) return;
    try {
      const path = decision === 'accept' ? '/api/v1/quotes/{id}/accept' : '/api/v1/quotes/{id}/decline';
      await api.ok(api.client.POST(path, { params: { path: { id: quote.id } }, body: {} }));
      toast('success', t.t(decision === 'accept' ? 'quotes.accepted' : 'quotes.declined'));
      ctx.refresh();
    } catch (e) {
      toast('error', t.t('app.error'), errorMessage(t, e));
    }
  };
  const charges = quote.lines.filter((l) => l.kind !== 'coverage');
  return card(
    h(
      'div.card-head',
      h(
        'div',
        h('h3.asset-name', t.t('quotes.quote', { number: quote.number })),
        withTicket ? h('a.mono.small', { href: `#/tickets/${quote.ticketId}` }, quote.ticketNumber) : null,
      ),
      pill(t.t(`quote.status.${quote.status}` as MessageKey), statusTone(quote.status)),
    ),
    h(
      'div.table-wrap',
      h(
        'table.table.compact',
        h(
          'tbody',
          charges.map((line) =>
            h('tr', h('td', line.description), h('td.num.muted', t.number(line.quantity)), h('td.num', money(t, line.amount, quote.currency))),
          ),
        ),
        h(
          'tfoot',
          quote.coveredAmount
            ? h(
                'tr',
                h('td', { colspan: 2 }, t.t('invoices.covered')),
                h('td.num', money(t, quote.coveredAmount === undefined ? undefined : -quote.coveredAmount, quote.currency)),
              )
            : null,
          h('tr.total', h('th', { colspan: 2, scope: 'row' }, t.t('invoices.total')), h('td.num', total)),
        ),
      ),
    ),
    quote.note ? h('p.description', quote.note) : null,
    h('p.muted.small', t.t('quotes.validUntil', { date: t.date(quote.validUntil, { dateStyle: 'medium' }) })),
    h(
      'div.form-actions',
      h(
        'button.btn',
        {
          type: 'button',
          'data-quote-pdf': quote.id,
          onclick: () =>
            void download(ctx.api, `/api/v1/quotes/${quote.id}/pdf`, `${quote.number}.pdf`).catch((e: unknown) =>
              toast('error', t.t('invoices.pdfUnavailable'), errorMessage(t, e)),
            ),
        },
        t.t('invoices.pdf'),
      ),
    ),
    quote.status === 'sent'
      ? h(
          'div.form-actions',
          h('button.btn.btn-danger', { type: 'button', 'data-decline': quote.id, onclick: () => decide('decline') }, t.t('quotes.decline')),
          h('button.btn.btn-primary', { type: 'button', 'data-accept': quote.id, onclick: () => decide('accept') }, t.t('quotes.accept')),
        )
      : null,
  );
}
