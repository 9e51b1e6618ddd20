/**
 * The live feed: every ticket the console knows (initial list + stream events), newest first,
 * filtered by status, priority and source, with unread highlight and keyboard navigation.
 */
import { h, mount } from '../shared/dom';
import { avatar, empty, relative, skeleton } from '../shared/ui';
import type { Ticket } from './api';
import { priorityBadge, slaBadge, statusBadge } from './badges';

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
} as const;

export type FilterName = keyof typeof FILTERS | 'q';
export type Feed = ReturnType<typeof createFeed>;

export function createFeed(options: { listEl: HTMLElement; summaryEl: HTMLElement; onOpen(id: string): void; technicianName(id: string): string | undefined }) {
  const { listEl, summaryEl, onOpen, technicianName } = options;
  const tickets = new Map<string, Ticket>();
  const unread = new Set<string>();
  const flashing = new Set<string>();
  const filters: Record<FilterName, string> = { status: 'open', priority: 'all', source: 'all', q: '' };
  let selectedId: string | null = null;
  let loading = true;
  let error: string | null = null;

  const matches = (t: Ticket): boolean =>
    (filters.status === 'all' ||
      (filters.status === 'open' ? OPEN.includes(t.status) : filters.status === 'assigned' ? ['assigned', 'scheduled', 'en_route', 'in_progress'].includes(t.status) : t.status === filters.status)) &&
    (filters.priority === 'all' || t.priority === filters.priority) &&
    (filters.source === 'all' || (filters.source === 'iot' ? t.channel === 'iot' : t.channel !== 'iot')) &&
    (!filters.q || `${t.number} ${t.title} ${t.faultCode ?? ''}`.toLowerCase().includes(filters.q));

  const visible = (): Ticket[] => [...tickets.values()].filter(matches).sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));

  function row(t: Ticket): HTMLElement {
    const isUnread = unread.has(t.id);
    const tech = t.technicianId ? technicianName(t.technicianId) : null;
    return h(
      `li.feed-item${t.id === selectedId ? '.selected' : ''}${isUnread ? '.unread' : ''}${flashing.has(t.id) ? '.flash' : ''}`,
      { dataset: { id: t.id, number: t.number }, tabindex: '-1', role: 'option', 'aria-selected': t.id === selectedId ? 'true' : 'false', onclick: () => feed.open(t.id) },
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

  function renderSummary(): void {
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

  function render(): void {
    renderSummary();
    if (loading && tickets.size === 0) {
      mount(listEl, skeleton(4), skeleton(4), skeleton(4));
      return;
    }
    if (error && tickets.size === 0) {
      mount(listEl, empty('Could not load tickets', error, '!'));
      return;
    }
    const items = visible();
    if (items.length === 0) {
      mount(
        listEl,
        tickets.size === 0
          ? empty('No tickets yet', 'New auto-tickets appear here the moment equipment reports a fault.', '◎')
          : empty('Nothing matches these filters', 'Clear the filters to see every ticket.', '⌕'),
      );
      return;
    }
    mount(listEl, items.map(row));
  }

  const feed = {
    filters,
    setLoading(value: boolean, message: string | null = null) {
      loading = value;
      error = message;
      render();
    },
    setTickets(list: readonly Ticket[]) {
      loading = false;
      error = null;
      for (const t of list) tickets.set(t.id, t);
      render();
    },
    /** A ticket from the stream: new ones are unread and flash. */
    upsert(ticket: Ticket, { created = false } = {}) {
      const previous = tickets.get(ticket.id);
      if (previous && previous.version > ticket.version) return;
      tickets.set(ticket.id, ticket);
      if (ticket.id !== selectedId) {
        // New tickets are unread; changes to known ones only flash.
        if (created || !previous) unread.add(ticket.id);
        flashing.add(ticket.id);
        window.setTimeout(() => {
          flashing.delete(ticket.id);
          listEl.querySelector(`[data-id="${ticket.id}"]`)?.classList.remove('flash');
        }, 1600);
      }
      render();
    },
    get(id: string): Ticket | undefined {
      return tickets.get(id);
    },
    setFilter(name: FilterName, value: string) {
      filters[name] = value;
      render();
    },
    select(id: string | null) {
      selectedId = id;
      if (id) unread.delete(id);
      render();
      if (id) listEl.querySelector(`[data-id="${id}"]`)?.scrollIntoView({ block: 'nearest' });
    },
    open(id: string) {
      feed.select(id);
      onOpen(id);
    },
    /** j/k: moves the selection through the visible list and opens it. */
    move(delta: number) {
      const items = visible();
      if (items.length === 0) return;
      const index = items.findIndex((t) => t.id === selectedId);
      const next = items[Math.max(0, Math.min(items.length - 1, index === -1 ? 0 : index + delta))]!;
      feed.open(next.id);
    },
    markAllRead() {
      unread.clear();
      render();
    },
    render,
  };
  return feed;
}
