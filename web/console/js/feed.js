/* global window */
/**
 * The live feed: every ticket the console knows (initial list + stream events), newest first,
 * filtered by status, priority and source, with unread highlight and keyboard navigation.
 */
import { avatar, empty, h, mount, priorityBadge, relative, skeleton, slaBadge, statusBadge } from './ui.js';

const OPEN = ['new', 'assigned', 'scheduled', 'en_route', 'in_progress', 'on_hold'];

export const FILTERS = {
  status: [
    ['open', 'Open'],
    ['new', 'Unassigned'],
    ['assigned', 'Assigned'],
    ['all', 'All'],
  ],
  priority: [
    ['all', 'Any priority'],
    ['critical', 'Critical'],
    ['high', 'High'],
    ['medium', 'Medium'],
    ['low', 'Low'],
  ],
  source: [
    ['all', 'All sources'],
    ['iot', 'IoT'],
    ['other', 'Other'],
  ],
};

export function createFeed({ listEl, summaryEl, onOpen, technicianName }) {
  const tickets = new Map();
  const unread = new Set();
  const flashing = new Set();
  const filters = { status: 'open', priority: 'all', source: 'all', q: '' };
  let selectedId = null;
  let loading = true;
  let error = null;

  const matches = (t) =>
    (filters.status === 'all' || (filters.status === 'open' ? OPEN.includes(t.status) : filters.status === 'assigned' ? ['assigned', 'scheduled', 'en_route', 'in_progress'].includes(t.status) : t.status === filters.status)) &&
    (filters.priority === 'all' || t.priority === filters.priority) &&
    (filters.source === 'all' || (filters.source === 'iot' ? t.channel === 'iot' : t.channel !== 'iot')) &&
    (!filters.q || `${t.number} ${t.title} ${t.faultCode ?? ''}`.toLowerCase().includes(filters.q));

  const visible = () => [...tickets.values()].filter(matches).sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));

  function row(t) {
    const isUnread = unread.has(t.id);
    const tech = t.technicianId ? technicianName(t.technicianId) : null;
    return h(
      `li.feed-item${t.id === selectedId ? '.selected' : ''}${isUnread ? '.unread' : ''}${flashing.has(t.id) ? '.flash' : ''}`,
      { dataset: { id: t.id, number: t.number }, tabindex: '-1', role: 'option', 'aria-selected': t.id === selectedId ? 'true' : 'false', onclick: () => api.open(t.id) },
      h(
        'div.fi-top',
        priorityBadge(t.priority),
        h('span.fi-number', t.number),
        t.channel === 'iot' ? h('span.chip.chip-iot', { title: 'Opened from telemetry' }, '⚡ IoT') : h('span.chip', t.channel),
        h('span.fi-time', { title: t.createdAt }, relative(t.createdAt)),
      ),
      h('div.fi-title', isUnread ? h('span.unread-dot', { 'aria-label': 'unread' }) : null, t.title),
      h(
        'div.fi-meta',
        statusBadge(t.status),
        slaBadge(t),
        h('span.fi-spacer'),
        t.technicianId ? h('span.fi-tech', avatar(tech ?? 'Technician', 'xs'), tech ?? 'Assigned') : h('span.fi-unassigned', 'Unassigned'),
      ),
    );
  }

  function renderSummary() {
    const all = [...tickets.values()];
    const open = all.filter((t) => OPEN.includes(t.status));
    const unassigned = open.filter((t) => !t.technicianId);
    const breached = open.filter((t) => t.responseBreached || t.resolutionBreached);
    mount(
      summaryEl,
      h('span.sum', h('b', open.length), ' open'),
      h('span.sum', h('b', unassigned.length), ' unassigned'),
      h(`span.sum${breached.length ? '.sum-bad' : ''}`, h('b', breached.length), ' breached'),
      unread.size ? h('span.sum.sum-unread', h('b', unread.size), ' unread') : null,
    );
  }

  function render() {
    renderSummary();
    if (loading && tickets.size === 0) return mount(listEl, skeleton(4), skeleton(4), skeleton(4));
    if (error && tickets.size === 0) return mount(listEl, empty('Could not load tickets', error, '!'));
    const items = visible();
    if (items.length === 0) {
      return mount(
        listEl,
        tickets.size === 0
          ? empty('No tickets yet', 'New auto-tickets appear here the moment equipment reports a fault.', '◎')
          : empty('Nothing matches these filters', 'Clear the filters to see every ticket.', '⌕'),
      );
    }
    return mount(listEl, items.map(row));
  }

  const api = {
    filters,
    setLoading(value, message = null) {
      loading = value;
      error = message;
      render();
    },
    setTickets(list) {
      loading = false;
      error = null;
      for (const t of list) tickets.set(t.id, t);
      render();
    },
    /** A ticket from the stream: new ones are unread and flash. */
    upsert(ticket, { created = false } = {}) {
      const known = tickets.has(ticket.id);
      const previous = tickets.get(ticket.id);
      if (previous && previous.version > ticket.version) return;
      tickets.set(ticket.id, ticket);
      if (ticket.id !== selectedId) {
        // New tickets are unread; changes to known ones only flash.
        if (created || !known) unread.add(ticket.id);
        flashing.add(ticket.id);
        window.setTimeout(() => {
          flashing.delete(ticket.id);
          listEl.querySelector(`[data-id="${ticket.id}"]`)?.classList.remove('flash');
        }, 1600);
      }
      render();
    },
    get(id) {
      return tickets.get(id);
    },
    setFilter(name, value) {
      filters[name] = value;
      render();
    },
    select(id) {
      selectedId = id;
      unread.delete(id);
      render();
      listEl.querySelector(`[data-id="${id}"]`)?.scrollIntoView({ block: 'nearest' });
    },
    open(id) {
      api.select(id);
      onOpen(id);
    },
    /** j/k: moves the selection through the visible list and opens it. */
    move(delta) {
      const items = visible();
      if (items.length === 0) return;
      const index = items.findIndex((t) => t.id === selectedId);
      const next = items[Math.max(0, Math.min(items.length - 1, index === -1 ? 0 : index + delta))];
      api.open(next.id);
    },
    markAllRead() {
      unread.clear();
      render();
    },
    render,
  };
  return api;
}
