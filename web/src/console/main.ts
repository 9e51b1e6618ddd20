/**
 * Console entry point: sign-in, then the app shell — the feed (server-filtered list + SSE), the
 * ticket panel, and below it the day and week board with the unscheduled queue, the map, and the
 * alarms and offline devices — with a connection indicator, alerts and keyboard shortcuts.
 */
import '../shared/wa';
import '../shared/base.css';
import './console.css';
import './views.css';
import { $, h, mount } from '../shared/dom';
import { article, renderSignIn } from '../shared/signin';
import { avatar, titleCase, toast } from '../shared/ui';
import { raiseAlert, renderAlertControls } from './alerts';
import { api, client, ok, type Ticket } from './api';
import { createBoard, type Board } from './board';
import { createFeed, type Feed } from './feed';
import { renderFilters } from './filters';
import { createMap } from './map';
import { createOps } from './ops';
import { createPanel, type Panel } from './panel';
import { loadSettings } from './settings';
import { connectStream, connectTicketStream, type StreamInfo, type StreamState } from './stream';
import type { Command } from './commands';
import { showView, type View } from './views';

const TICKET_EVENTS = new Set([
  'ticket.created',
  'ticket.updated',
  'ticket.status_changed',
  'ticket.evidence_appended',
  'ticket.sla_at_risk',
  'ticket.sla_breached',
]);
const technicians = new Map<string, string>();
/** Roles allowed on the ticket stream and dispatch routes. */
const CONSOLE_ROLES = ['admin', 'dispatcher'] as const;
let stream: ReturnType<typeof connectTicketStream> | null = null;
/** Command states, live, for the open ticket's asset (the connection indicator follows the ticket stream). */
let commandStream: ReturnType<typeof connectStream> | null = null;
let app: { reload(): void } | null = null;

type Dialog = HTMLElement & { open: boolean };
const help = (): Dialog => $<Dialog>('#help');

function showSignIn(message?: string): void {
  stream?.close();
  stream = null;
  commandStream?.close();
  commandStream = null;
  $('#app').hidden = true;
  renderSignIn($('#signin'), {
    api,
    area: 'Dispatch console',
    intro: 'Use your dispatcher account.',
    roles: CONSOLE_ROLES,
    refusal: (role) => `${article(role)} ${role} account cannot use the dispatch console: sign in as a dispatcher or an admin.`,
    foot: 'Tickets, diagnosis and dispatch — live from your equipment.',
    message,
    onSignedIn: () => startApp(),
  });
}

function setConnection(state: StreamState, info?: StreamInfo): void {
  const el = $('#conn');
  el.className = `conn conn-${state}`;
  const label = {
    connecting: 'Connecting…',
    live: 'Live',
    reconnecting: info?.delayMs ? `Reconnecting in ${Math.ceil(info.delayMs / 1000)}s` : 'Reconnecting…',
    offline: 'Offline',
  }[state];
  el.title = state === 'live' ? 'Receiving ticket events in real time' : 'The live stream is not connected; click to retry';
  mount(el, h('span.dot'), h('span.conn-label', label));
}

function rememberTechnicians(list: readonly { technicianId: string; name: string }[] | null | undefined): void {
  for (const t of list ?? []) if (t?.technicianId && t.name) technicians.set(t.technicianId, t.name);
}

function startApp(): void {
  $('#signin').hidden = true;
  $('#app').hidden = false;
  const user = api.session.user;
  mount(
    $('#user'),
    avatar(user?.name ?? 'You', 'sm'),
    h('div.user-text', h('div.user-name', user?.name ?? 'Signed in'), h('div.muted.small', titleCase(user?.role ?? ''))),
  );
  if (app) {
    app.reload();
    return;
  }

  const feed: Feed = createFeed({
    listEl: $('#feed'),
    summaryEl: $('#summary'),
    moreEl: $('#feed-more'),
    onOpen: (id) => void panel.open(id, feed.get(id)),
    technicianName: (id) => technicians.get(id),
  });
  const knownTechnicians = (): { technicianId: string; name: string }[] => [...technicians].map(([technicianId, name]) => ({ technicianId, name }));
  const panel: Panel = createPanel({
    el: $('#panel'),
    onTicket: (ticket) => feed.upsert(ticket),
    onAssigned: (ticket) => {
      board.highlight(ticket.id);
      void board.load();
      feed.render();
    },
    technicianName: (id) => technicians.get(id),
    rememberTechnicians: (list) => {
      rememberTechnicians(list);
      feed.render();
    },
    technicians: knownTechnicians,
    onSchedule: (ticketId, technicianId, start) => board.schedule(ticketId, technicianId, start),
  });
  const board: Board = createBoard({
    el: $('#board'),
    dateEl: $('#board-date'),
    queueEl: $('#queue'),
    statusEl: $('#drop-status'),
    onOpenTicket: (id) => feed.open(id),
    knownTechnicians,
    rememberTechnicians,
    technicianName: (id) => technicians.get(id),
  });
  const map = createMap({ el: $('#map'), noteEl: $('#map-note'), onOpenTicket: (id) => feed.open(id) });
  const ops = createOps({ el: $('#ops'), onOpenTicket: (id) => feed.open(id) });
  const views = { board, map, ops };
  window.addEventListener('console:closed', () => feed.select(null));

  renderFilters($('#filters'), feed, knownTechnicians());
  renderAlertControls();
  // The Grafana link needs the settings: the panel redraws once they are in.
  void loadSettings().then(() => panel.rerender());
  async function loadTechnicians(): Promise<void> {
    const list = await ok(client.GET('/api/v1/technicians')).catch(() => null);
    rememberTechnicians(list?.items.filter((t) => t.active) ?? []);
    renderFilters($('#filters'), feed, knownTechnicians());
  }
  const updateTitle = (): void => {
    const unread = document.querySelectorAll('.feed-item.unread').length;
    document.title = unread ? `(${unread}) Telemend Dispatch` : 'Telemend Dispatch';
  };

  async function loadTickets(): Promise<void> {
    await feed.load();
    updateTitle();
  }

  let boardTimer: number | undefined;
  const refreshBoardSoon = (): void => {
    window.clearTimeout(boardTimer);
    boardTimer = window.setTimeout(() => void board.load(), 400);
  };

  function connect(): void {
    stream?.close();
    let opened = 0;
    stream = connectTicketStream({
      onState: setConnection,
      onOpen: () => {
        // No replay on the stream: after a reconnection, re-read the list for what was missed.
        if (opened++ > 0) void loadTickets();
      },
      onAuthError: (status) => {
        api.session.clear();
        showSignIn(status === 403 ? 'This account may not use the dispatch console.' : 'Your session has ended. Please sign in again.');
      },
      onEvent: (message) => {
        if (!TICKET_EVENTS.has(message.event)) return;
        let event: { type?: string; ticket?: Ticket } | null;
        try {
          event = JSON.parse(message.data) as typeof event;
        } catch {
          return;
        }
        const ticket = event?.ticket;
        if (!ticket?.id) return;
        const created = event?.type === 'ticket.created';
        feed.upsert(ticket, { created });
        panel.update(ticket);
        if (created && ticket.channel === 'iot') toast('info', `New auto-ticket ${ticket.number}`, `${titleCase(ticket.priority)} · ${ticket.title}`);
        if (created && ticket.priority === 'critical') raiseAlert('critical', `Critical ticket ${ticket.number}`, ticket.title, ticket.id);
        if (message.event === 'ticket.sla_at_risk' || message.event === 'ticket.sla_breached') {
          const breached = message.event === 'ticket.sla_breached';
          feed.markRisk(ticket.id, breached ? 'breached' : 'at_risk');
          raiseAlert(
            breached ? 'breach' : 'at_risk',
            `${ticket.number} ${breached ? 'breached its SLA' : 'is at risk of breaching its SLA'}`,
            ticket.title,
            `${message.event}:${ticket.id}`,
          );
          toast(breached ? 'error' : 'info', `${ticket.number}: SLA ${breached ? 'breached' : 'at risk'}`, ticket.title);
        }
        if (event?.type === 'ticket.status_changed' || ticket.technicianId) refreshBoardSoon();
        updateTitle();
      },
    });
  }

  function connectCommands(): void {
    commandStream?.close();
    commandStream = connectStream('/api/v1/stream/commands', {
      onState: () => undefined,
      onEvent: (message) => {
        try {
          const event = JSON.parse(message.data) as { command?: Command };
          if (event.command?.id) panel.commandUpdate(event.command);
        } catch {
          // Not an event of ours: ignore.
        }
      },
    });
  }

  $('#conn').onclick = () => stream?.reconnectNow();
  $('#signout').onclick = async () => {
    await api.logout();
    showSignIn();
  };
  let searchTimer: number | undefined;
  $<HTMLInputElement>('#search').addEventListener('input', (event) => {
    window.clearTimeout(searchTimer);
    const value = (event.target as HTMLInputElement).value.trim();
    searchTimer = window.setTimeout(() => feed.setFilter('q', value), 250);
  });
  $('#board-toggle').onclick = () => toggleBoard();
  for (const button of document.querySelectorAll<HTMLElement>('#views [data-view]'))
    button.addEventListener('click', () => showView(button.dataset.view as View, views));
  $('#help-close').onclick = () => (help().open = false);
  installShortcuts({ feed, panel, board, views });

  app = {
    reload() {
      void loadTickets();
      connect();
      connectCommands();
      void loadTechnicians();
      showView('day', views);
    },
  };
  app.reload();
  new MutationObserver(updateTitle).observe($('#feed'), { childList: true });
}

function toggleBoard(): void {
  const wrap = $('#board-wrap');
  wrap.classList.toggle('collapsed');
  $('#board-toggle').textContent = wrap.classList.contains('collapsed') ? 'Show' : 'Hide';
}

function installShortcuts({ feed, panel, board, views }: { feed: Feed; panel: Panel; board: Board; views: Parameters<typeof showView>[1] }): void {
  document.addEventListener('keydown', (event) => {
    const target = event.target as HTMLElement;
    const typing =
      target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement || target.tagName === 'WA-SELECT';
    if (event.key === 'Escape') {
      if (typing) target.blur();
      else if (help().open) help().open = false;
      // A dialog (the details) closes itself on Escape; the ticket stays open under it.
      else if (target.closest('wa-dialog') || document.querySelector('wa-dialog[open]')) return;
      else panel.close();
      return;
    }
    if (typing || event.metaKey || event.ctrlKey || event.altKey) return;
    const actions: Record<string, () => void> = {
      j: () => feed.move(1),
      ArrowDown: () => feed.move(1),
      k: () => feed.move(-1),
      ArrowUp: () => feed.move(-1),
      a: () => panel.assignBest(),
      '/': () => $('#search').focus(),
      b: () => toggleBoard(),
      r: () => void board.load(),
      d: () => showView('day', views),
      w: () => showView('week', views),
      m: () => showView('map', views),
      l: () => showView('ops', views),
      u: () => feed.markAllRead(),
      '?': () => (help().open = !help().open),
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });
}

api.onSignedOut(() => showSignIn('Your session has ended. Please sign in again.'));

if (api.session.token) startApp();
else showSignIn();
