/**
 * The day board: one lane per technician on a time axis — working hours as the lane background,
 * planned visits as blocks, the travel before each visit as a hatched lead-in, free gaps marked,
 * and a "now" line. Data: GET /api/v1/schedule?date= (dispatch module). Without that module the
 * board falls back to each known technician's open assigned tickets, unscheduled.
 */
import { ApiError, today } from '../shared/api';
import { h, mount } from '../shared/dom';
import { avatar, duration, empty, errorText, fmtTime, skeleton, titleCase, toastError } from '../shared/ui';
import { client, ok, optional, type Schedule, type Ticket } from './api';

const HOUR = 3_600_000;

export interface KnownTechnician {
  technicianId: string;
  name: string;
}
type Lane = KnownTechnician & { tickets: Ticket[] };
type BoardData = { mode: 'schedule'; technicians: Schedule['technicians'] } | { mode: 'fallback'; lanes: Lane[] } | { mode: 'error'; error: unknown };

/** Shifts a YYYY-MM-DD date by `days`. */
export function shiftDate(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00`);
  d.setDate(d.getDate() + days);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export type Board = ReturnType<typeof createBoard>;

export function createBoard(options: {
  el: HTMLElement;
  dateEl: HTMLElement;
  onOpenTicket(id: string): void;
  knownTechnicians(): KnownTechnician[];
  rememberTechnicians(list: readonly KnownTechnician[]): void;
}) {
  const { el, dateEl, onOpenTicket, knownTechnicians, rememberTechnicians } = options;
  let date = today();
  let data: BoardData | null = null;
  let loading = false;
  let seq = 0;
  let highlightTicketId: string | null = null;

  async function load(): Promise<void> {
    const mine = ++seq;
    loading = true;
    render();
    try {
      const schedule = await optional(client.GET('/api/v1/schedule', { params: { query: { date } } }), null);
      if (mine !== seq) return;
      if (schedule) {
        data = { mode: 'schedule', technicians: schedule.technicians };
        rememberTechnicians(schedule.technicians.map((t) => ({ technicianId: t.technicianId, name: t.name })));
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
      if (!(error instanceof ApiError && error.status === 401)) toastError(error, 'Day board');
    } finally {
      if (mine === seq) {
        loading = false;
        render();
      }
    }
  }

  function renderHeader(): void {
    const label = new Date(`${date}T12:00:00`).toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
    mount(
      dateEl,
      h('button.btn.btn-ghost.btn-sm', { type: 'button', title: 'Previous day', 'aria-label': 'Previous day', onclick: () => setDate(shiftDate(date, -1)) }, '‹'),
      h('span.board-date', { title: date }, date === today() ? `Today · ${label}` : label),
      h('button.btn.btn-ghost.btn-sm', { type: 'button', title: 'Next day', 'aria-label': 'Next day', onclick: () => setDate(shiftDate(date, 1)) }, '›'),
      date !== today() ? h('button.btn.btn-ghost.btn-sm', { type: 'button', onclick: () => setDate(today()) }, 'Today') : null,
    );
  }

  function render(): void {
    renderHeader();
    if (loading && !data) mount(el, skeleton(3));
    else if (!data) mount(el, empty('No board yet'));
    else if (data.mode === 'error') mount(el, empty('Day board unavailable', errorText(data.error), '!'));
    else if (data.mode === 'fallback') mount(el, fallback(data.lanes));
    else if (data.technicians.length === 0) mount(el, empty('No technicians', 'Technicians with a profile appear here with their day.', '☺'));
    else mount(el, timeline(data.technicians));
  }

  function timeline(technicians: Schedule['technicians']): HTMLElement {
    const ms = (iso: string): number => new Date(iso).getTime();
    const dayStart = new Date(`${date}T00:00:00`).getTime();
    const times = technicians.flatMap((t) => [...t.workingHours, ...t.visits].flatMap((w) => [ms(w.start), ms(w.end)]));
    const first = Math.min(dayStart + 7 * HOUR, ...times);
    const last = Math.max(dayStart + 18 * HOUR, ...times);
    const start = Math.floor((first - dayStart) / HOUR) * HOUR + dayStart;
    const end = Math.ceil((last - dayStart) / HOUR) * HOUR + dayStart;
    const pct = (t: number): string => `${(((t - start) / (end - start)) * 100).toFixed(3)}%`;
    const width = (a: number, b: number): string => `${(((b - a) / (end - start)) * 100).toFixed(3)}%`;
    const hours: number[] = [];
    for (let t = start; t <= end; t += HOUR) hours.push(t);
    const now = Date.now();

    const lanes = technicians.map((tech) => {
      const busy = tech.visits.filter((v) => v.status !== 'cancelled').reduce((s, v) => s + (ms(v.end) - ms(v.start)), 0);
      const worked = tech.workingHours.reduce((s, w) => s + (ms(w.end) - ms(w.start)), 0);
      const booked = worked > 0 ? Math.round((busy / worked) * 100) : 0;
      return h(
        `div.lane${tech.absent ? '.absent' : ''}`,
        { dataset: { technicianId: tech.technicianId } },
        h(
          'div.lane-who',
          avatar(tech.name, 'sm'),
          h('div', h('div.lane-name', tech.name), h('div.muted.small', tech.absent ? 'Absent' : `${tech.visits.length} visit${tech.visits.length === 1 ? '' : 's'} · ${booked}% booked`)),
        ),
        h(
          'div.lane-track',
          tech.workingHours.map((w) => h('div.work', { style: { left: pct(ms(w.start)), width: width(ms(w.start), ms(w.end)) } })),
          (tech.gaps ?? [])
            .filter((g) => g.minutes >= 30)
            .map((g) =>
              h(
                'div.gap',
                { title: `Free ${duration(g.minutes * 60_000)} (${fmtTime(g.start)}–${fmtTime(g.end)})`, style: { left: pct(ms(g.start)), width: width(ms(g.start), ms(g.end)) } },
                g.minutes >= 60 ? `${duration(g.minutes * 60_000)} free` : '',
              ),
            ),
          tech.visits.flatMap((v) => {
            const s = ms(v.start);
            const e = ms(v.end);
            const travel = (v.travelMinutesBefore ?? 0) * 60_000;
            const where = v.siteName ? ` · ${v.siteName}` : '';
            return [
              travel > 0 ? h('div.travel', { title: `Travel ${Math.round(travel / 60_000)} min`, style: { left: pct(s - travel), width: width(s - travel, s) } }) : null,
              h(
                `button.visit.vs-${v.status}${v.ticketId === highlightTicketId ? '.highlight' : ''}`,
                {
                  type: 'button',
                  dataset: { ticketId: v.ticketId, visitId: v.visitId },
                  title: `${v.ticketNumber} · ${v.title}\n${fmtTime(v.start)}–${fmtTime(v.end)}${where}`,
                  style: { left: pct(s), width: width(s, e) },
                  onclick: () => onOpenTicket(v.ticketId),
                },
                h('span.visit-num', v.ticketNumber),
                h('span.visit-title', v.title),
                h('span.visit-time', `${fmtTime(v.start)}–${fmtTime(v.end)}${where}`),
              ),
            ];
          }),
          now > start && now < end && date === today() ? h('div.now', { style: { left: pct(now) } }) : null,
        ),
      );
    });
    return h(
      'div.timeline',
      h('div.axis-row', h('div.lane-who'), h('div.axis', hours.map((t) => h('span.tick', { style: { left: pct(t) } }, fmtTime(new Date(t).toISOString()))))),
      h('div.lanes', lanes),
    );
  }

  function fallback(lanes: Lane[]): HTMLElement {
    if (lanes.length === 0) return empty('No technicians yet', 'Open a ticket to see its ranked technicians; their work appears here.', '☺');
    return h(
      'div.lanes.lanes-fallback',
      h('div.muted.small.board-note', 'Scheduling is not installed: assigned open tickets, without times.'),
      lanes.map((l) =>
        h(
          'div.lane',
          { dataset: { technicianId: l.technicianId } },
          h('div.lane-who', avatar(l.name, 'sm'), h('div', h('div.lane-name', l.name), h('div.muted.small', `${l.tickets.length} open`))),
          h(
            'div.lane-track.lane-chips',
            l.tickets.map((t) =>
              h(
                `button.visit.vs-planned.static${t.id === highlightTicketId ? '.highlight' : ''}`,
                { type: 'button', dataset: { ticketId: t.id }, onclick: () => onOpenTicket(t.id) },
                h('span.visit-num', t.number),
                h('span.visit-title', titleCase(t.title)),
              ),
            ),
          ),
        ),
      ),
    );
  }

  function setDate(value: string): void {
    date = value;
    void load();
  }

  return {
    load,
    setDate,
    highlight(ticketId: string) {
      highlightTicketId = ticketId;
      render();
    },
    get date() {
      return date;
    },
  };
}
