/**
 * Console entry point: sign-in, then the app shell — live feed (initial list + SSE), ticket panel,
 * day board — with a connection indicator and keyboard shortcuts.
 */
import '../shared/wa';
import '../shared/base.css';
import './console.css';
import { $, h, mount } from '../shared/dom';
import { article, renderSignIn } from '../shared/signin';
import { avatar, errorText, titleCase, toast, toastError } from '../shared/ui';
import { api, client, ok, type Ticket } from './api';
import { createBoard, type Board } from './board';
import { createFeed, FILTERS, type Feed, type FilterName } from './feed';
import { createPanel, type Panel } from './panel';
import { connectTicketStream, type StreamInfo, type StreamState } from './stream';

const TICKET_EVENTS = new Set(['ticket.created', 'ticket.updated', 'ticket.status_changed', 'ticket.evidence_appended']);
const technicians = new Map<string, string>();
/** Roles allowed on the ticket stream and dispatch routes. */
const CONSOLE_ROLES = ['admin', 'dispatcher'] as const;
let stream: ReturnType<typeof connectTicketStream> | null = null;
let app: { reload(): void } | null = null;

type Dialog = HTMLElement & { open: boolean };
const help = (): Dialog => $<Dialog>('#help');

function showSignIn(message?: string): void {
  stream?.close();
  stream = null;
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
  const label = { connecting: 'Connecting…', live: 'Live', reconnecting: info?.delayMs ? `Reconnecting in ${Math.ceil(info.delayMs / 1000)}s` : 'Reconnecting…', offline: 'Offline' }[state];
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
  mount($('#user'), avatar(user?.name ?? 'You', 'sm'), h('div.user-text', h('div.user-name', user?.name ?? 'Signed in'), h('div.muted.small', titleCase(user?.role ?? ''))));
  if (app) {
    app.reload();
    return;
  }

  const feed: Feed = createFeed({ listEl: $('#feed'), summaryEl: $('#summary'), onOpen: (id) => void panel.open(id, feed.get(id)), technicianName: (id) => technicians.get(id) });
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
  });
  const board: Board = createBoard({
    el: $('#board'),
    dateEl: $('#board-date'),
    onOpenTicket: (id) => feed.open(id),
    knownTechnicians: () => [...technicians].map(([technicianId, name]) => ({ technicianId, name })),
    rememberTechnicians,
  });
  window.addEventListener('console:closed', () => feed.select(null));

  renderFilters(feed);
  const updateTitle = (): void => {
    const unread = document.querySelectorAll('.feed-item.unread').length;
    document.title = unread ? `(${unread}) Telemend Dispatch` : 'Telemend Dispatch';
  };

  async function loadTickets(): Promise<void> {
    feed.setLoading(true);
    try {
      const page = await ok(client.GET('/api/v1/tickets', { params: { query: { limit: 200, sort: '-createdAt' } } }));
      feed.setTickets(page.items);
    } catch (error) {
      feed.setLoading(false, errorText(error));
      toastError(error, 'Tickets');
    }
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
        if (event?.type === 'ticket.status_changed' || ticket.technicianId) refreshBoardSoon();
        updateTitle();
      },
    });
  }

  $('#conn').onclick = () => stream?.reconnectNow();
  $('#signout').onclick = async () => {
    await api.logout();
    showSignIn();
  };
  $<HTMLInputElement>('#search').addEventListener('input', (event) => feed.setFilter('q', (event.target as HTMLInputElement).value.trim().toLowerCase()));
  $('#board-toggle').onclick = () => toggleBoard();
  $('#help-close').onclick = () => (help().open = false);
  installShortcuts({ feed, panel, board });

  app = {
    reload() {
      void loadTickets();
      connect();
      void board.load();
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

/** Status and source as segmented buttons (wa-button-group), priority as a wa-select. */
function renderFilters(feed: Feed): void {
  const group = (name: FilterName, options: readonly (readonly [string, string])[], label: string): HTMLElement =>
    h(
      'wa-button-group.seg',
      { label },
      options.map(([value, text]) =>
        h(
          'wa-button.seg-btn',
          {
            size: 'small',
            appearance: feed.filters[name] === value ? 'accent' : 'outlined',
            variant: feed.filters[name] === value ? 'brand' : 'neutral',
            'aria-pressed': feed.filters[name] === value ? 'true' : 'false',
            dataset: { filter: name, value },
            onclick: () => (feed.setFilter(name, value), renderFilters(feed)),
          },
          text,
        ),
      ),
    );
  const select = h(
    'wa-select.prio-select',
    { label: 'Priority', size: 'small', value: feed.filters.priority, dataset: { filter: 'priority' }, onchange: (event: Event) => feed.setFilter('priority', (event.target as HTMLElement & { value: string }).value) },
    FILTERS.priority.map(([value, text]) => h('wa-option', { value }, text)),
  );
  mount($('#filters'), group('status', FILTERS.status, 'Status'), h('div.filter-row', select, group('source', FILTERS.source, 'Source')));
}

function installShortcuts({ feed, panel, board }: { feed: Feed; panel: Panel; board: Board }): void {
  document.addEventListener('keydown', (event) => {
    const target = event.target as HTMLElement;
    const typing = target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement || target.tagName === 'WA-SELECT';
    if (event.key === 'Escape') {
      if (typing) target.blur();
      else if (help().open) help().open = false;
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
