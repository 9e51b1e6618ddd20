/**
 * What the board draws (pure: data in, elements out). The day view: one lane per technician on a
 * time axis — working hours as the lane background, planned visits as blocks (drag to move, drag
 * the right edge to resize), the travel before each visit hatched, free gaps marked, a "now" line.
 * The week view: the same lanes with seven day cells. Every track carries its time span
 * (data-start, data-end, ms) and technician, which is all the drop target needs.
 */
import { h } from '../shared/dom';
import { avatar, duration, empty, fmtTime, titleCase } from '../shared/ui';
import type { Schedule, Ticket } from './api';
import { startDrag } from './drag';

export const HOUR = 3_600_000;
export type Tech = Schedule['technicians'][number];
export type ScheduleVisit = Tech['visits'][number];
export interface Day {
  date: string;
  technicians: Tech[];
}
export interface ViewHandlers {
  onOpenTicket(id: string): void;
  onVisitKey(event: KeyboardEvent, visit: ScheduleVisit, technicianId: string): void;
  highlightTicketId: string | null;
}

const ms = (iso: string): number => new Date(iso).getTime();
export const dayStartOf = (date: string): number => new Date(`${date}T00:00:00`).getTime();

/** The hours shown: 07:00–18:00 at least, widened to every working hour and visit of the days shown. */
export function hourRange(days: readonly Day[]): [number, number] {
  let first = 7;
  let last = 18;
  for (const day of days) {
    const base = dayStartOf(day.date);
    for (const t of day.technicians)
      for (const w of [...t.workingHours, ...t.visits]) {
        first = Math.min(first, Math.max(0, Math.floor((ms(w.start) - base) / HOUR)));
        last = Math.max(last, Math.min(24, Math.ceil((ms(w.end) - base) / HOUR)));
      }
  }
  return [first, last];
}

function track(tech: Tech, date: string, [h0, h1]: [number, number], handlers: ViewHandlers, compact: boolean): HTMLElement {
  const start = dayStartOf(date) + h0 * HOUR;
  const end = dayStartOf(date) + h1 * HOUR;
  const clamp = (t: number): number => Math.max(start, Math.min(end, t));
  const pct = (t: number): string => `${(((clamp(t) - start) / (end - start)) * 100).toFixed(3)}%`;
  const width = (a: number, b: number): string => `${(((clamp(b) - clamp(a)) / (end - start)) * 100).toFixed(3)}%`;
  const now = Date.now();
  const visits = tech.visits.filter((v) => v.status !== 'cancelled' && ms(v.end) > start && ms(v.start) < end);
  return h(
    `div.lane-track${compact ? '.week-cell' : ''}`,
    { dataset: { start: String(start), end: String(end), technicianId: tech.technicianId, date } },
    tech.workingHours.map((w) => h('div.work', { style: { left: pct(ms(w.start)), width: width(ms(w.start), ms(w.end)) } })),
    compact
      ? null
      : (tech.gaps ?? [])
          .filter((g) => g.minutes >= 30)
          .map((g) =>
            h(
              'div.gap',
              {
                title: `Free ${duration(g.minutes * 60_000)} (${fmtTime(g.start)}–${fmtTime(g.end)})`,
                style: { left: pct(ms(g.start)), width: width(ms(g.start), ms(g.end)) },
              },
              g.minutes >= 60 ? `${duration(g.minutes * 60_000)} free` : '',
            ),
          ),
    visits.flatMap((v) => {
      const s = ms(v.start);
      const e = ms(v.end);
      const travel = (v.travelMinutesBefore ?? 0) * 60_000;
      const where = v.siteName ? ` · ${v.siteName}` : '';
      const label = `${v.ticketNumber} · ${v.title}, ${fmtTime(v.start)}–${fmtTime(v.end)}${where}`;
      const payload = (mode: 'move' | 'resize', event: PointerEvent) => () => ({
        kind: 'visit' as const,
        mode,
        visitId: v.visitId,
        ticketId: v.ticketId,
        technicianId: tech.technicianId,
        label: `${v.ticketNumber} ${mode === 'resize' ? 'ends' : 'moves'}…`,
        start: s,
        end: e,
        grabOffset: grabOffset(event, s, start, end),
      });
      const movable = v.status === 'planned';
      return [
        travel > 0 && !compact
          ? h('div.travel', { title: `Travel ${Math.round(travel / 60_000)} min`, style: { left: pct(s - travel), width: width(s - travel, s) } })
          : null,
        h(
          `button.visit.vs-${v.status}${v.ticketId === handlers.highlightTicketId ? '.highlight' : ''}`,
          {
            type: 'button',
            dataset: { ticketId: v.ticketId, visitId: v.visitId },
            title: `${label}${movable ? '\nDrag to move, drag the right edge to resize; ← → move 15 min, Shift+← → resize' : ''}`,
            style: { left: pct(s), width: width(s, e) },
            onclick: () => handlers.onOpenTicket(v.ticketId),
            onpointerdown: movable ? (event: PointerEvent) => startDrag(event, payload('move', event)) : undefined,
            onkeydown: movable ? (event: KeyboardEvent) => handlers.onVisitKey(event, v, tech.technicianId) : undefined,
          },
          h('span.visit-num', v.ticketNumber),
          compact ? null : h('span.visit-title', v.title),
          compact ? null : h('span.visit-time', `${fmtTime(v.start)}–${fmtTime(v.end)}${where}`),
          movable
            ? h('span.visit-resize', {
                'aria-hidden': 'true',
                onpointerdown: (event: PointerEvent) => {
                  event.stopPropagation();
                  startDrag(event, payload('resize', event));
                },
              })
            : null,
        ),
      ];
    }),
    now > start && now < end ? h('div.now', { style: { left: pct(now) } }) : null,
  );
}

/** Where in the visit the pointer took it (ms from its start), so a move keeps that point under the pointer. */
function grabOffset(event: PointerEvent, visitStart: number, start: number, end: number): number {
  const rect = (event.currentTarget as HTMLElement | null)?.closest('.lane-track')?.getBoundingClientRect();
  if (!rect) return 0;
  const at = start + ((event.clientX - rect.left) / rect.width) * (end - start);
  return Math.max(0, at - visitStart);
}

function who(tech: Tech, note: string): HTMLElement {
  return h('div.lane-who', avatar(tech.name, 'sm'), h('div', h('div.lane-name', tech.name), h('div.muted.small', tech.absent ? 'Absent' : note)));
}

export function dayView(day: Day, handlers: ViewHandlers): HTMLElement {
  if (day.technicians.length === 0) return empty('No technicians', 'Technicians with a profile appear here with their day.', '☺');
  const range = hourRange([day]);
  const hours: number[] = [];
  // Every hour on a working day; every third on a 24-hour one, so the labels do not collide.
  const step = range[1] - range[0] > 14 ? 3 : 1;
  for (let i = range[0]; i <= range[1]; i += step) hours.push(i);
  const left = (i: number): string => `${(((i - range[0]) / (range[1] - range[0])) * 100).toFixed(3)}%`;
  const lanes = day.technicians.map((tech) => {
    const busy = tech.visits.filter((v) => v.status !== 'cancelled').reduce((s, v) => s + (ms(v.end) - ms(v.start)), 0);
    const worked = tech.workingHours.reduce((s, w) => s + (ms(w.end) - ms(w.start)), 0);
    const booked = worked > 0 ? Math.round((busy / worked) * 100) : 0;
    return h(
      `div.lane${tech.absent ? '.absent' : ''}`,
      { dataset: { technicianId: tech.technicianId } },
      who(tech, `${tech.visits.length} visit${tech.visits.length === 1 ? '' : 's'} · ${booked}% booked`),
      track(tech, day.date, range, handlers, false),
    );
  });
  return h(
    'div.timeline',
    h(
      'div.axis-row',
      h('div.lane-who'),
      h(
        'div.axis',
        { 'aria-hidden': 'true' },
        hours.map((i) => h('span.tick', { style: { left: left(i) } }, `${String(i).padStart(2, '0')}:00`)),
      ),
    ),
    h('div.lanes', lanes),
  );
}

export function weekView(days: readonly Day[], handlers: ViewHandlers): HTMLElement {
  const techs = days[0]?.technicians ?? [];
  if (techs.length === 0) return empty('No technicians', 'Technicians with a profile appear here with their week.', '☺');
  const range = hourRange(days);
  const label = (date: string): string => new Date(`${date}T12:00:00`).toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
  return h(
    'div.timeline.week',
    h(
      'div.week-row.axis-row',
      h('div.lane-who.muted.small', `Each day ${String(range[0]).padStart(2, '0')}:00–${String(range[1]).padStart(2, '0')}:00`),
      days.map((d) => h('div.week-day', { dataset: { date: d.date } }, label(d.date))),
    ),
    h(
      'div.lanes',
      techs.map((tech) => {
        const cells = days.map((d) => d.technicians.find((t) => t.technicianId === tech.technicianId) ?? { ...tech, visits: [], workingHours: [], gaps: [] });
        const count = cells.reduce((n, t) => n + t.visits.filter((v) => v.status !== 'cancelled').length, 0);
        return h(
          'div.lane.week-row',
          { dataset: { technicianId: tech.technicianId } },
          who(tech, `${count} visit${count === 1 ? '' : 's'} this week`),
          cells.map((t, i) => track(t, days[i]!.date, range, handlers, true)),
        );
      }),
    ),
  );
}

/** Without the dispatch module: each known technician's open assigned tickets, without times. */
export function fallbackView(lanes: readonly { technicianId: string; name: string; tickets: Ticket[] }[], handlers: ViewHandlers): HTMLElement {
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
              `button.visit.vs-planned.static${t.id === handlers.highlightTicketId ? '.highlight' : ''}`,
              { type: 'button', dataset: { ticketId: t.id }, onclick: () => handlers.onOpenTicket(t.id) },
              h('span.visit-num', t.number),
              h('span.visit-title', titleCase(t.title)),
            ),
          ),
        ),
      ),
    ),
  );
}
