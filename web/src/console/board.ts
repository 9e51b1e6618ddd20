/**
 * The board: day and week views of every technician's schedule (GET /api/v1/schedule?date=, one
 * call per day shown) beside the queue of unscheduled work. Tickets dragged from the queue or the
 * feed, and visits dragged on the board, are planned by the drop target (board-drop.ts); a
 * focused visit moves with ← → (15 min) and resizes with Shift+← →. Without the dispatch module
 * the board falls back to each known technician's open assigned tickets, unscheduled.
 */
import { ApiError, today } from '../shared/api';
import { h, mount } from '../shared/dom';
import { empty, errorText, skeleton, toastError } from '../shared/ui';
import { client, ok, optional, type Ticket } from './api';
import { createDropTarget } from './board-drop';
import { dayView, fallbackView, weekView, type Day, type ScheduleVisit, type ViewHandlers } from './board-views';
import { setDropTarget } from './drag';
import { createQueue } from './queue';

export interface KnownTechnician {
  technicianId: string;
  name: string;
}
type Lane = KnownTechnician & { tickets: Ticket[] };
type BoardData = { mode: 'schedule'; days: Day[] } | { mode: 'fallback'; lanes: Lane[] } | { mode: 'error'; error: unknown };
export type BoardView = 'day' | 'week';

/** Shifts a YYYY-MM-DD date by `days`. */
export function shiftDate(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00`);
  d.setDate(d.getDate() + days);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
/** The Monday of a date's week. */
export const mondayOf = (date: string): string => shiftDate(date, -((new Date(`${date}T12:00:00`).getDay() + 6) % 7));

export type Board = ReturnType<typeof createBoard>;

export function createBoard(options: {
  el: HTMLElement;
  dateEl: HTMLElement;
  queueEl: HTMLElement;
  statusEl: HTMLElement;
  onOpenTicket(id: string): void;
  knownTechnicians(): KnownTechnician[];
  rememberTechnicians(list: readonly KnownTechnician[]): void;
  technicianName(id: string): string | undefined;
}) {
  const { el, dateEl, queueEl, statusEl, onOpenTicket, knownTechnicians, rememberTechnicians, technicianName } = options;
  let date = today();
  let view: BoardView = 'day';
  let data: BoardData | null = null;
  let loading = false;
  let seq = 0;
  let highlightTicketId: string | null = null;

  const queue = createQueue({ el: queueEl, onOpen: (id) => onOpenTicket(id) });
  const target = createDropTarget({
    root: el,
    statusEl,
    days: () => (data?.mode === 'schedule' ? data.days : []),
    technicianName: (id) => technicianName(id) ?? 'Technician',
    onPlanned: (ticketId) => {
      highlightTicketId = ticketId;
      void board.load();
    },
  });
  setDropTarget(target);

  const dates = (): string[] => (view === 'day' ? [date] : Array.from({ length: 7 }, (_, i) => shiftDate(mondayOf(date), i)));

  async function load(): Promise<void> {
    const mine = ++seq;
    loading = true;
    render();
    void queue.load();
    try {
      const schedules = await Promise.all(dates().map((d) => optional(client.GET('/api/v1/schedule', { params: { query: { date: d } } }), null)));
      if (mine !== seq) return;
      if (schedules.every((s) => s !== null)) {
        data = { mode: 'schedule', days: schedules.map((s, i) => ({ date: dates()[i]!, technicians: s!.technicians })) };
        rememberTechnicians(schedules[0]!.technicians.map((t) => ({ technicianId: t.technicianId, name: t.name })));
      } else {
        const lanes = await Promise.all(
          knownTechnicians().map(async (t) => ({
            ...t,
            tickets: (await ok(client.GET('/api/v1/tickets', { params: { query: { technicianId: t.technicianId, open: 'true', limit: 20 } } }))).items,
          })),
        );
        if (mine !== seq) return;
        data = { mode: 'fallback', lanes };
      }
    } catch (error) {
      if (mine !== seq) return;
      data = { mode: 'error', error };
      if (!(error instanceof ApiError && error.status === 401)) toastError(error, 'Board');
    } finally {
      if (mine === seq) {
        loading = false;
        render();
      }
    }
  }

  /** Keyboard alternative to dragging a visit: ← → move it by 15 minutes, Shift+← → change its end. */
  async function onVisitKey(event: KeyboardEvent, v: ScheduleVisit, technicianId: string): Promise<void> {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    event.preventDefault();
    event.stopPropagation();
    const step = (event.key === 'ArrowLeft' ? -15 : 15) * 60_000;
    const start = Date.parse(v.start);
    const end = Date.parse(v.end);
    const p = event.shiftKey
      ? { technicianId, ticketId: v.ticketId, visitId: v.visitId, start, end: Math.max(start + 15 * 60_000, end + step) }
      : { technicianId, ticketId: v.ticketId, visitId: v.visitId, start: start + step, end: end + step };
    highlightTicketId = v.ticketId;
    if (await target.commit(p)) el.querySelector<HTMLElement>(`.visit[data-visit-id="${v.visitId}"]`)?.focus();
  }

  function renderHeader(): void {
    const fmt = (d: string, opts: Intl.DateTimeFormatOptions): string => new Date(`${d}T12:00:00`).toLocaleDateString(undefined, opts);
    const days = dates();
    const label =
      view === 'day'
        ? date === today()
          ? `Today · ${fmt(date, { weekday: 'short', day: 'numeric', month: 'short' })}`
          : fmt(date, { weekday: 'short', day: 'numeric', month: 'short' })
        : `${fmt(days[0]!, { day: 'numeric', month: 'short' })} – ${fmt(days[6]!, { day: 'numeric', month: 'short' })}`;
    const step = view === 'day' ? 1 : 7;
    const unit = view === 'day' ? 'day' : 'week';
    mount(
      dateEl,
      h(
        'button.btn.btn-ghost.btn-sm',
        { type: 'button', title: `Previous ${unit}`, 'aria-label': `Previous ${unit}`, onclick: () => setDate(shiftDate(date, -step)) },
        '‹',
      ),
      h('span.board-date', { title: date }, label),
      h(
        'button.btn.btn-ghost.btn-sm',
        { type: 'button', title: `Next ${unit}`, 'aria-label': `Next ${unit}`, onclick: () => setDate(shiftDate(date, step)) },
        '›',
      ),
      !days.includes(today()) ? h('button.btn.btn-ghost.btn-sm', { type: 'button', onclick: () => setDate(today()) }, 'Today') : null,
    );
  }

  function render(): void {
    renderHeader();
    const handlers: ViewHandlers = { onOpenTicket, onVisitKey: (e, v, t) => void onVisitKey(e, v, t), highlightTicketId };
    if (loading && !data) mount(el, skeleton(3));
    else if (!data) mount(el, empty('No board yet'));
    else if (data.mode === 'error') mount(el, empty('Board unavailable', errorText(data.error), '!'));
    else if (data.mode === 'fallback') mount(el, fallbackView(data.lanes, handlers));
    else mount(el, view === 'day' || data.days.length === 1 ? dayView(data.days[0]!, handlers) : weekView(data.days, handlers));
  }

  function setDate(value: string): void {
    date = value;
    void load();
  }

  const board = {
    load,
    setDate,
    setView(value: BoardView) {
      if (view === value) return;
      view = value;
      data = null;
      void load();
    },
    highlight(ticketId: string) {
      highlightTicketId = ticketId;
      render();
    },
    /** Plans a ticket at a chosen technician and time (the panel's keyboard form). */
    schedule: (ticketId: string, technicianId: string, start: number) => target.commit({ ticketId, technicianId, start, end: null }),
    get date() {
      return date;
    },
    get view() {
      return view;
    },
    queue,
  };
  return board;
}
