/**
 * The live feed is the server's: GET /api/v1/tickets with the filters, the search (`q`) and the
 * order as query parameters, fifty at a time ("Load more" follows the cursor); the counts in the
 * head come from the server. Stream events update the loaded rows, and a new ticket that matches
 * the filters joins the list at its place in the order. Unread highlight and J/K navigation.
 */
import type { paths } from '../shared/api';
import { h, mount } from '../shared/dom';
import { avatar, empty, errorText, relative, skeleton } from '../shared/ui';
import { client, ok, type Ticket } from './api';
import { priorityBadge, slaBadge, statusBadge } from './badges';
import { startDrag } from './drag';

const OPEN = ['new', 'assigned', 'scheduled', 'en_route', 'in_progress', 'on_hold'];
const PAGE = 50;

export const FILTERS = {
  status: [
    ['open', 'Open'],
    ['new', 'New'],
    ['assigned', 'Assigned'],
    ['scheduled', 'Scheduled'],
    ['en_route', 'En route'],
    ['in_progress', 'In progress'],
    ['on_hold', 'On hold'],
    ['resolved', 'Resolved'],
    ['all', 'All'],
  ],
  priority: [
    ['all', 'Any priority'],
    ['critical', 'Critical'],
    ['high', 'High'],
    ['medium', 'Medium'],
    ['low', 'Low'],
  ],
  sort: [
    ['new', 'Newest'],
    ['sla', 'Time to breach'],
  ],
} as const;

export interface FeedFilters {
  status: string;
  priority: string;
  /** A technician's id, '' for anyone. */
  technicianId: string;
  unassigned: boolean;
  q: string;
  sort: 'new' | 'sla';
}
export type FilterName = keyof FeedFilters;

/** Counts of the whole filtered set, from the server. */
export interface FeedCounts {
  total: number;
  unassigned: number;
  breached: number;
}

/** The due time that matters next: response until someone is on the way, then resolution. */
export const dueOf = (t: Ticket): string => (t.respondedAt ? t.resolutionDueAt : t.responseDueAt);

type ListQuery = paths['/api/v1/tickets']['get']['parameters']['query'];

type CountsQuery = paths['/api/v1/tickets/counts']['get']['parameters']['query'];

/** The filters as query parameters, shared by the list and its counts. */
function filterQuery(f: FeedFilters): Record<string, string> {
  const query: Record<string, string> = {};
  if (f.status === 'open') query.open = 'true';
  else if (f.status !== 'all') query.status = f.status;
  if (f.priority !== 'all') query.priority = f.priority;
  if (f.technicianId) query.technicianId = f.technicianId;
  if (f.unassigned) query.unassigned = 'true';
  if (f.q) query.q = f.q;
  return query;
}

/** The list request for the filters: fifty at a time, newest or nearest breach first. */
export function feedQuery(f: FeedFilters, cursor?: string): Record<string, string | number> {
  return { ...filterQuery(f), limit: PAGE, sort: f.sort === 'sla' ? 'slaDue' : '-createdAt', ...(cursor ? { cursor } : {}) };
}

/** The counts of the whole filtered set (GET /tickets/counts): all, unassigned, breached. */
async function loadCounts(f: FeedFilters): Promise<FeedCounts> {
  const count = async (extra: Record<string, string>): Promise<number> =>
    (await ok(client.GET('/api/v1/tickets/counts', { params: { query: { ...filterQuery(f), ...extra } as CountsQuery } }))).total;
  const [total, unassigned, breached] = await Promise.all([count({}), f.unassigned ? null : count({ unassigned: 'true' }), count({ breached: 'true' })]);
  return { total, unassigned: unassigned ?? total, breached };
}

export type Feed = ReturnType<typeof createFeed>;

export function createFeed(options: {
  listEl: HTMLElement;
  summaryEl: HTMLElement;
  moreEl: HTMLElement;
  onOpen(id: string): void;
  technicianName(id: string): string | undefined;
}) {
  const { listEl, summaryEl, moreEl, onOpen, technicianName } = options;
  const tickets = new Map<string, Ticket>();
  let order: string[] = [];
  const unread = new Set<string>();
  const flashing = new Set<string>();
  /** Tickets the server announced at risk of breaching, or breached (ticket.sla_at_risk / _breached). */
  const risk = new Map<string, 'at_risk' | 'breached'>();
  const filters: FeedFilters = { status: 'open', priority: 'all', technicianId: '', unassigned: false, q: '', sort: 'new' };
  let counts: FeedCounts | null = null;
  let cursor: string | null = null;
  let selectedId: string | null = null;
  let loading = true;
  let loadingMore = false;
  let error: string | null = null;
  let seq = 0;

  /** Whether a ticket from the stream belongs in the list as filtered (the server's rules, client side). */
  const matches = (t: Ticket): boolean =>
    (filters.status === 'all' || (filters.status === 'open' ? OPEN.includes(t.status) : t.status === filters.status)) &&
    (filters.priority === 'all' || t.priority === filters.priority) &&
    (!filters.technicianId || t.technicianId === filters.technicianId) &&
    (!filters.unassigned || !t.technicianId) &&
    (!filters.q || `${t.number} ${t.title} ${t.description ?? ''} ${t.faultCode ?? ''}`.toLowerCase().includes(filters.q.toLowerCase()));

  const before = (a: Ticket, b: Ticket): boolean => (filters.sort === 'sla' ? dueOf(a) < dueOf(b) : a.createdAt > b.createdAt);

  async function load(more = false): Promise<void> {
    const mine = ++seq;
    if (more) loadingMore = true;
    else loading = true;
    error = null;
    render();
    try {
      const [page, fresh] = await Promise.all([
        ok(client.GET('/api/v1/tickets', { params: { query: feedQuery(filters, more ? (cursor ?? undefined) : undefined) as ListQuery } })),
        more ? counts : loadCounts(filters).catch(() => null),
      ]);
      if (mine !== seq) return;
      if (!more) {
        tickets.clear();
        order = [];
      }
      for (const t of page.items) {
        if (!tickets.has(t.id)) order.push(t.id);
        tickets.set(t.id, t);
      }
      cursor = page.nextCursor ?? null;
      counts = fresh;
    } catch (e) {
      if (mine !== seq) return;
      error = errorText(e);
    } finally {
      if (mine === seq) {
        loading = false;
        loadingMore = false;
        render();
      }
    }
  }

  function row(t: Ticket): HTMLElement {
    const isUnread = unread.has(t.id);
    const tech = t.technicianId ? technicianName(t.technicianId) : null;
    const danger = risk.get(t.id);
    return h(
      `li.feed-item${t.id === selectedId ? '.selected' : ''}${isUnread ? '.unread' : ''}${flashing.has(t.id) ? '.flash' : ''}${danger ? `.risk-${danger}` : ''}`,
      {
        dataset: { id: t.id, number: t.number },
        tabindex: '-1',
        role: 'option',
        'aria-selected': t.id === selectedId ? 'true' : 'false',
        onclick: () => feed.open(t.id),
        // Drag onto the board to schedule it (a click still opens it).
        onpointerdown: (event: PointerEvent) => startDrag(event, { kind: 'ticket', ticketId: t.id, label: `${t.number} · ${t.title}` }),
      },
      h(
        'div.fi-top',
        priorityBadge(t.priority),
        h('span.fi-number', t.number),
        t.channel === 'iot' ? h('span.chip.chip-iot', { title: 'Opened from telemetry' }, '⚡ IoT') : h('span.chip', t.channel),
        danger ? h(`span.chip.chip-${danger}`, danger === 'breached' ? 'SLA breached' : 'SLA at risk') : null,
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
    const shown = order.length;
    if (counts) {
      mount(
        summaryEl,
        h('span.sum', { dataset: { count: 'total' } }, h('b', counts.total), ' tickets'),
        h('span.sum', { dataset: { count: 'unassigned' } }, h('b', counts.unassigned), ' unassigned'),
        h(`span.sum${counts.breached ? '.sum-bad' : ''}`, { dataset: { count: 'breached' } }, h('b', counts.breached), ' breached'),
        unread.size ? h('span.sum.sum-unread', h('b', unread.size), ' unread') : null,
      );
      return;
    }
    const list = order.map((id) => tickets.get(id)!);
    mount(
      summaryEl,
      h('span.sum', { dataset: { count: 'total' } }, h('b', shown), cursor ? '+ shown' : ' tickets'),
      h('span.sum', h('b', list.filter((t) => !t.technicianId).length), ' unassigned'),
      unread.size ? h('span.sum.sum-unread', h('b', unread.size), ' unread') : null,
    );
  }

  function render(): void {
    renderSummary();
    mount(
      moreEl,
      cursor && !loading
        ? h(
            'wa-button.load-more',
            { size: 'small', appearance: 'outlined', loading: loadingMore, onclick: () => void load(true) },
            counts ? `Load more (${counts.total - order.length} left)` : 'Load more',
          )
        : null,
    );
    if (loading && order.length === 0) {
      mount(listEl, skeleton(4), skeleton(4), skeleton(4));
      return;
    }
    if (error && order.length === 0) {
      mount(listEl, empty('Could not load tickets', error, '!'));
      return;
    }
    if (order.length === 0) {
      const filtered = filters.status !== 'open' || filters.priority !== 'all' || filters.technicianId || filters.unassigned || filters.q;
      mount(
        listEl,
        filtered
          ? empty('Nothing matches these filters', 'Clear the filters or the search to see every open ticket.', '⌕')
          : empty('No open tickets', 'New auto-tickets appear here the moment equipment reports a fault.', '◎'),
      );
      return;
    }
    mount(
      listEl,
      order.map((id) => row(tickets.get(id)!)),
    );
  }

  /** Puts a ticket at its place in the order (a changed due time or a new ticket). */
  function place(t: Ticket): void {
    order = order.filter((id) => id !== t.id);
    const at = order.findIndex((id) => before(t, tickets.get(id)!));
    // Past the loaded page: it belongs to a later page, not at the end of this one.
    if (at === -1 && cursor) return;
    order.splice(at === -1 ? order.length : at, 0, t.id);
  }

  const feed = {
    filters,
    load,
    /** A ticket from the stream: new ones are unread and flash. */
    upsert(ticket: Ticket, { created = false } = {}) {
      const previous = tickets.get(ticket.id);
      if (previous && previous.version > ticket.version) return;
      tickets.set(ticket.id, ticket);
      if (!matches(ticket)) {
        if (previous && ticket.id !== selectedId) order = order.filter((id) => id !== ticket.id);
        render();
        return;
      }
      if (!previous || dueOf(previous) !== dueOf(ticket) || !order.includes(ticket.id)) place(ticket);
      if (!previous && counts) counts = { ...counts, total: counts.total + 1 };
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
    setFilter<K extends FilterName>(name: K, value: FeedFilters[K]) {
      if (filters[name] === value) return;
      filters[name] = value;
      void load();
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
    /** j/k: moves the selection through the list and opens it. */
    move(delta: number) {
      if (order.length === 0) return;
      const index = selectedId ? order.indexOf(selectedId) : -1;
      feed.open(order[Math.max(0, Math.min(order.length - 1, index === -1 ? 0 : index + delta))]!);
    },
    markRisk(id: string, kind: 'at_risk' | 'breached') {
      risk.set(id, kind);
      render();
    },
    markAllRead() {
      unread.clear();
      render();
    },
    /** Loaded tickets, in order (the map's sites). */
    list(): Ticket[] {
      return order.map((id) => tickets.get(id)!);
    },
    render,
  };
  return feed;
}
