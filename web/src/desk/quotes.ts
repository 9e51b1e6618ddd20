/**
 * Quotes on a ticket: create one (the server prices labour and parts by the contract's coverage),
 * send it to the customer's contact, record an acceptance or a refusal given on the phone (who and
 * when), and download its PDF. Prices and totals only for the roles that see money.
 */
import { h } from '../shared/dom';
import { ApiError } from '../shared/api';
import { empty, errorText, toast, toastError } from '../shared/ui';
import { call, download, seesMoney, type Customer360, type Ticket } from './api';
import { day, money, t, when } from './i18n';
import { busy, card, field, loading, openDialog, select, statusChip, table } from './parts';

interface QuoteLine {
  kind?: string;
  description: string;
  quantity: number;
  unitPrice?: number;
  amount?: number;
}
export interface Quote {
  id: string;
  number: string;
  status: string;
  validUntil?: string | null;
  currency?: string;
  total?: number;
  lines?: QuoteLine[];
  sentAt?: string | null;
  decidedAt?: string | null;
  acceptedAt?: string | null;
  declinedAt?: string | null;
  decidedBy?: { name?: string | null } | null;
  onBehalfOf?: string | null;
  createdAt?: string;
}

const refresh = (): boolean => window.dispatchEvent(new HashChangeEvent('hashchange'));

export async function quotesCard(el: HTMLElement, ticket: Ticket, c360: Customer360 | null, alive: () => boolean): Promise<void> {
  const create = h('button.btn.btn-sm', { type: 'button', onclick: () => openNewQuote(ticket) }, t('quote.new'));
  await loading(
    el,
    async () => {
      let quotes: Quote[];
      try {
        quotes = (await call<{ items: Quote[] }>('GET', `/api/v1/quotes?ticketId=${ticket.id}`)).items;
      } catch (error) {
        return card(t('quote.title'), error instanceof ApiError && error.noRoute ? empty(t('quote.unavailable')) : empty(t('common.loadFailed'), errorText(error), '!'));
      }
      return card(t('quote.title'), quotes.length ? h('div.quotes', quotes.map((q) => quoteBlock(q, c360))) : h('p.muted', t('quote.none')), create);
    },
    alive,
  );
}

function quoteBlock(q: Quote, c360: Customer360 | null): HTMLElement {
  const action = (text: string, run: () => Promise<unknown>, primary = false): HTMLElement => {
    const button = h(`button.btn.btn-sm${primary ? '.btn-primary' : ''}`, { type: 'button' }, text);
    button.onclick = () =>
      void busy(button, async () => {
        try {
          await run();
          toast('success', text, q.number);
          refresh();
        } catch (error) {
          toastError(error, text);
        }
      });
    return button;
  };
  const decided = q.acceptedAt ?? q.declinedAt ?? q.decidedAt;
  const columns = [
    { head: t('invoice.line'), cell: (l: QuoteLine) => l.description },
    { head: t('invoice.qty'), cell: (l: QuoteLine) => l.quantity, num: true },
    ...(seesMoney()
      ? [
          { head: t('invoice.unitPrice'), cell: (l: QuoteLine) => money(l.unitPrice, q.currency), num: true },
          { head: t('invoice.amount'), cell: (l: QuoteLine) => money(l.amount, q.currency), num: true },
        ]
      : []),
  ];
  return h(
    'article.quote',
    h(
      'header.quote-head',
      h('b', q.number),
      statusChip(q.status),
      q.validUntil ? h('span.muted.small', t('quote.validUntil', { date: day(q.validUntil) })) : null,
      seesMoney() && typeof q.total === 'number' ? h('span.quote-total', money(q.total, q.currency)) : null,
    ),
    q.lines?.length ? table(q.lines, columns) : null,
    decided
      ? h('p.muted.small', t(q.status === 'declined' ? 'quote.declinedBy' : 'quote.acceptedBy', { who: q.onBehalfOf ?? q.decidedBy?.name ?? '—', at: when(decided) }))
      : null,
    h(
      'div.row-actions',
      h(
        'button.btn.btn-sm',
        { type: 'button', onclick: () => void download(`/api/v1/quotes/${q.id}/pdf`, `${q.number}.pdf`, 'application/pdf').catch((e: unknown) => toastError(e, t('doc.failed'))) },
        t('quote.pdf'),
      ),
      q.status === 'draft' ? action(t('quote.send'), () => call('POST', `/api/v1/quotes/${q.id}/send`, {}), true) : null,
      q.status === 'sent' || q.status === 'draft' ? h('button.btn.btn-sm.btn-primary', { type: 'button', onclick: () => openDecision(q, c360) }, t('quote.recordAnswer')) : null,
    ),
  );
}

function openDecision(q: Quote, c360: Customer360 | null): void {
  const contacts = c360?.contacts ?? [];
  const who = select('onBehalfOf', contacts.map((c) => [c.name, c.name] as const));
  const whoText = h('input', { name: 'onBehalfOf', required: true, maxlength: 200 });
  const answer = select('answer', [['accept', t('quote.accepts')], ['decline', t('quote.declines')]], 'accept');
  const note = h('input', { name: 'reason', maxlength: 500 });
  const submit = h('button.btn.btn-primary', { type: 'submit' }, t('quote.record'));
  const form = h(
    'form.form',
    {
      onsubmit: (event: Event) => {
        event.preventDefault();
        void busy(submit, async () => {
          try {
            const name = contacts.length ? who.value : whoText.value.trim();
            await call('POST', `/api/v1/quotes/${q.id}/${answer.value}`, { onBehalfOf: name, ...(note.value.trim() ? { reason: note.value.trim() } : {}) });
            dialog.close();
            toast('success', answer.value === 'accept' ? t('quote.acceptedToast') : t('quote.declinedToast'), `${q.number} · ${name}`);
            refresh();
          } catch (error) {
            toastError(error, t('quote.recordFailed'));
          }
        });
      },
    },
    h('p.muted', t('quote.phoneNote')),
    h('div.form-grid', field(t('quote.who'), contacts.length ? who : whoText), field(t('quote.answer'), answer)),
    field(t('quote.note'), note),
    h('div.form-actions', submit),
  );
  const dialog = openDialog(t('quote.answerTitle', { number: q.number }), form);
}

function openNewQuote(ticket: Ticket): void {
  const valid = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const validUntil = h('input', { type: 'date', name: 'validUntil', value: valid, required: true });
  const kind = select('kind', [['estimate', t('quote.fromTicket')]], 'estimate');
  const submit = h('button.btn.btn-primary', { type: 'submit' }, t('quote.create'));
  const form = h(
    'form.form',
    {
      onsubmit: (event: Event) => {
        event.preventDefault();
        void busy(submit, async () => {
          try {
            const q = await call<Quote>('POST', `/api/v1/tickets/${ticket.id}/quotes`, { validUntil: validUntil.value });
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
    h('div.form-grid', field(t('quote.basis'), kind), field(t('quote.validity'), validUntil)),
    h('div.form-actions', submit),
  );
  const dialog = openDialog(t('quote.newFor', { number: ticket.number }), form);
}
