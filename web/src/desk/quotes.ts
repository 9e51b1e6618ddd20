/**
 * Quotes on a ticket: create one (labour, parts and travel priced by the server from the contract's
 * coverage; by default from the ticket's diagnosis), send it to the customer's contact, record an
 * acceptance or a refusal given on the phone (who and when), and download its PDF. Prices and
 * totals only for the roles that see money.
 */
import { h } from '../shared/dom';
import type { Ok, paths } from '../shared/api';
import { toast, toastError } from '../shared/ui';
import { client, download, ok, seesMoney, type Customer360, type Ticket } from './api';
import { day, label, money, t, when } from './i18n';
import { busy, card, field, loading, openDialog, select, statusChip, table } from './parts';

export type Quote = Ok<'/api/v1/quotes/{id}', 'get'>;
type QuoteLine = Quote['lines'][number];

const refresh = (): boolean => window.dispatchEvent(new HashChangeEvent('hashchange'));

export async function quotesCard(el: HTMLElement, ticket: Ticket, c360: Customer360 | null, alive: () => boolean): Promise<void> {
  const create = h('button.btn.btn-sm', { type: 'button', onclick: () => openNewQuote(ticket) }, t('quote.new'));
  await loading(
    el,
    async () => {
      const quotes = await ok(client.GET('/api/v1/quotes', { params: { query: { ticketId: ticket.id, sort: '-createdAt' } } }));
      return card(
        t('quote.title'),
        quotes.items.length
          ? h(
              'div.quotes',
              quotes.items.map((q) => quoteBlock(q, c360)),
            )
          : h('p.muted', t('quote.none')),
        create,
      );
    },
    alive,
  );
}

function quoteBlock(q: Quote, c360: Customer360 | null): HTMLElement {
  const params = { params: { path: { id: q.id } } };
  const send = h('button.btn.btn-sm.btn-primary', { type: 'button' }, t('quote.send'));
  send.onclick = () =>
    void busy(send, async () => {
      try {
        await ok(client.POST('/api/v1/quotes/{id}/send', params));
        toast('success', t('quote.sent'), q.number);
        refresh();
      } catch (error) {
        toastError(error, t('quote.send'));
      }
    });
  const columns = [
    { head: t('invoice.line'), cell: (l: QuoteLine) => l.description },
    { head: t('invoice.qty'), cell: (l: QuoteLine) => (l.minutes ? `${l.quantity} h` : l.quantity), num: true },
    ...(seesMoney()
      ? [
          { head: t('invoice.unitPrice'), cell: (l: QuoteLine) => money(l.unitPrice, q.currency), num: true },
          { head: t('invoice.amount'), cell: (l: QuoteLine) => money(l.amount, q.currency), num: true },
        ]
      : []),
  ];
  const d = q.decision;
  return h(
    'article.quote',
    h(
      'header.quote-head',
      h('b', q.number),
      statusChip(q.status),
      h('span.muted.small', t('quote.validUntil', { date: day(q.validUntil) })),
      q.ticketHeld && q.status === 'sent' ? h('span.chip.tone-warn', t('quote.ticketHeld')) : null,
      seesMoney() && typeof q.total === 'number' ? h('span.quote-total', money(q.total, q.currency)) : null,
    ),
    q.lines.length ? table(q.lines, columns) : null,
    q.sentAt ? h('p.muted.small', t('quote.sentAt', { at: when(q.sentAt) })) : null,
    d
      ? h(
          'p.decision',
          t(q.status === 'declined' ? 'quote.declinedBy' : 'quote.acceptedBy', { who: d.onBehalfOf ?? d.by.name ?? '—', at: when(d.at) }),
          ' · ',
          label('decision', d.channel),
          d.channel === 'phone' && d.by.name ? ` · ${t('quote.recordedBy', { name: d.by.name })}` : null,
        )
      : null,
    h(
      'div.row-actions',
      h(
        'button.btn.btn-sm',
        {
          type: 'button',
          onclick: () =>
            void download(`/api/v1/quotes/${q.id}/pdf`, `${q.number}.pdf`, 'application/pdf').catch((e: unknown) => toastError(e, t('doc.failed'))),
        },
        t('quote.pdf'),
      ),
      q.status === 'draft' ? send : null,
      q.status === 'sent' ? h('button.btn.btn-sm.btn-primary', { type: 'button', onclick: () => openDecision(q, c360) }, t('quote.recordAnswer')) : null,
    ),
  );
}

function openDecision(q: Quote, c360: Customer360 | null): void {
  const contacts = c360?.contacts ?? [];
  const who = contacts.length
    ? select(
        'onBehalfOf',
        contacts.map((c) => [c.name, c.jobTitle ? `${c.name} (${c.jobTitle})` : c.name] as const),
        contacts.find((c) => c.isPrimary)?.name,
      )
    : h('input', { name: 'onBehalfOf', required: true, maxlength: 200 });
  const answer = select(
    'answer',
    [
      ['accept', t('quote.accepts')],
      ['decline', t('quote.declines')],
    ],
    'accept',
  );
  const note = h('input', { name: 'reason', maxlength: 500 });
  const submit = h('button.btn.btn-primary', { type: 'submit' }, t('quote.record'));
  const form = h(
    'form.form',
    {
      onsubmit: (event: Event) => {
        event.preventDefault();
        void busy(submit, async () => {
          const body = { onBehalfOf: who.value.trim(), ...(note.value.trim() ? { reason: note.value.trim() } : {}) };
          const params = { params: { path: { id: q.id } }, body };
          try {
            await ok(answer.value === 'accept' ? client.POST('/api/v1/quotes/{id}/accept', params) : client.POST('/api/v1/quotes/{id}/decline', params));
            dialog.close();
            toast('success', answer.value === 'accept' ? t('quote.acceptedToast') : t('quote.declinedToast'), `${q.number} · ${body.onBehalfOf}`);
            refresh();
          } catch (error) {
            toastError(error, t('quote.recordFailed'));
          }
        });
      },
    },
    h('p.muted', t('quote.phoneNote')),
    h('div.form-grid', field(t('quote.who'), who), field(t('quote.answer'), answer)),
    field(t('quote.note'), note),
    h('div.form-actions', submit),
  );
  const dialog = openDialog(t('quote.answerTitle', { number: q.number }), form);
}

type NewQuote = NonNullable<NonNullable<paths['/api/v1/tickets/{id}/quotes']['post']['requestBody']>['content']['application/json']>;
type NewLine = NonNullable<NewQuote['lines']>[number];

function openNewQuote(ticket: Ticket): void {
  const valid = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const validUntil = h('input', { type: 'date', name: 'validUntil', value: valid, required: true });
  const labour = h('input', { type: 'number', name: 'hours', min: 0, step: 0.25, inputmode: 'decimal' });
  const sku = h('input', { name: 'sku', maxlength: 64, autocomplete: 'off' });
  const quantity = h('input', { type: 'number', name: 'quantity', min: 1, step: 1, value: 1, inputmode: 'numeric' });
  const travel = h('input', { type: 'checkbox', name: 'travel', checked: true });
  const note = h('input', { name: 'note', maxlength: 2000 });
  const submit = h('button.btn.btn-primary', { type: 'submit' }, t('quote.create'));
  const form = h(
    'form.form',
    {
      onsubmit: (event: Event) => {
        event.preventDefault();
        const lines: NewLine[] = [];
        if (Number(labour.value) > 0) lines.push({ kind: 'labour', hours: Number(labour.value) });
        if (sku.value.trim()) lines.push({ kind: 'parts', sku: sku.value.trim(), quantity: Number(quantity.value) || 1 });
        if (lines.length && travel.checked) lines.push({ kind: 'travel' });
        void busy(submit, async () => {
          try {
            const q = await ok(
              client.POST('/api/v1/tickets/{id}/quotes', {
                params: { path: { id: ticket.id } },
                body: { validUntil: validUntil.value, ...(lines.length ? { lines } : {}), ...(note.value.trim() ? { note: note.value.trim() } : {}) },
              }),
            );
            dialog.close();
            toast('success', t('quote.created', { number: q.number }));
            refresh();
          } catch (error) {
            toastError(error, t('quote.createFailed'));
          }
        });
      },
    },
    h('p.muted', t('quote.createNote')),
    h(
      'div.form-grid',
      field(t('quote.labourHours'), labour),
      field(t('quote.partSku'), sku),
      field(t('stock.quantity'), quantity),
      field(t('quote.validity'), validUntil),
    ),
    h('label.check', travel, ' ', t('quote.travel')),
    field(t('quote.note'), note),
    h('div.form-actions', submit),
  );
  const dialog = openDialog(t('quote.newFor', { number: ticket.number }), form);
}
