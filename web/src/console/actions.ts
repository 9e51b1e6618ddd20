/**
 * What the dispatcher does with a ticket in the panel: move it along the workflow (the moves
 * POST /tickets/:id/transitions allows from its status; hold needs a hold reason, cancel a
 * reason), change its priority (PATCH), reassign it (POST /assignment), plan it at a chosen
 * technician and time (the keyboard way to the board's drag and drop), and notes (activities).
 */
import { h } from '../shared/dom';
import { fmtDateTime, titleCase, toast, toastError } from '../shared/ui';
import { client, ok, type Ticket } from './api';
import { card } from './sections';

/** The workflow's moves (src/service/tickets/ticket-workflow.ts; the server refuses any other). */
export const TRANSITIONS: Readonly<Record<string, readonly string[]>> = {
  new: ['assigned', 'resolved', 'cancelled'],
  assigned: ['new', 'scheduled', 'en_route', 'in_progress', 'cancelled'],
  scheduled: ['assigned', 'en_route', 'in_progress', 'cancelled'],
  en_route: ['scheduled', 'in_progress', 'on_hold', 'cancelled'],
  in_progress: ['on_hold', 'scheduled', 'resolved'],
  on_hold: ['in_progress', 'scheduled', 'assigned', 'resolved', 'cancelled'],
  resolved: ['closed', 'in_progress'],
  closed: [],
  cancelled: [],
};
const HOLD_REASONS = [
  ['customer', 'Waiting for the customer (pauses the SLA)'],
  ['parts', 'Waiting for parts'],
  ['third_party', 'Waiting for a third party'],
] as const;
const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;

export type Activity = Awaited<ReturnType<typeof loadNotes>>[number];
export const loadNotes = async (ticketId: string) => (await ok(client.GET('/api/v1/activities', { params: { query: { ticketId, limit: 20 } } }))).items;

const label = (to: string, from: string): string =>
  from === 'on_hold' && to !== 'resolved' && to !== 'cancelled'
    ? `Resume (${titleCase(to).toLowerCase()})`
    : to === 'on_hold'
      ? 'Put on hold'
      : to === 'cancelled'
        ? 'Cancel ticket'
        : to === 'new'
          ? 'Unassign'
          : `Set ${titleCase(to).toLowerCase()}`;

const field = (text: string, control: HTMLElement): HTMLElement => h('label.field', h('span.field-label', text), control);

/** What the dispatcher typed, per ticket and field: the panel re-renders on every live update. */
const drafts = new Map<string, string>();
function drafted<E extends HTMLInputElement | HTMLTextAreaElement>(el: E, ticketId: string): E {
  const key = `${ticketId}:${el.name}`;
  el.value = drafts.get(key) ?? el.value;
  el.addEventListener('input', () => drafts.set(key, el.value));
  return el;
}
const clearDraft = (ticketId: string, name: string): boolean => drafts.delete(`${ticketId}:${name}`);

/** Lets `run` change the ticket and hands the result back; errors become a toast. */
async function act(what: string, run: () => Promise<Ticket>, done: (ticket: Ticket) => void): Promise<void> {
  try {
    const ticket = await run();
    toast('success', `${ticket.number}: ${what}`);
    done(ticket);
  } catch (error) {
    toastError(error, what);
  }
}

export function actionsCard(input: {
  ticket: Ticket;
  technicians: readonly { technicianId: string; name: string }[];
  onChanged(ticket: Ticket): void;
  onSchedule(technicianId: string, start: number): Promise<unknown>;
}): HTMLElement {
  const { ticket, technicians, onChanged } = input;
  const id = ticket.id;
  const moves = TRANSITIONS[ticket.status] ?? [];
  const reason = drafted(
    h('input.input', { type: 'text', name: 'reason', maxlength: '1000', placeholder: 'Why (required to cancel)' }) as HTMLInputElement,
    id,
  );
  const hold = h(
    'select.input',
    { name: 'holdReason' },
    HOLD_REASONS.map(([v, t]) => h('option', { value: v }, t)),
  ) as HTMLSelectElement;
  const transition = (to: string): void => {
    const why = reason.value.trim();
    if (to === 'cancelled' && !why) {
      reason.focus();
      toast('error', 'Say why it is cancelled', 'A cancellation needs a reason.');
      return;
    }
    const body = { to: to as 'new', ...(why ? { reason: why } : {}), ...(to === 'on_hold' ? { holdReason: hold.value as 'customer' } : {}) };
    void act(
      label(to, ticket.status),
      () => ok(client.POST('/api/v1/tickets/{id}/transitions', { params: { path: { id } }, body })),
      (t) => (clearDraft(id, 'reason'), onChanged(t)),
    );
  };

  const priority = h(
    'select.input',
    {
      name: 'priority',
      onchange: (e: Event) => {
        const value = (e.target as HTMLSelectElement).value as (typeof PRIORITIES)[number];
        void act(`priority ${value}`, () => ok(client.PATCH('/api/v1/tickets/{id}', { params: { path: { id } }, body: { priority: value } })), onChanged);
      },
    },
    PRIORITIES.map((p) => h('option', { value: p, selected: p === ticket.priority }, titleCase(p))),
  );
  const open = !['resolved', 'closed', 'cancelled'].includes(ticket.status);
  const techOptions = technicians.map((t) => h('option', { value: t.technicianId, selected: t.technicianId === ticket.technicianId }, t.name));
  const reassign = h(
    'select.input',
    {
      name: 'technician',
      disabled: !open,
      onchange: (e: Event) => {
        const technicianId = (e.target as HTMLSelectElement).value;
        if (!technicianId) return;
        void act('reassigned', () => ok(client.POST('/api/v1/tickets/{id}/assignment', { params: { path: { id } }, body: { technicianId } })), onChanged);
      },
    },
    h('option', { value: '' }, ticket.technicianId ? 'Choose…' : 'Unassigned'),
    techOptions,
  );

  // Plan at a chosen technician and time: the board's drag and drop, by keyboard.
  const planTech = h(
    'select.input',
    { name: 'planTechnician' },
    technicians.map((t) => h('option', { value: t.technicianId, selected: t.technicianId === ticket.technicianId }, t.name)),
  ) as HTMLSelectElement;
  const tomorrow = new Date(Date.now() + 86_400_000);
  tomorrow.setHours(8, 0, 0, 0);
  const local = new Date(tomorrow.getTime() - tomorrow.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  const planAt = h('input.input', { type: 'datetime-local', name: 'planStart', value: local, step: '900' }) as HTMLInputElement;

  return card(
    'Actions',
    null,
    h(
      'div.actions-row',
      { role: 'group', 'aria-label': 'Status' },
      moves.length
        ? moves.map((to) =>
            h(
              `button.btn.btn-sm${to === 'cancelled' ? '.btn-danger' : ''}`,
              { type: 'button', dataset: { to }, onclick: () => transition(to) },
              label(to, ticket.status),
            ),
          )
        : h('span.muted.small', `${titleCase(ticket.status)}: no further moves.`),
    ),
    moves.length ? h('div.field-row', field('Reason', reason), moves.includes('on_hold') ? field('Hold because', hold) : null) : null,
    h('div.field-row', field('Priority', priority), field('Technician', reassign)),
    open && technicians.length
      ? h(
          'form.field-row.plan-form',
          {
            onsubmit: (e: Event) => {
              e.preventDefault();
              const start = new Date(planAt.value).getTime();
              if (Number.isFinite(start)) void input.onSchedule(planTech.value, start);
            },
          },
          field('Plan with', planTech),
          field('Starting', planAt),
          h('button.btn.btn-sm.btn-primary', { type: 'submit' }, 'Plan visit'),
        )
      : null,
  );
}

export function notesCard(input: { ticket: Ticket; notes: readonly Activity[] | null; onAdded(): void }): HTMLElement {
  const { ticket, notes, onAdded } = input;
  const text = drafted(
    h('textarea.input', { name: 'note', rows: '2', maxlength: '5000', placeholder: 'Add a note for the team…' }) as HTMLTextAreaElement,
    ticket.id,
  );
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const body = text.value.trim();
    if (!body) return;
    try {
      await ok(client.POST('/api/v1/activities', { body: { kind: 'note', subject: body.split('\n')[0]!.slice(0, 120), body, ticketId: ticket.id } }));
      text.value = '';
      clearDraft(ticket.id, 'note');
      onAdded();
    } catch (error) {
      toastError(error, 'Note');
    }
  };
  return card(
    'Notes & activities',
    notes ? h('span.muted.small', `${notes.length}`) : null,
    h(
      'form.note-form',
      { onsubmit: (e: Event) => void submit(e) },
      h('label.field', h('span.field-label', 'Note'), text),
      h('button.btn.btn-sm', { type: 'submit' }, 'Add note'),
    ),
    notes?.length
      ? h(
          'ul.notes',
          notes.map((a) =>
            h(
              'li.note',
              h('div.muted.small', `${titleCase(a.kind)} · ${a.author?.name ?? 'someone'} · ${fmtDateTime(a.occurredAt)}`),
              h('div', a.body ?? a.subject),
            ),
          ),
        )
      : h('p.muted.small', notes ? 'No notes yet.' : 'Loading…'),
  );
}
