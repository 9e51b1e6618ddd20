/** Back office: invoices from draft to issued to paid (or void), their lines, PDF, e-mail and the CSV export. */
import { h } from '../../shared/dom';
import { toast, toastError } from '../../shared/ui';
import { client, download, ok, type Invoice } from '../api';
import { day, label, money, t, when } from '../i18n';
import { busy, card, facts, field, loading, openDialog, pageHead, select, statusChip, table } from '../parts';
import type { Render } from '../routes';

const STATUSES = ['draft', 'issued', 'paid', 'void'] as const;
type Status = (typeof STATUSES)[number];
const refresh = (): boolean => window.dispatchEvent(new HashChangeEvent('hashchange'));

export const renderInvoices: Render = async (view, _params, query, alive) => {
  const status = (query.get('status') ?? '') as Status | '';
  const filter = select('status', [['', t('common.all')], ...STATUSES.map((s) => [s, label('status', s)] as const)], status);
  filter.setAttribute('aria-label', t('common.status'));
  filter.onchange = () => (location.hash = filter.value ? `#/office/invoices?status=${filter.value}` : '#/office/invoices');
  const exportCsv = h(
    'button.btn',
    {
      type: 'button',
      onclick: () =>
        void download(
          `/api/v1/invoices/export?format=csv${status ? `&status=${status}` : ''}`,
          `invoices-${new Date().toISOString().slice(0, 10)}.csv`,
          'text/csv',
        ).catch((e: unknown) => toastError(e, t('invoice.exportFailed'))),
    },
    t('invoice.exportCsv'),
  );
  const body = h('div');
  view.replaceChildren(pageHead(t('nav.invoices'), t('invoice.sub'), filter, exportCsv), body);
  await loading(
    body,
    async () => {
      const list = await ok(client.GET('/api/v1/invoices', { params: { query: { limit: 100, sort: '-createdAt', ...(status ? { status } : {}) } } }));
      return card(
        null,
        table(
          list.items,
          [
            {
              head: t('invoice.number'),
              cell: (x) => h('button.link', { type: 'button', onclick: () => openInvoice(x) }, x.number ?? t('invoice.draftNumber')),
            },
            { head: t('contract.customer'), cell: (x) => x.customerName },
            { head: t('ticket.number'), cell: (x) => h('a', { href: `#/ticket/${x.ticketId}` }, x.ticketNumber), wide: true },
            { head: t('common.status'), cell: (x) => statusChip(x.status) },
            { head: t('invoice.issued'), cell: (x) => day(x.issuedAt), wide: true },
            { head: t('invoice.total'), cell: (x) => h('b', money(x.total, x.currency)), num: true },
          ],
          { empty: t('invoice.none'), onRow: (x) => openInvoice(x) },
        ),
      );
    },
    alive,
  );
};

function openInvoice(invoice: Invoice): void {
  const params = { params: { path: { id: invoice.id } } };
  const act = (text: string, run: () => Promise<unknown>, primary = false): HTMLElement => {
    const button = h(`button.btn${primary ? '.btn-primary' : ''}`, { type: 'button' }, text);
    button.onclick = () =>
      void busy(button, async () => {
        try {
          await run();
          dialog.close();
          toast('success', text);
          refresh();
        } catch (error) {
          toastError(error, text);
        }
      });
    return button;
  };
  const reference = h('input', { name: 'reference', autocomplete: 'off' });
  const name = invoice.number ?? t('invoice.draftNumber');
  const content = h(
    'div.invoice',
    facts([
      [t('common.status'), statusChip(invoice.status)],
      [t('contract.customer'), invoice.customerName],
      [t('ticket.number'), invoice.ticketNumber],
      [t('ticket.contract'), invoice.contractNumber ?? '—'],
      [t('invoice.issued'), when(invoice.issuedAt)],
      [t('invoice.paid'), invoice.paidAt ? `${when(invoice.paidAt)}${invoice.paymentReference ? ` · ${invoice.paymentReference}` : ''}` : '—'],
    ]),
    invoice.warnings?.length ? h('wa-callout', { variant: 'warning', size: 's' }, invoice.warnings.join(' ')) : null,
    table(invoice.lines, [
      { head: t('invoice.line'), cell: (l) => l.description },
      { head: t('invoice.qty'), cell: (l) => l.quantity, num: true },
      { head: t('invoice.unitPrice'), cell: (l) => money(l.unitPrice, invoice.currency), num: true },
      { head: t('invoice.amount'), cell: (l) => money(l.amount, invoice.currency), num: true },
    ]),
    h(
      'dl.totals',
      h('dt', t('invoice.subtotal')),
      h('dd', money(invoice.subtotal, invoice.currency)),
      h('dt', t('invoice.covered')),
      h('dd', `−${money(invoice.coveredAmount, invoice.currency)}`),
      h('dt', t('invoice.total')),
      h('dd', h('b', money(invoice.total, invoice.currency))),
    ),
    invoice.status === 'issued' ? field(t('invoice.paymentReference'), reference) : null,
    h(
      'div.form-actions',
      invoice.status !== 'draft'
        ? h(
            'button.btn',
            {
              type: 'button',
              onclick: () =>
                void download(`/api/v1/invoices/${invoice.id}/pdf`, `${name}.pdf`, 'application/pdf').catch((e: unknown) => toastError(e, t('doc.failed'))),
            },
            t('doc.invoicePdf'),
          )
        : null,
      invoice.status !== 'draft'
        ? h(
            'button.btn',
            {
              type: 'button',
              onclick: () =>
                void download(`/api/v1/invoices/${invoice.id}/act/pdf`, `${name}-act.pdf`, 'application/pdf').catch((e: unknown) =>
                  toastError(e, t('doc.failed')),
                ),
            },
            t('doc.act'),
          )
        : null,
      invoice.status === 'issued' || invoice.status === 'paid' ? act(t('invoice.send'), () => sendInvoice(invoice.id)) : null,
      invoice.status === 'draft' ? act(t('invoice.issue'), () => ok(client.POST('/api/v1/invoices/{id}/issue', params)), true) : null,
      invoice.status === 'issued'
        ? act(
            t('invoice.markPaid'),
            () => ok(client.POST('/api/v1/invoices/{id}/pay', { ...params, body: reference.value.trim() ? { reference: reference.value.trim() } : {} })),
            true,
          )
        : null,
      invoice.status === 'draft' || invoice.status === 'issued'
        ? act(t('invoice.void'), () => ok(client.POST('/api/v1/invoices/{id}/void', { ...params, body: { reason: t('invoice.voidReason') } })))
        : null,
    ),
  );
  const dialog = openDialog(t('invoice.title', { number: name }), content);
}

/** E-mails the invoice PDF to the customer's contact (documents module); says where it went. */
async function sendInvoice(id: string): Promise<void> {
  const sent = (await ok(client.POST('/api/v1/invoices/{id}/send', { params: { path: { id } } }))) as { to?: string; queued?: boolean };
  if (sent.to) toast('info', sent.queued === false ? t('invoice.alreadySent', { to: sent.to }) : t('invoice.sentTo', { to: sent.to }));
}
