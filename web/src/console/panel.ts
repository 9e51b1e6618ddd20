/**
 * The ticket panel: loads a ticket's diagnosis, asset, telemetry, reservations, visits and
 * technician suggestions in parallel (each card shows its own loading, empty and error state),
 * and assigns with one click: POST /tickets/:id/dispatch (plans the visit), or — when the
 * dispatch module is not installed — POST /tickets/:id/assignment.
 */
import { ApiError, today } from '../shared/api';
import { h, mount } from '../shared/dom';
import { empty, errorText, fmtDateTime, skeleton, toast, toastError } from '../shared/ui';
import {
  cached,
  client,
  ok,
  optional,
  type Asset,
  type Availability,
  type Customer,
  type Diagnosis,
  type Model,
  type Reservation,
  type Site,
  type Telemetry,
  type Ticket,
  type Visit,
} from './api';
import { actionsCard, loadNotes, notesCard, type Activity } from './actions';
import { showArticle } from './details';
import { commandsCard, loadCommands, mergeCommand, type Command } from './commands';
import { chartMetrics, evidenceCard } from './evidence';
import { panelHead } from './panel-head';
import { diagnosisCard, knowledgeCard, partsCard, slaCard, techniciansCard, visitsCard, workCard, type Candidate, type Excluded } from './sections';

const MIN = 60_000;

interface Current {
  id: string;
  ticket: Ticket | null;
  error?: unknown;
  diag?: Diagnosis | null;
  asset?: Asset | null;
  site?: Site | null;
  customer?: Customer | null;
  model?: Model | null;
  visits?: Visit[];
  reservations?: Reservation[] | null;
  availability?: Availability[] | null;
  candidates: Candidate[] | null;
  excluded?: Excluded[];
  source?: 'dispatch' | 'ranking';
  requiredSkill?: string | null;
  busyId: string | null;
  reserving?: boolean;
  metrics?: string[];
  metric?: string | null;
  telemetry?: Telemetry | 'loading' | { error: unknown };
  notes?: Activity[] | null;
  commands?: Command[] | null;
  /** The command chosen in the send form. */
  command?: string | null;
}

export type Panel = ReturnType<typeof createPanel>;

export function createPanel(options: {
  el: HTMLElement;
  onTicket(ticket: Ticket): void;
  onAssigned(ticket: Ticket): void;
  technicianName(id: string): string | undefined;
  rememberTechnicians(list: readonly Candidate[]): void;
  technicians(): { technicianId: string; name: string }[];
  onSchedule(ticketId: string, technicianId: string, start: number): Promise<unknown>;
}) {
  const { el, onTicket, onAssigned, technicianName, rememberTechnicians } = options;
  let current: Current | null = null;
  let loadSeq = 0;
  const visitsOf = async (id: string): Promise<Visit[]> => (await ok(client.GET('/api/v1/tickets/{id}/visits', { params: { path: { id } } }))).items;

  async function open(id: string, ticketHint?: Ticket): Promise<void> {
    const seq = ++loadSeq;
    const cur: Current = { id, ticket: ticketHint ?? null, candidates: null, busyId: null };
    current = cur;
    render();
    try {
      const ticket = await ok(client.GET('/api/v1/tickets/{id}', { params: { path: { id } } }));
      if (seq !== loadSeq) return;
      cur.ticket = ticket;
      onTicket(ticket);
      render();
      const assetId = ticket.assetId;
      const [diag, asset, visits, reservations] = await Promise.all([
        ok(client.GET('/api/v1/tickets/{id}/diagnosis', { params: { path: { id } } })).catch((e: unknown) =>
          e instanceof ApiError && e.status === 404 ? null : Promise.reject(e),
        ),
        assetId ? cached(`asset:${assetId}`, () => ok(client.GET('/api/v1/assets/{id}', { params: { path: { id: assetId } } }))) : null,
        visitsOf(id).catch(() => []),
        optional(client.GET('/api/v1/tickets/{id}/reservations', { params: { path: { id } } }), null).catch(() => null),
      ]);
      if (seq !== loadSeq) return;
      Object.assign(cur, { diag, asset, visits, reservations: reservations?.items ?? null });
      void refreshNotes(cur);
      if (asset)
        void loadCommands(asset.id).then(
          (list) => ((cur.commands = list), current === cur && render()),
          () => (cur.commands = []),
        );
      render();
      const siteId = ticket.siteId;
      const [site, customer, model] = await Promise.all([
        siteId ? cached(`site:${siteId}`, () => ok(client.GET('/api/v1/sites/{id}', { params: { path: { id: siteId } } }))).catch(() => null) : null,
        cached(`customer:${ticket.customerId}`, () => ok(client.GET('/api/v1/customers/{id}', { params: { path: { id: ticket.customerId } } }))).catch(
          () => null,
        ),
        asset
          ? cached(`model:${asset.modelId}`, () => ok(client.GET('/api/v1/models/{id}', { params: { path: { id: asset.modelId } } }))).catch(() => null)
          : null,
      ]);
      if (seq !== loadSeq) return;
      Object.assign(cur, { site, customer, model });
      render();
      void loadAvailability(cur, seq);
      await loadTechnicians(cur, seq);
      await loadTelemetry(cur, seq);
    } catch (error) {
      if (seq !== loadSeq) return;
      cur.error = error;
      render();
      toastError(error, 'Ticket');
    }
  }

  async function refreshNotes(cur: Current): Promise<void> {
    cur.notes = await loadNotes(cur.id).catch(() => null);
    if (current === cur) render();
  }

  /** A ticket changed by an action: shown, handed to the feed, the visits and the board refreshed. */
  async function changed(cur: Current, ticket: Ticket): Promise<void> {
    if (current !== cur) return;
    cur.ticket = ticket;
    onTicket(ticket);
    render();
    cur.visits = await visitsOf(cur.id).catch(() => cur.visits ?? []);
    onAssigned(ticket);
    if (current === cur) render();
  }

  async function loadTechnicians(cur: Current, seq: number): Promise<void> {
    let suggestions = null;
    try {
      suggestions = await optional(
        client.GET('/api/v1/tickets/{id}/technician-suggestions', { params: { path: { id: cur.id }, query: { date: today() } } }),
        null,
      );
    } catch (error) {
      toastError(error, 'Suggestions');
    }
    if (seq !== loadSeq) return;
    if (suggestions) {
      Object.assign(cur, { candidates: suggestions.candidates, excluded: suggestions.excluded, source: 'dispatch', requiredSkill: suggestions.requiredSkill });
    } else {
      const ranking = cur.diag?.prefill.technicians;
      // Diagnoses stored before the one ranking have a single `reason`; newer ones the ranking's own fields.
      cur.candidates = (ranking?.candidates ?? []).map((c) =>
        'reasons' in c ? c : { ...c, reasons: [c.reason], slot: null, travelMinutes: null, loadMinutes: null },
      );
      Object.assign(cur, { excluded: [], source: 'ranking', requiredSkill: ranking?.requiredSkill ?? null });
    }
    rememberTechnicians(cur.candidates ?? []);
    render();
  }

  async function loadAvailability(cur: Current, seq: number): Promise<void> {
    const skus = (cur.diag?.prefill.parts ?? []).map((p) => p.sku);
    if (skus.length === 0) return;
    const near = cur.site?.latitude != null && cur.site.longitude != null ? { latitude: cur.site.latitude, longitude: cur.site.longitude } : {};
    const result = await optional(client.GET('/api/v1/stock/availability', { params: { query: { skus: skus.join(','), ...near } } }), null).catch(() => null);
    if (seq !== loadSeq) return;
    cur.availability = result?.items ?? null;
    render();
  }

  async function reserveParts(): Promise<void> {
    const cur = current;
    if (!cur) return;
    const items = (cur.diag?.prefill.parts ?? []).map((p) => ({ sku: p.sku, quantity: p.quantity }));
    if (items.length === 0 || cur.reserving) return;
    cur.reserving = true;
    render();
    try {
      const result = await ok(client.POST('/api/v1/tickets/{id}/reservations', { params: { path: { id: cur.id } }, body: { items } }));
      const short = result.items.filter((r) => r.status !== 'reserved');
      if (short.length)
        toast(
          'error',
          `${short.length} part${short.length === 1 ? '' : 's'} not fully reserved`,
          short.map((r) => `${r.sku}: ${r.status.replace('_', ' ')}`).join(', '),
        );
      else
        toast('success', 'Parts reserved', `${result.items.length} line${result.items.length === 1 ? '' : 's'} held for ${cur.ticket?.number ?? 'the ticket'}`);
      if (current !== cur) return;
      cur.reservations = (await ok(client.GET('/api/v1/tickets/{id}/reservations', { params: { path: { id: cur.id } } }))).items;
      await loadAvailability(cur, loadSeq);
    } catch (error) {
      toastError(error, 'Reserve');
    } finally {
      cur.reserving = false;
      if (current === cur) render();
    }
  }

  async function loadTelemetry(cur: Current, seq: number): Promise<void> {
    const { diag, asset, model } = cur;
    if (!diag || !asset || !model) return;
    const metrics = chartMetrics(diag, model);
    cur.metrics = metrics;
    cur.metric ??= metrics[0] ?? null;
    if (!cur.metric) return render();
    const at = new Date(diag.prefill.finding.at).getTime();
    const to = Math.min(Date.now(), at + 90 * MIN);
    const from = Math.min(at - 90 * MIN, to - 10 * MIN);
    cur.telemetry = 'loading';
    render();
    try {
      const query = { metric: cur.metric, from: new Date(from).toISOString(), to: new Date(to).toISOString() };
      const data = await ok(client.GET('/api/v1/assets/{id}/telemetry', { params: { path: { id: asset.id }, query } }));
      if (seq !== loadSeq) return;
      cur.telemetry = data;
    } catch (error) {
      if (seq !== loadSeq) return;
      cur.telemetry = { error };
    }
    render();
  }

  async function assign(candidate: Candidate): Promise<void> {
    const cur = current;
    if (!cur?.ticket || cur.busyId) return;
    const { id } = cur;
    cur.busyId = candidate.technicianId;
    render();
    try {
      let ticket: Ticket;
      let visit: { plannedStart?: string | null; start?: string | null } | null = null;
      try {
        const result = await ok(client.POST('/api/v1/tickets/{id}/dispatch', { params: { path: { id } }, body: { technicianId: candidate.technicianId } }));
        ticket = result.ticket;
        visit = result.visit;
      } catch (error) {
        if (!(error instanceof ApiError && error.noRoute)) throw error;
        ticket = await ok(client.POST('/api/v1/tickets/{id}/assignment', { params: { path: { id } }, body: { technicianId: candidate.technicianId } }));
      }
      if (current !== cur) return;
      cur.ticket = ticket;
      onTicket(ticket);
      toast(
        'success',
        `${ticket.number} assigned to ${candidate.name}`,
        visit ? `Visit ${fmtDateTime(visit.plannedStart ?? visit.start)}` : 'No visit planned yet',
      );
      cur.visits = await visitsOf(id).catch(() => cur.visits ?? []);
      onAssigned(ticket);
    } catch (error) {
      toastError(error, 'Assign');
    } finally {
      cur.busyId = null;
      if (current === cur) render();
    }
  }

  /** Renders, keeping the focus on the form field the dispatcher is in (drafts live in actions.ts). */
  function render(): void {
    const active = document.activeElement;
    const name = active && el.contains(active) ? active.getAttribute('name') : null;
    draw();
    if (name) el.querySelector<HTMLElement>(`[name="${name}"]`)?.focus();
  }

  function draw(): void {
    const cur = current;
    if (!cur) {
      mount(
        el,
        h('div.panel-empty', empty('Select a ticket', 'Pick a ticket in the feed, or press J / K to move through it. New auto-tickets arrive live.', '⌘')),
      );
      return;
    }
    const { ticket, diag, asset, site, customer, model } = cur;
    if (!ticket) {
      mount(el, h('div.panel-pad', skeleton(2), skeleton(6), skeleton(4)));
      return;
    }
    const best = cur.candidates?.find((c) => c.technicianId !== ticket.technicianId);
    const head = panelHead({
      ticket,
      customer,
      site,
      asset,
      model,
      assignee: ticket.technicianId ? (technicianName(ticket.technicianId) ?? 'technician') : null,
      best: best && !ticket.technicianId ? best : null,
      busy: Boolean(cur.busyId),
      onAssign: (c) => void assign(c),
      onClose: close,
    });
    if (cur.error) {
      mount(el, head, h('div.panel-pad', empty('Could not load this ticket', errorText(cur.error), '!')));
      return;
    }
    const loaded = 'diag' in cur;
    const d = diag ?? null;
    mount(
      el,
      head,
      h(
        'div.panel-grid',
        h(
          'div.col-main',
          loaded
            ? [
                diagnosisCard(d),
                evidenceCard(
                  cur,
                  (m: string) => ((cur.metric = m), void loadTelemetry(cur, loadSeq)),
                  (el.querySelector('.col-main')?.clientWidth ?? 640) - 34,
                ),
                partsCard({
                  diag: d,
                  reservations: cur.reservations,
                  availability: cur.availability,
                  candidates: cur.candidates,
                  onReserve: () => void reserveParts(),
                  reserving: Boolean(cur.reserving),
                }),
                workCard(d),
                knowledgeCard(d, (id, title) => void showArticle(id, title)),
                notesCard({ ticket, notes: cur.notes ?? null, onAdded: () => void refreshNotes(cur) }),
              ]
            : [skeleton(6), skeleton(4)],
        ),
        h(
          'div.col-side',
          actionsCard({
            ticket,
            technicians: options.technicians(),
            onChanged: (t) => void changed(cur, t),
            onSchedule: async (technicianId, start) =>
              (await options.onSchedule(ticket.id, technicianId, start)) &&
              changed(cur, await ok(client.GET('/api/v1/tickets/{id}', { params: { path: { id: ticket.id } } }))),
          }),
          techniciansCard({
            candidates: cur.candidates,
            excluded: cur.excluded,
            source: cur.source,
            requiredSkill: cur.requiredSkill ?? d?.prefill.requiredSkill,
            assignedId: ticket.technicianId,
            busyId: cur.busyId,
            onAssign: (c) => void assign(c),
          }),
          slaCard(ticket, d),
          visitsCard(cur.visits, technicianName),
          asset
            ? commandsCard({
                assetId: asset.id,
                ticketId: ticket.id,
                model,
                commands: cur.commands,
                chosen: cur.command ?? null,
                onChoose: (name) => ((cur.command = name), render()),
                onSent: (command) => ((cur.commands = mergeCommand(cur.commands ?? [], command)), render()),
              })
            : null,
        ),
      ),
    );
  }

  function close(): void {
    loadSeq++;
    current = null;
    render();
    window.dispatchEvent(new CustomEvent('console:closed'));
  }

  render();
  return {
    open,
    close,
    get currentId(): string | null {
      return current?.id ?? null;
    },
    /** A stream update of the open ticket. */
    update(ticket: Ticket) {
      if (current?.id === ticket.id && (!current.ticket || current.ticket.version <= ticket.version)) {
        current.ticket = ticket;
        render();
      }
    },
    assignBest() {
      const best = current?.candidates?.find((c) => c.technicianId !== current?.ticket?.technicianId);
      if (best && !current?.ticket?.technicianId) void assign(best);
    },
    rerender: () => render(),
    /** A live command event: shown when it concerns the open ticket's asset. */
    commandUpdate(command: Command) {
      if (current?.asset?.id !== command.assetId || !current.commands) return;
      current.commands = mergeCommand(current.commands, command);
      render();
    },
  };
}
