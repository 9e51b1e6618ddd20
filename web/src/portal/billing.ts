/** Invoices (list, one invoice with its PDF) and contracts (SLA, coverage, prepaid balance). */
import type { Ok } from '../shared/api';
import { h } from '../shared/dom';
import { toast } from '../shared/ui';
import type { PortalContext } from './context';
import type { MessageKey } from './messages';
import { card, download, emptyState, errorMessage, hoursAndMinutes, isNotFound, money, notFoundState, pageHeader, pill, statusTone } from './widgets';

type Invoice = Ok<'/api/v1/invoices/{id}', 'get'>;

function pdfButton(ctx: PortalContext, invoice: Pick<Invoice, 'id' | 'number'>, label: string): HTMLElement {
  const { api, t } = ctx;
  const button = h('button.btn', { type: 'button', 'data-pdf': invoice.id }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await download(api, `/api/v1/invoices/${invoice.id}/pdf`, `${invoice.number ?? invoice.id}.pdf`);
    } catch (e) {
      toast('error', t.t('invoices.pdfUnavailable'), errorMessage(t, e));
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

export async function invoicesPage(ctx: PortalContext): Promise<HTMLElement> {
  const { api, t } = ctx;
  const invoices = await api.ok(api.client.GET('/api/v1/invoices', { params: { query: { limit: 100 } } }));
  return h(
    'div.page',
    pageHeader(t.t('invoices.title')),
    invoices.items.length === 0
      ? emptyState(t.t('invoices.empty'), t.t('invoices.emptyText'))
      : h(
          'div.table-wrap.card',
          h(
            'table.table',
            h(
              'thead',
              h(
                'tr',
                ['invoices.number', 'invoices.date', 'invoices.request', 'invoices.status'].map((k) => h('th', { scope: 'col' }, t.t(k as MessageKey))),
                h('th.num', { scope: 'col' }, t.t('invoices.total')),
                h('th', h('span.visually-hidden', 'PDF')),
              ),
            ),
            h(
              'tbody',
              invoices.items.map((inv) =>
                h(
                  'tr',
                  h('td', h('a.mono', { href: `#/invoices/${inv.id}` }, inv.number ?? '—')),
                  h('td', inv.issuedAt ? t.date(inv.issuedAt, { dateStyle: 'medium' }) : '—'),
                  h('td', h('a.mono', { href: `#/tickets/${inv.ticketId}` }, inv.ticketNumber)),
                  h('td', pill(t.t(`invoice.status.${inv.status}` as MessageKey), statusTone(inv.status))),
                  h('td.num', money(t, inv.total, inv.currency)),
                  h('td.num', pdfButton(ctx, inv, 'PDF')),
                ),
              ),
            ),
          ),
        ),
  );
}

export async function invoicePage(ctx: PortalContext, id: string): Promise<HTMLElement> {
  const { api, t } = ctx;
  let invoice: Invoice;
  try {
    invoice = await api.ok(api.client.GET('/api/v1/invoices/{id}', { params: { path: { id } } }));
  } catch (error) {
    if (isNotFound(error)) return notFoundState(t);
    throw error;
  }
  const charges = invoice.lines.filter((l) => l.kind !== 'coverage');
  return h(
    'div.page.narrow',
    h('a.back', { href: '#/invoices' }, `← ${t.t('nav.invoices')}`),
    pageHeader(
      `${t.t('invoices.number')} ${invoice.number ?? ''}`,
      invoice.issuedAt ? t.date(invoice.issuedAt, { dateStyle: 'long' }) : null,
      pdfButton(ctx, invoice, t.t('invoices.pdf')),
    ),
    card(
      h(
        'div.invoice-head',
        pill(t.t(`invoice.status.${invoice.status}` as MessageKey), statusTone(invoice.status)),
        h('a.mono', { href: `#/tickets/${invoice.ticketId}` }, invoice.ticketNumber),
      ),
      h('h2', t.t('invoices.lines')),
      h(
        'div.table-wrap',
        h(
          'table.table',
          h(
            'tbody',
            charges.map((line) =>
              h('tr', h('td', line.description), h('td.num.muted', t.number(line.quantity)), h('td.num', money(t, line.amount, invoice.currency))),
            ),
          ),
          h(
            'tfoot',
            h('tr', h('td', { colspan: 2 }, t.t('invoices.subtotal')), h('td.num', money(t, invoice.subtotal, invoice.currency))),
            invoice.coveredAmount
              ? h(
                  'tr',
                  h('td', { colspan: 2 }, t.t('invoices.covered')),
                  h('td.num', money(t, invoice.coveredAmount === undefined ? undefined : -invoice.coveredAmount, invoice.currency)),
                )
              : null,
            h(
              'tr.total',
              h('th', { colspan: 2, scope: 'row' }, t.t('invoices.total')),
              h('td.num', { 'data-total': '' }, money(t, invoice.total, invoice.currency)),
            ),
          ),
        ),
      ),
    ),
  );
}

export async function contractsPage(ctx: PortalContext): Promise<HTMLElement> {
  const { api, t } = ctx;
  const contracts = await api.ok(api.client.GET('/api/v1/contracts', { params: { query: { limit: 100 } } }));
  return h(
    'div.page',
    pageHeader(t.t('contracts.title')),
    contracts.items.length === 0
      ? emptyState(t.t('contracts.empty'), t.t('contracts.emptyText'))
      : h(
          'div.cards',
          contracts.items.map((c) => {
            const bought = c.prepaid.purchasedMinutes;
            const left = c.prepaid.balanceMinutes;
            const sla = c.sla;
            return card(
              h(
                'div.card-head',
                h('div', h('h2', c.name), h('div.muted.mono', c.number)),
                pill(t.t(`contract.status.${c.status}` as MessageKey), statusTone(c.status)),
              ),
              h(
                'p.muted',
                t.t('contracts.validity', {
                  from: t.date(c.startsOn, { dateStyle: 'medium' }),
                  to: c.endsOn ? t.date(c.endsOn, { dateStyle: 'medium' }) : t.t('contracts.openEnded'),
                }),
              ),
              h('h3', t.t('contracts.sla')),
              sla
                ? h(
                    'table.table.compact',
                    h(
                      'thead',
                      h(
                        'tr',
                        h('th', { scope: 'col' }, t.t('ticket.priority')),
                        h('th.num', { scope: 'col' }, t.t('contracts.response')),
                        h('th.num', { scope: 'col' }, t.t('contracts.resolution')),
                      ),
                    ),
                    h(
                      'tbody',
                      (['critical', 'high', 'medium', 'low'] as const).map((p) =>
                        h(
                          'tr',
                          h('td', t.t(`priority.${p}`)),
                          h('td.num', hoursAndMinutes(sla[p].responseMinutes)),
                          h('td.num', hoursAndMinutes(sla[p].resolutionMinutes)),
                        ),
                      ),
                    ),
                  )
                : h('p.muted', t.t('contracts.noSla')),
              h('h3', t.t('contracts.coverage')),
              h(
                'ul.tags',
                h('li', t.t('contracts.labour', { percent: c.coverage.labourPercent })),
                h('li', t.t('contracts.parts', { percent: c.coverage.partsPercent })),
                c.coverage.travelIncluded ? h('li', t.t('contracts.travel')) : null,
              ),
              h('p.muted.small', c.assetIds.length ? t.t('contracts.assets', { count: c.assetIds.length }) : t.t('contracts.allAssets')),
              bought > 0
                ? h(
                    'div.prepaid',
                    h('h3', t.t('contracts.prepaid')),
                    h(
                      'div.meter',
                      { role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': bought, 'aria-valuenow': left, 'aria-label': t.t('contracts.prepaid') },
                      h('span.meter-fill', { style: { width: `${Math.round((left / bought) * 100)}%` } }),
                    ),
                    h('p', t.t('contracts.prepaidLeft', { left: hoursAndMinutes(left), bought: hoursAndMinutes(bought) })),
                  )
                : null,
            );
          }),
        ),
  );
}
