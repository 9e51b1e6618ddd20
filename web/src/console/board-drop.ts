/**
 * The board as the drop target. While a ticket or a visit is dragged over a technician's track,
 * the proposed slot is drawn there and checked: the technician's working hours and visits as the
 * board has them, then the server's POST /api/v1/dispatch/check (conflicts and working-hours
 * violations, without planning) when it exists. The drop plans it: POST /tickets/:id/dispatch
 * (a job longer than the free time of a day becomes consecutive visits) or PATCH /visits/:id
 * (move, resize); a refusal shows the server's reason.
 */
import { ApiError } from '../shared/api';
import { h, mount } from '../shared/dom';
import { errorText, fmtDateTime, fmtTime, toast } from '../shared/ui';
import { client, ok } from './api';
import type { DragPayload, DropTarget } from './drag';
import { HOUR, type Day } from './board-views';

const SNAP = 15 * 60_000;

export interface Proposal {
  technicianId: string;
  start: number;
  /** Null: the server decides (start + the labour estimate, over several days when needed). */
  end: number | null;
  ticketId: string;
  visitId?: string;
}

/** What is wrong with a proposal as far as the board's data knows (pure). */
export function localProblems(days: readonly Day[], p: Proposal): string[] {
  const problems: string[] = [];
  const end = p.end ?? p.start + SNAP;
  const mine = days.flatMap((d) => d.technicians.filter((t) => t.technicianId === p.technicianId));
  if (mine.length === 0) return problems;
  const hours = mine.flatMap((t) => t.workingHours).map((w) => [Date.parse(w.start), Date.parse(w.end)] as const);
  const inside = hours.some(([a, b]) => a <= p.start && (p.end === null ? p.start < b : end <= b));
  if (!inside) problems.push(p.end === null ? `Starts outside ${mine[0]!.name}'s working hours` : `Outside ${mine[0]!.name}'s working hours`);
  if (mine.some((t) => t.absent)) problems.push(`${mine[0]!.name} is absent that day`);
  for (const v of mine.flatMap((t) => t.visits)) {
    if (v.status === 'cancelled' || v.visitId === p.visitId) continue;
    if (Date.parse(v.start) < end && p.start < Date.parse(v.end)) problems.push(`Overlaps ${v.ticketNumber} ${fmtTime(v.start)}–${fmtTime(v.end)}`);
  }
  return problems;
}

export function createDropTarget(options: {
  root: HTMLElement;
  statusEl: HTMLElement;
  days(): readonly Day[];
  technicianName(id: string): string;
  onPlanned(ticketId: string): void;
}): DropTarget & {
  commit(p: Proposal): Promise<boolean>;
} {
  const { root, statusEl, days, technicianName, onPlanned } = options;
  let preview: HTMLElement | null = null;
  let lastKey = '';
  let checkTimer: number | undefined;
  let checkSeq = 0;

  function trackAt(x: number, y: number): HTMLElement | null {
    for (const el of document.elementsFromPoint(x, y)) {
      const found = (el as HTMLElement).closest<HTMLElement>('.lane-track[data-start]');
      if (found && root.contains(found)) return found;
    }
    return null;
  }

  function proposal(x: number, y: number, payload: DragPayload): { p: Proposal; track: HTMLElement } | null {
    const track = trackAt(x, y);
    if (!track) return null;
    const start = Number(track.dataset.start);
    const end = Number(track.dataset.end);
    const rect = track.getBoundingClientRect();
    const at = start + ((x - rect.left) / rect.width) * (end - start);
    const snap = (t: number): number => Math.round(t / SNAP) * SNAP;
    const technicianId = track.dataset.technicianId!;
    if (payload.kind === 'ticket') return { track, p: { technicianId, start: snap(at), end: null, ticketId: payload.ticketId } };
    if (payload.mode === 'resize')
      return {
        track,
        p: {
          technicianId: payload.technicianId,
          start: payload.start,
          end: Math.max(payload.start + SNAP, snap(at)),
          ticketId: payload.ticketId,
          visitId: payload.visitId,
        },
      };
    const moved = snap(at - payload.grabOffset);
    return { track, p: { technicianId, start: moved, end: moved + (payload.end - payload.start), ticketId: payload.ticketId, visitId: payload.visitId } };
  }

  const describe = (p: Proposal): string =>
    `${technicianName(p.technicianId)} · ${fmtDateTime(new Date(p.start).toISOString())}${p.end ? `–${fmtTime(new Date(p.end).toISOString())}` : ' (labour estimate)'}`;

  /** The proposal in the board's head: the server's plan (a long job: one visit a day) or what is wrong. */
  function show(p: Proposal, problems: string[] | null, pending: boolean, plan: readonly { start: string; end: string }[] = []): void {
    statusEl.className = `drop-status${problems?.length ? ' drop-bad' : pending ? '' : ' drop-ok'}`;
    const visits = plan.map((v) => `${fmtDateTime(v.start)}–${fmtTime(v.end)}`).join(' + ');
    mount(
      statusEl,
      h('b', describe(p)),
      problems?.length
        ? h('span.drop-problems', ` — ${problems.join('; ')}`)
        : pending
          ? h('span.muted', ' — checking…')
          : h('span', ` — free${plan.length > 1 ? `: ${visits}` : ''}`),
    );
    preview?.classList.toggle('bad', Boolean(problems?.length));
  }

  async function serverCheck(p: Proposal, seq: number): Promise<void> {
    try {
      const body = {
        technicianId: p.technicianId,
        ticketId: p.ticketId,
        start: new Date(p.start).toISOString(),
        ...(p.end ? { end: new Date(p.end).toISOString() } : {}),
        ...(p.visitId ? { visitId: p.visitId } : {}),
      };
      const result = await ok(client.POST('/api/v1/dispatch/check', { body }));
      if (seq !== checkSeq) return;
      show(
        p,
        result.problems.map((x) => x.message),
        false,
        result.visits.filter((v) => !v.helper),
      );
    } catch (error) {
      if (seq !== checkSeq) return;
      // No check route (older server): the board's own check stands.
      if (!(error instanceof ApiError && error.noRoute)) show(p, [errorText(error)], false);
    }
  }

  function clear(): void {
    preview?.remove();
    preview = null;
    lastKey = '';
    window.clearTimeout(checkTimer);
    checkSeq++;
  }

  async function commit(p: Proposal): Promise<boolean> {
    const iso = (t: number): string => new Date(t).toISOString();
    statusEl.className = 'drop-status';
    mount(statusEl, h('b', describe(p)), h('span.muted', ' — planning…'));
    try {
      if (p.visitId) {
        await ok(
          client.PATCH('/api/v1/visits/{id}', {
            params: { path: { id: p.visitId } },
            body: { technicianId: p.technicianId, plannedStart: iso(p.start), plannedEnd: iso(p.end!) },
          }),
        );
        toast('success', 'Visit moved', describe(p));
      } else {
        const result = await ok(
          client.POST('/api/v1/tickets/{id}/dispatch', { params: { path: { id: p.ticketId } }, body: { technicianId: p.technicianId, start: iso(p.start) } }),
        );
        const visits = result.visits.length ? result.visits : result.visit ? [result.visit] : [];
        toast('success', `${result.ticket.number} planned`, visits.map((v) => `${fmtDateTime(v.plannedStart)}–${fmtTime(v.plannedEnd)}`).join(', '));
      }
      statusEl.className = 'drop-status drop-ok';
      mount(statusEl, h('b', describe(p)), ' — planned');
      onPlanned(p.ticketId);
      return true;
    } catch (error) {
      statusEl.className = 'drop-status drop-refused';
      mount(statusEl, h('b', 'Refused: '), errorText(error));
      toast('error', 'Not planned', errorText(error));
      return false;
    }
  }

  return {
    commit,
    hover(x, y, payload) {
      const found = proposal(x, y, payload);
      if (!found) {
        clear();
        mount(statusEl, h('span.muted', 'Drop on a technician and a time'));
        return;
      }
      const { p, track } = found;
      const key = `${p.technicianId}|${p.start}|${p.end}`;
      if (key === lastKey) return;
      lastKey = key;
      const start = Number(track.dataset.start);
      const end = Number(track.dataset.end);
      const width = ((p.end ?? p.start + HOUR) - p.start) / (end - start);
      preview ??= h('div.drop-preview', { 'aria-hidden': 'true' });
      if (preview.parentElement !== track) track.append(preview);
      preview.style.left = `${(((p.start - start) / (end - start)) * 100).toFixed(3)}%`;
      preview.style.width = `${Math.min(1, width) * 100}%`;
      preview.classList.toggle('open-end', p.end === null);
      const problems = localProblems(days(), p);
      show(p, problems, true);
      window.clearTimeout(checkTimer);
      const seq = ++checkSeq;
      checkTimer = window.setTimeout(() => void serverCheck(p, seq), 120);
    },
    drop(x, y, payload) {
      const found = proposal(x, y, payload);
      clear();
      if (!found) {
        mount(statusEl);
        return;
      }
      void commit(found.p);
    },
    leave() {
      clear();
      mount(statusEl);
    },
  };
}
