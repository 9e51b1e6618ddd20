/* global document, window */
/**
 * Console entry point: sign-in, then the app shell — live feed (initial list + SSE), ticket panel,
 * day board — with a connection indicator and keyboard shortcuts.
 */
import { api, login, logout, onSignedOut, session } from './api.js';
import { createBoard } from './board.js';
import { createFeed, FILTERS } from './feed.js';
import { createPanel } from './panel.js';
import { connectTicketStream } from './stream.js';
import { $, avatar, h, mount, titleCase, toast, toastError } from './ui.js';

const TICKET_EVENTS = new Set(['ticket.created', 'ticket.updated', 'ticket.status_changed', 'ticket.evidence_appended']);
const technicians = new Map();
/** Roles allowed on the ticket stream and dispatch routes. */
const CONSOLE_ROLES = ['admin', 'dispatcher'];
let stream = null;
let app = null;

function showSignIn(message) {
  stream?.close();
  stream = null;
  $('#app').hidden = true;
  const box = $('#signin');
  box.hidden = false;
  const error = h('div.form-error', { role: 'alert', hidden: !message }, message ?? '');
  const email = h('input', { id: 'email', name: 'email', type: 'email', autocomplete: 'username', required: true, placeholder: 'you@company.com' });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, placeholder: '••••••••' });
  const submit = h('button.btn.btn-primary.btn-block', { type: 'submit' }, 'Sign in');
  const form = h(
    'form.signin-card',
    {
      onsubmit: async (event) => {
        event.preventDefault();
        submit.disabled = true;
        submit.textContent = 'Signing in…';
        error.hidden = true;
        try {
          const user = await login(email.value, password.value);
          if (!CONSOLE_ROLES.includes(user.role)) {
            session.clear();
            throw new Error(`A ${user.role} account cannot use the dispatch console: sign in as a dispatcher or an admin.`);
          }
          startApp();
        } catch (e) {
          error.textContent = e.problem?.status === 401 ? 'Wrong e-mail or password.' : e.problem ? `${e.problem.title}: ${e.problem.detail ?? ''}` : e.message;
          error.hidden = false;
          submit.disabled = false;
          submit.textContent = 'Sign in';
        }
      },
    },
    h('div.signin-brand', logo(), h('div', h('div.brand-name', 'Telemend'), h('div.muted.small', 'Dispatch console'))),
    h('h1', 'Sign in'),
    h('p.muted', 'Use your dispatcher account.'),
    h('label', { for: 'email' }, 'E-mail'),
    email,
    h('label', { for: 'password' }, 'Password'),
    password,
    error,
    submit,
  );
  mount(box, form, h('div.signin-foot.muted.small', 'Tickets, diagnosis and dispatch — live from your equipment.'));
  email.focus();
}

export function logo() {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'logo');
  svg.innerHTML = '<rect x="1" y="1" width="22" height="22" rx="6" fill="currentColor"/><path d="M5 13h3l2-5 3 9 2-6 1.5 2H19" fill="none" stroke="#fff" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>';
  return svg;
}

function setConnection(state, info) {
  const el = $('#conn');
  el.className = `conn conn-${state}`;
  const label = { connecting: 'Connecting…', live: 'Live', reconnecting: info?.delayMs ? `Reconnecting in ${Math.ceil(info.delayMs / 1000)}s` : 'Reconnecting…', offline: 'Offline' }[state];
  el.title = state === 'live' ? 'Receiving ticket events in real time' : 'The live stream is not connected; click to retry';
  mount(el, h('span.dot'), h('span.conn-label', label));
}

function rememberTechnicians(list) {
  for (const t of list ?? []) if (t?.technicianId && t.name) technicians.set(t.technicianId, t.name);
}

function startApp() {
  $('#signin').hidden = true;
  $('#app').hidden = false;
  const user = session.user;
  mount($('#user'), avatar(user?.name ?? 'You', 'sm'), h('div.user-text', h('div.user-name', user?.name ?? 'Signed in'), h('div.muted.small', titleCase(user?.role ?? ''))));
  if (app) {
    app.reload();
    return;
  }

  const feed = createFeed({ listEl: $('#feed'), summaryEl: $('#summary'), onOpen: (id) => panel.open(id, feed.get(id)), technicianName: (id) => technicians.get(id) });
  const panel = createPanel({
    el: $('#panel'),
    onTicket: (ticket) => feed.upsert(ticket),
    onAssigned: (ticket) => {
      board.highlight(ticket.id);
      board.load();
      feed.render();
    },
    technicianName: (id) => technicians.get(id),
    rememberTechnicians: (list) => {
      rememberTechnicians(list);
      feed.render();
    },
  });
  const board = createBoard({
    el: $('#board'),
    dateEl: $('#board-date'),
    onOpenTicket: (id) => feed.open(id),
    knownTechnicians: () => [...technicians].map(([technicianId, name]) => ({ technicianId, name })),
    rememberTechnicians,
  });
  window.addEventListener('console:closed', () => feed.select(null));

  renderFilters(feed);
  const updateTitle = () => {
    const unread = document.querySelectorAll('.feed-item.unread').length;
    document.title = unread ? `(${unread}) Telemend Dispatch` : 'Telemend Dispatch';
  };

  async function loadTickets() {
    feed.setLoading(true);
    try {
      const page = await api('GET', '/tickets?limit=200&sort=-createdAt');
      feed.setTickets(page.items);
    } catch (error) {
      feed.setLoading(false, error.problem?.detail ?? error.message);
      toastError(error, 'Tickets');
    }
    updateTitle();
  }

  let boardTimer;
  const refreshBoardSoon = () => {
    window.clearTimeout(boardTimer);
    boardTimer = window.setTimeout(() => board.load(), 400);
  };

  function connect() {
    stream?.close();
    let opened = 0;
    stream = connectTicketStream({
      onState: setConnection,
      onOpen: () => {
        // No replay on the stream: after a reconnection, re-read the list for what was missed.
        if (opened++ > 0) loadTickets();
      },
      onAuthError: (status) => {
        session.clear();
        showSignIn(status === 403 ? 'This account may not use the dispatch console.' : 'Your session has ended. Please sign in again.');
      },
      onEvent: (message) => {
        if (!TICKET_EVENTS.has(message.event)) return;
        let event;
        try {
          event = JSON.parse(message.data);
        } catch {
          return;
        }
        if (!event?.ticket?.id) return;
        const created = event.type === 'ticket.created';
        feed.upsert(event.ticket, { created });
        panel.update(event.ticket);
        if (created && event.ticket.channel === 'iot') toast('info', `New auto-ticket ${event.ticket.number}`, `${titleCase(event.ticket.priority)} · ${event.ticket.title}`);
        if (event.type === 'ticket.status_changed' || event.ticket.technicianId) refreshBoardSoon();
        updateTitle();
      },
    });
  }

  $('#conn').onclick = () => stream?.reconnectNow();
  $('#signout').onclick = async () => {
    await logout();
    showSignIn();
  };
  $('#search').addEventListener('input', (event) => feed.setFilter('q', event.target.value.trim().toLowerCase()));
  $('#board-toggle').onclick = () => toggleBoard();
  $('#help-close').onclick = () => ($('#help').hidden = true);
  installShortcuts({ feed, panel, board });

  app = {
    reload() {
      loadTickets();
      connect();
      board.load();
    },
  };
  app.reload();
  new window.MutationObserver(updateTitle).observe($('#feed'), { childList: true });
}

function toggleBoard() {
  const wrap = $('#board-wrap');
  wrap.classList.toggle('collapsed');
  $('#board-toggle').textContent = wrap.classList.contains('collapsed') ? 'Show' : 'Hide';
}

function renderFilters(feed) {
  const group = (name, options, label) =>
    h(
      'div.seg',
      { role: 'group', 'aria-label': label },
      options.map(([value, text]) =>
        h(`button.seg-btn${feed.filters[name] === value ? '.active' : ''}`, { type: 'button', dataset: { filter: name, value }, onclick: () => (feed.setFilter(name, value), renderFilters(feed)) }, text),
      ),
    );
  const select = (name, options, label) =>
    h(
      'select.select',
      { 'aria-label': label, onchange: (event) => feed.setFilter(name, event.target.value), dataset: { filter: name } },
      options.map(([value, text]) => h('option', { value, selected: feed.filters[name] === value ? true : undefined }, text)),
    );
  mount($('#filters'), group('status', FILTERS.status, 'Status'), h('div.filter-row', select('priority', FILTERS.priority, 'Priority'), group('source', FILTERS.source, 'Source')));
}

function installShortcuts({ feed, panel, board }) {
  document.addEventListener('keydown', (event) => {
    const target = event.target;
    const typing = target instanceof window.HTMLInputElement || target instanceof window.HTMLSelectElement || target instanceof window.HTMLTextAreaElement;
    if (event.key === 'Escape') {
      if (typing) target.blur();
      else if (!$('#help').hidden) $('#help').hidden = true;
      else panel.close();
      return;
    }
    if (typing || event.metaKey || event.ctrlKey || event.altKey) return;
    const actions = {
      j: () => feed.move(1),
      ArrowDown: () => feed.move(1),
      k: () => feed.move(-1),
      ArrowUp: () => feed.move(-1),
      a: () => panel.assignBest(),
      '/': () => $('#search').focus(),
      b: () => toggleBoard(),
      r: () => board.load(),
      u: () => feed.markAllRead(),
      '?': () => ($('#help').hidden = !$('#help').hidden),
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });
}

onSignedOut(() => showSignIn('Your session has ended. Please sign in again.'));

if (session.token) startApp();
else showSignIn();
