/**
 * The day board: one lane per technician on a time axis — working hours as the lane background,
 * planned visits as blocks, the travel before each visit as a hatched lead-in, free gaps marked,
 * and a "now" line. Data: GET /api/v1/schedule?date= (dispatch module). Without that module the
 * board falls back to each known technician's open assigned tickets, unscheduled.
 */
import { api, ApiError, optional, today } from './api.js';
import { avatar, duration, empty, fmtTime, h, mount, skeleton, titleCase, toastError } from './ui.js';

const HOUR = 3_600_000;

/** Shifts a YYYY-MM-DD date by `days`. */
export function shiftDate(date, days) {
  const d = new Date(`${date}T12:00:00`);
  d.setDate(d.getDate() + days);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function createBoard({ el, dateEl, onOpenTicket, knownTechnicians, rememberTechnicians }) {
  let date = today();
  let data = null; // { mode: 'schedule', technicians } | { mode: 'fallback', lanes } | { error }
  let loading = false;
  let seq = 0;
  let highlightTicketId = null;

  async function load() {
    const mine = ++seq;
    loading = true;
    render();
    try {
      const schedule = await optional(`/schedule?date=${date}`, null);
      if (mine !== seq) return;
      if (schedule) {
        data = { mode: 'schedule', technicians: schedule.technicians };
        rememberTechnicians(schedule.technicians.map((t) => ({ technicianId: t.technicianId, name: t.name })));
      } else {
        const techs = knownTechnicians();
        const lanes = await Promise.all(
          techs.map(async (t) => ({ ...t, tickets: (await api('GET', `/tickets?technicianId=${t.technicianId}&open=true&limit=20`)).items })),
        );
        if (mine !== seq) return;
        data = { mode: 'fallback', lanes };
      }
    } catch (error) {
      if (mine !== seq) return;
      data = { error };
      if (!(error instanceof ApiError && error.status === 401)) toastError(error, 'Day board');
    } finally {
      if (mine === seq) {
        loading = false;
        render();
      }
    }
  }

  function renderHeader() {
    const label = new Date(`${date}T12:00:00`).toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
    mount(
      dateEl,
      h('button.btn.btn-ghost.btn-sm', { type: 'button', title: 'Previous day', 'aria-label': 'Previous day', onclick: () => setDate(shiftDate(date, -1)) }, '‹'),
      h('span.board-date', { title: date }, date === today() ? `Today · ${label}` : label),
      h('button.btn.btn-ghost.btn-sm', { type: 'button', title: 'Next day', 'aria-label': 'Next day', onclick: () => setDate(shiftDate(date, 1)) }, '›'),
      date !== today() ? h('button.btn.btn-ghost.btn-sm', { type: 'button', onclick: () => setDate(today()) }, 'Today') : null,
    );
  }

  function render() {
    renderHeader();
    if (loading && !data) return mount(el, skeleton(3));
    if (!data) return mount(el, empty('No board yet', null));
    if (data.error) return mount(el, empty('Day board unavailable', data.error.problem?.detail ?? data.error.message, '!'));
    if (data.mode === 'fallback') return mount(el, fallback(data.lanes));
    if (data.technicians.length === 0) return mount(el, empty('No technicians', 'Technicians with a profile appear here with their day.', '☺'));
    return mount(el, timeline(data.technicians));
  }

  function timeline(technicians) {
    const dayStart = new Date(`${date}T00:00:00`).getTime();
    const times = technicians.flatMap((t) => [...t.workingHours, ...t.visits].flatMap((w) => [new Date(w.start).getTime(), new Date(w.end).getTime()]));
    const first = Math.min(dayStart + 7 * HOUR, ...times);
    const last = Math.max(dayStart + 18 * HOUR, ...times);
    const start = Math.floor((first - dayStart) / HOUR) * HOUR + dayStart;
    const end = Math.ceil((last - dayStart) / HOUR) * HOUR + dayStart;
    const pct = (t) => `${(((t - start) / (end - start)) * 100).toFixed(3)}%`;
    const width = (a, b) => `${(((b - a) / (end - start)) * 100).toFixed(3)}%`;
    const hours = [];
    for (let t = start; t <= end; t += HOUR) hours.push(t);
    const now = Date.now();

    const lanes = technicians.map((tech) => {
      const busy = tech.visits.filter((v) => v.status !== 'cancelled').reduce((s, v) => s + (new Date(v.end) - new Date(v.start)), 0);
      const worked = tech.workingHours.reduce((s, w) => s + (new Date(w.end) - new Date(w.start)), 0);
      const load = worked > 0 ? Math.round((busy / worked) * 100) : 0;
      return h(
        `div.lane${tech.absent ? '.absent' : ''}`,
        { dataset: { technicianId: tech.technicianId } },
        h('div.lane-who', avatar(tech.name, 'sm'), h('div', h('div.lane-name', tech.name), h('div.muted.small', tech.absent ? 'Absent' : `${tech.visits.length} visit${tech.visits.length === 1 ? '' : 's'} · ${load}% booked`))),
        h(
          'div.lane-track',
          tech.workingHours.map((w) => h('div.work', { style: { left: pct(new Date(w.start).getTime()), width: width(new Date(w.start).getTime(), new Date(w.end).getTime()) } })),
          (tech.gaps ?? []).filter((g) => g.minutes >= 30).map((g) =>
            h('div.gap', { title: `Free ${duration(g.minutes * 60_000)} (${fmtTime(g.start)}–${fmtTime(g.end)})`, style: { left: pct(new Date(g.start).getTime()), width: width(new Date(g.start).getTime(), new Date(g.end).getTime()) } }, g.minutes >= 60 ? `${duration(g.minutes * 60_000)} free` : ''),
          ),
          tech.visits.flatMap((v) => {
            const s = new Date(v.start).getTime();
            const e = new Date(v.end).getTime();
            const travel = (v.travelMinutesBefore ?? 0) * 60_000;
            return [
              travel > 0 ? h('div.travel', { title: `Travel ${Math.round(travel / 60_000)} min`, style: { left: pct(s - travel), width: width(s - travel, s) } }) : null,
              h(
                `button.visit.vs-${v.status}${v.ticketId === highlightTicketId ? '.highlight' : ''}`,
                { type: 'button', dataset: { ticketId: v.ticketId, visitId: v.visitId }, title: `${v.ticketNumber} · ${v.title}\n${fmtTime(v.start)}–${fmtTime(v.end)}${v.siteName ? ` · ${v.siteName}` : ''}`, style: { left: pct(s), width: width(s, e) }, onclick: () => onOpenTicket(v.ticketId) },
                h('span.visit-num', v.ticketNumber),
                h('span.visit-title', v.title),
                h('span.visit-time', `${fmtTime(v.start)}–${fmtTime(v.end)}${v.siteName ? ` · ${v.siteName}` : ''}`),
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

  function fallback(lanes) {
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
              h(`button.visit.vs-planned.static${t.id === highlightTicketId ? '.highlight' : ''}`, { type: 'button', dataset: { ticketId: t.id }, onclick: () => onOpenTicket(t.id) }, h('span.visit-num', t.number), h('span.visit-title', titleCase(t.title))),
            ),
          ),
        ),
      ),
    );
  }

  function setDate(value) {
    date = value;
    load();
  }

  return {
    load,
    setDate,
    highlight(ticketId) {
      highlightTicketId = ticketId;
      render();
    },
    get date() {
      return date;
    },
  };
}
