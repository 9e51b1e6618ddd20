/**
 * "Requests": the customer's tickets (open first) and one ticket's page — status timeline, visits
 * with the technician's first name and the live ETA (polled while the page is open), photos and
 * service reports, notes to the service team, and the invoices of the ticket.
 */
import type { Ok } from '../shared/api';
import { h, mount } from '../shared/dom';
import type { PortalContext } from './context';
import type { MessageKey } from './messages';
import { quotesOfTicket } from './quotes';
import { toast } from '../shared/ui';
import { card, download, emptyState, errorMessage, imageData, isNotFound, money, notFoundState, pageHeader, pill, statusTone } from './widgets';

type Ticket = Ok<'/api/v1/tickets/{id}', 'get'>;
type Attachment = Ok<'/api/v1/tickets/{id}/attachments', 'get'>['items'][number];
type Visit = Ok<'/api/v1/portal/tickets/{id}/visits', 'get'>['items'][number];

const ETA_POLL_MS = 30_000;
const CLOSED = new Set(['resolved', 'closed', 'cancelled']);

export async function ticketsPage(ctx: PortalContext, query: URLSearchParams): Promise<HTMLElement> {
  const { api, t } = ctx;
  const filter = query.get('show') ?? 'open';
  const [tickets, assets] = await Promise.all([
    api.ok(api.client.GET('/api/v1/tickets', { params: { query: { limit: 100, sort: '-createdAt', ...(filter === 'open' ? { open: 'true' } : {}) } } })),
    api.ok(api.client.GET('/api/v1/portal/assets')),
  ]);
  const assetName = new Map(assets.items.map((a) => [a.id, a.name ?? `${a.modelName ?? a.modelId} · ${a.serialNumber}`]));
  const items = filter === 'closed' ? tickets.items.filter((x) => CLOSED.has(x.status)) : tickets.items;
  const tabs = h(
    'nav.seg',
    { 'aria-label': t.t('tickets.title') },
    (['open', 'closed', 'all'] as const).map((key) =>
      h('a.seg-btn', { href: `#/tickets?show=${key}`, 'aria-current': filter === key ? 'page' : undefined }, t.t(`tickets.${key}`)),
    ),
  );
  return h(
    'div.page',
    pageHeader(t.t('tickets.title'), null, h('a.btn.btn-primary', { href: '#/new' }, `+ ${t.t('tickets.new')}`)),
    tabs,
    items.length === 0
      ? emptyState(t.t('tickets.empty'), t.t('tickets.emptyText'))
      : h(
          'ul.list',
          items.map((ticket) =>
            h(
              'li',
              h(
                'a.row-link',
                { href: `#/tickets/${ticket.id}` },
                h(
                  'div.row-main',
                  h('div.row-title', ticket.title),
                  h(
                    'div.row-meta.muted',
                    h('span.mono', ticket.number),
                    ticket.assetId ? h('span', assetName.get(ticket.assetId) ?? '') : null,
                    h('span', t.t('tickets.created', { when: t.date(ticket.createdAt, { dateStyle: 'medium' }) })),
                  ),
                ),
                pill(t.t(`status.${ticket.status}` as MessageKey), statusTone(ticket.status)),
              ),
            ),
          ),
        ),
  );
}

export async function ticketPage(ctx: PortalContext, id: string): Promise<HTMLElement> {
  const { api, t } = ctx;
  let ticket: Ticket;
  try {
    ticket = await api.ok(api.client.GET('/api/v1/tickets/{id}', { params: { path: { id } } }));
  } catch (error) {
    if (isNotFound(error)) return notFoundState(t);
    throw error;
  }
  const [history, visits, attachments, notes, assets, sites, invoices] = await Promise.all([
    api.ok(api.client.GET('/api/v1/tickets/{id}/history', { params: { path: { id } } })),
    api.ok(api.client.GET('/api/v1/portal/tickets/{id}/visits', { params: { path: { id } } })),
    api.ok(api.client.GET('/api/v1/tickets/{id}/attachments', { params: { path: { id } } })),
    api.ok(api.client.GET('/api/v1/portal/tickets/{id}/notes', { params: { path: { id } } })),
    api.ok(api.client.GET('/api/v1/portal/assets')),
    api.ok(api.client.GET('/api/v1/portal/sites')),
    api.ok(api.client.GET('/api/v1/invoices', { params: { query: { ticketId: id, limit: 10 } } })),
  ]);
  const reports = (
    await Promise.all(
      visits.items.map((v) => api.ok(api.client.GET('/api/v1/visits/{id}/attachments', { params: { path: { id: v.id } } })).then((r) => r.items)),
    )
  ).flat();
  const asset = assets.items.find((a) => a.id === ticket.assetId);
  const site = sites.items.find((s) => s.id === (ticket.siteId ?? asset?.siteId));

  const visitsBox = h('div.visits');
  const drawVisits = (list: Visit[]): void => {
    mount(visitsBox, list.length === 0 ? h('p.muted', t.t('ticket.noVisit')) : list.map((v) => visitCard(ctx, v)));
  };
  drawVisits(visits.items);
  if (!CLOSED.has(ticket.status)) {
    const timer = window.setInterval(async () => {
      try {
        drawVisits((await api.ok(api.client.GET('/api/v1/portal/tickets/{id}/visits', { params: { path: { id } } }))).items);
      } catch {
        // The next poll tries again; the page keeps the last known ETA.
      }
    }, ETA_POLL_MS);
    ctx.onLeave(() => window.clearInterval(timer));
  }

  const timeline = h(
    'ol.timeline',
    history.entries.map((entry) =>
      h(
        `li.tl-item${entry.current ? '.current' : ''}`,
        h('span.tl-dot', { 'aria-hidden': 'true' }),
        h('div', h('div.tl-title', t.t(`status.${entry.to}` as MessageKey)), h('time.muted.small', { datetime: entry.at }, t.date(entry.at))),
      ),
    ),
  );

  const quotes = await quotesOfTicket(ctx, id);
  return h(
    'div.page',
    h('a.back', { href: '#/tickets' }, `← ${t.t('nav.tickets')}`),
    pageHeader(ticket.title, null, pill(t.t(`status.${ticket.status}` as MessageKey), statusTone(ticket.status))),
    h(
      'div.detail-grid',
      h(
        'div.detail-main',
        card(h('h2', t.t('ticket.visits')), visitsBox),
        quotes,
        card(h('h2', t.t('ticket.documents')), documents(ctx, [...attachments.items, ...reports]), photoAdder(ctx, id)),
        notesCard(ctx, id, notes.items),
        invoices.items.length
          ? card(
              h('h2', t.t('ticket.invoice')),
              h(
                'ul.plain',
                invoices.items.map((inv) =>
                  h(
                    'li',
                    h('a', { href: `#/invoices/${inv.id}` }, inv.number ?? '—'),
                    ' · ',
                    money(t, inv.total, inv.currency),
                    ' ',
                    pill(t.t(`invoice.status.${inv.status}` as MessageKey), statusTone(inv.status)),
                  ),
                ),
              ),
            )
          : null,
      ),
      h(
        'aside.detail-side',
        card(h('h2', t.t('ticket.timeline')), timeline),
        card(
          h('h2', t.t('ticket.details')),
          h(
            'dl.facts',
            h('dt', t.t('ticket.number')),
            h('dd.mono', ticket.number),
            h('dt', t.t('ticket.type')),
            h('dd', t.t(`type.${ticket.type}` as MessageKey)),
            h('dt', t.t('ticket.priority')),
            h('dd', t.t(`priority.${ticket.priority}` as MessageKey)),
            site ? [h('dt', t.t('ticket.site')), h('dd', site.name)] : null,
            asset ? [h('dt', t.t('ticket.asset')), h('dd', asset.name ?? asset.serialNumber)] : null,
            h('dt', t.t('ticket.responseDue')),
            h('dd', t.date(ticket.responseDueAt)),
          ),
          ticket.description ? h('p.description', ticket.description) : null,
        ),
      ),
    ),
  );
}

function visitCard(ctx: PortalContext, visit: Visit): HTMLElement {
  const { t } = ctx;
  const sameDay = visit.plannedStart.slice(0, 10) === visit.plannedEnd.slice(0, 10);
  const span = t.t('ticket.window', {
    start: t.date(visit.plannedStart, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }),
    end: t.date(visit.plannedEnd, sameDay ? { hour: '2-digit', minute: '2-digit' } : { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }),
  });
  const live = visit.status === 'planned' && visit.enRouteAt && visit.etaAt;
  return h(
    'div.visit',
    h('div.visit-avatar', { 'aria-hidden': 'true' }, visit.technicianFirstName.slice(0, 1).toUpperCase()),
    h(
      'div.visit-body',
      h('div.visit-when', span),
      h('div.muted', `${t.t('ticket.technician')}: ${visit.technicianFirstName}`),
      live
        ? h(
            'div.eta',
            { role: 'status' },
            h('span.eta-dot', { 'aria-hidden': 'true' }),
            `${t.t('ticket.enRoute')} · ${t.t('ticket.eta', { time: t.date(visit.etaAt!, { hour: '2-digit', minute: '2-digit' }) })}`,
          )
        : null,
    ),
    h(
      'div.visit-side',
      pill(t.t(`visit.${visit.status}` as MessageKey), statusTone(visit.status)),
      visit.status === 'completed'
        ? h(
            'button.btn.btn-small',
            {
              type: 'button',
              onclick: () =>
                download(ctx.api, `/api/v1/visits/${visit.id}/report/pdf`, `${t.t('ticket.report')}.pdf`).catch((e: unknown) =>
                  toast('error', t.t('app.error'), errorMessage(t, e)),
                ),
            },
            t.t('ticket.reportPdf'),
          )
        : null,
    ),
  );
}

function documents(ctx: PortalContext, files: Attachment[]): HTMLElement {
  const { api, t } = ctx;
  if (files.length === 0) return h('p.muted', t.t('ticket.noDocuments'));
  return h(
    'ul.files',
    files.map((file) => {
      const isImage = file.contentType.startsWith('image/');
      const thumb = h('span.file-thumb', { 'aria-hidden': 'true' }, isImage ? '' : 'PDF');
      if (isImage) {
        void imageData(api, file.contentUrl).then(
          (src) => thumb.append(h('img', { src, alt: '' })),
          () => undefined,
        );
      }
      const label = file.parentType === 'visit' && !isImage ? t.t('ticket.report') : (file.caption ?? file.fileName);
      return h(
        'li.file',
        thumb,
        h('div.file-body', h('div.file-name', label), h('div.muted.small', `${file.fileName} · ${t.date(file.createdAt, { dateStyle: 'medium' })}`)),
        h(
          'button.btn.btn-small',
          {
            type: 'button',
            'aria-label': `${t.t('app.download')} ${file.fileName}`,
            onclick: () =>
              download(api, `${file.contentUrl}?download=true`, file.fileName).catch((e: unknown) => toast('error', t.t('app.error'), errorMessage(t, e))),
          },
          t.t('app.download'),
        ),
      );
    }),
  );
}

function photoAdder(ctx: PortalContext, ticketId: string): HTMLElement {
  const { api, t } = ctx;
  const input = h('input.visually-hidden', { id: 'more-photos', type: 'file', accept: 'image/*,application/pdf', multiple: true });
  input.addEventListener('change', async () => {
    for (const file of Array.from(input.files ?? [])) {
      try {
        await uploadFile(api, ticketId, file);
      } catch (e) {
        toast('error', t.t('request.photoFailed'), errorMessage(t, e));
      }
    }
    ctx.refresh();
  });
  return h('div.add-photo', input, h('label.btn', { for: 'more-photos' }, `+ ${t.t('ticket.addPhoto')}`));
}

export async function uploadFile(api: PortalContext['api'], ticketId: string, file: File): Promise<void> {
  const form = new FormData();
  form.append('file', file, file.name);
  const response = await fetch(`/api/v1/tickets/${ticketId}/attachments`, { method: 'POST', body: form, headers: api.authHeaders() });
  if (!response.ok) {
    const problem = (await response.json().catch(() => null)) as { detail?: string; title?: string } | null;
    throw new Error(problem?.detail ?? problem?.title ?? `HTTP ${response.status}`);
  }
}

function notesCard(ctx: PortalContext, ticketId: string, notes: Ok<'/api/v1/portal/tickets/{id}/notes', 'get'>['items']): HTMLElement {
  const { api, t } = ctx;
  const text = h('textarea', { id: 'note-text', rows: 3, required: true, maxlength: 4000 });
  const send = h('button.btn.btn-primary', { type: 'submit' }, t.t('ticket.send'));
  const form = h(
    'form.note-form',
    {
      onsubmit: async (event: Event) => {
        event.preventDefault();
        send.disabled = true;
        try {
          await api.ok(api.client.POST('/api/v1/portal/tickets/{id}/notes', { params: { path: { id: ticketId } }, body: { text: text.value } }));
          ctx.refresh();
        } catch (e) {
          toast('error', t.t('app.error'), errorMessage(t, e));
          send.disabled = false;
        }
      },
    },
    h('label', { for: 'note-text' }, t.t('ticket.addNote')),
    text,
    h('div.form-actions', send),
  );
  return card(
    h('h2', t.t('ticket.notes')),
    notes.length === 0
      ? h('p.muted', t.t('ticket.noNotes'))
      : h(
          'ul.notes',
          notes.map((n) => h('li.note', h('div.note-head.muted.small', `${n.authorName} · ${t.date(n.at)}`), h('p.note-text', n.text))),
        ),
    form,
  );
}
