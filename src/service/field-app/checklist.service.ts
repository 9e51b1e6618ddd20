/**
 * A visit's checklist. Its items come from the visit's maintenance plan (a preventive visit: the
 * plan that generated its ticket) or else from its fault's recommended actions; what the
 * technician ticked is kept per item (visit_checklist_items). Plan items are required: closing the
 * visit as fixed needs each ticked, with its note or photo when the plan asks for one
 * (`assertComplete`, called in the closing transaction). Fault actions are guidance only.
 */
import { createHash } from 'node:crypto';
import type { Caller } from '../../kernel/caller.js';
import type { Queryable } from '../../kernel/db/database.js';
import { AppError, conflict, invalidField, notFound } from '../../kernel/errors.js';
import { recordAudit } from '../../access/audit/audit.service.js';
import { checklistRequirement, checklistText, type ChecklistRequirement, type PlanChecklistItem } from '../preventive/checklist-item.js';
import { faultOfTicket } from './ticket-fault.js';
import type { Checklist, ChecklistItem, ChecklistItemInput } from './checklist.schemas.js';

interface Definition {
  source: 'plan' | 'fault' | null;
  items: { id: string; text: string; source: 'plan' | 'fault'; required: boolean; requires: ChecklistRequirement | null }[];
}

interface StateRow {
  item_id: string;
  text: string;
  done: boolean;
  note: string | null;
  attachment_id: string | null;
  updated_at: Date;
}

/** Id of an item: a short hash of its text, numbered when the same text appears twice. */
function itemIds(texts: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return texts.map((text) => {
    const base = createHash('sha256').update(text).digest('base64url').slice(0, 12);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  });
}

async function definitionOf(q: Queryable, ticketId: string): Promise<Definition> {
  const { rows } = await q.query<{ checklist: PlanChecklistItem[] }>(
    `SELECT p.checklist FROM maintenance_occurrences o JOIN maintenance_plans p ON p.id = o.plan_id
      WHERE o.ticket_id = $1 ORDER BY o.created_at DESC LIMIT 1`,
    [ticketId],
  );
  const plan = rows[0]?.checklist ?? [];
  if (plan.length > 0) {
    const ids = itemIds(plan.map(checklistText));
    return {
      source: 'plan',
      items: plan.map((item, i) => ({ id: ids[i]!, text: checklistText(item), source: 'plan', required: true, requires: checklistRequirement(item) })),
    };
  }
  const actions = (await faultOfTicket(q, ticketId))?.actions ?? [];
  if (actions.length === 0) return { source: null, items: [] };
  const ids = itemIds(actions);
  return { source: 'fault', items: actions.map((text, i) => ({ id: ids[i]!, text, source: 'fault', required: false, requires: null })) };
}

/** A required item not done, or missing the note or photo it requires. */
function unmet(item: ChecklistItem): boolean {
  if (!item.required) return false;
  return !item.done || (item.requires === 'note' && !item.note) || (item.requires === 'photo' && !item.attachmentId);
}

export class ChecklistService {
  /** The checklist of a visit (of the given ticket), with what was ticked. */
  async of(q: Queryable, visit: { id: string; ticket_id: string }): Promise<Checklist> {
    const definition = await definitionOf(q, visit.ticket_id);
    const { rows } = await q.query<StateRow>('SELECT * FROM visit_checklist_items WHERE visit_id = $1', [visit.id]);
    const state = new Map(rows.map((r) => [r.item_id, r]));
    const items: ChecklistItem[] = definition.items.map((d) => {
      const s = state.get(d.id);
      return {
        ...d,
        done: s?.done ?? false,
        note: s?.note ?? null,
        attachmentId: s?.attachment_id ?? null,
        updatedAt: s ? s.updated_at.toISOString() : null,
      };
    });
    return { visitId: visit.id, source: definition.source, items, complete: !items.some(unmet) };
  }

  async get(q: Queryable, visitId: string, caller: Caller): Promise<Checklist> {
    return this.of(q, await this.visit(q, visitId, caller));
  }

  /** Ticks (or unticks) one item; the same request again changes nothing. */
  async set(tx: Queryable, visitId: string, itemId: string, input: ChecklistItemInput, caller: Caller, now: Date): Promise<Checklist> {
    const visit = await this.visit(tx, visitId, caller, { lock: true });
    if (caller.role === 'technician' && visit.technician_id !== caller.userId) throw new AppError('FORBIDDEN', 'Technicians may only change their own visits');
    if (visit.status === 'cancelled') throw conflict('A cancelled visit’s checklist cannot change', { visitStatus: 'cancelled' });
    const closed = await tx.query('SELECT 1 FROM visit_closures WHERE visit_id = $1', [visitId]);
    if (closed.rows.length > 0) throw conflict(`Visit ${visitId} is closed; its checklist cannot change`, { visitStatus: visit.status });
    const item = (await definitionOf(tx, visit.ticket_id)).items.find((i) => i.id === itemId);
    if (!item) throw notFound('checklist item', itemId);
    if (input.attachmentId) {
      const found = await tx.query('SELECT 1 FROM attachments WHERE id = $1 AND (visit_id = $2 OR ticket_id = $3)', [
        input.attachmentId,
        visitId,
        visit.ticket_id,
      ]);
      if (found.rows.length === 0) throw invalidField('body.attachmentId', `${input.attachmentId} is not an attachment of this visit or its ticket`);
    }
    await tx.query(
      `INSERT INTO visit_checklist_items (visit_id, item_id, text, done, note, attachment_id, updated_at, updated_by_type, updated_by_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (visit_id, item_id) DO UPDATE SET text = EXCLUDED.text, done = EXCLUDED.done,
         note = CASE WHEN $10 THEN EXCLUDED.note ELSE visit_checklist_items.note END,
         attachment_id = CASE WHEN $11 THEN EXCLUDED.attachment_id ELSE visit_checklist_items.attachment_id END,
         updated_at = EXCLUDED.updated_at, updated_by_type = EXCLUDED.updated_by_type, updated_by_id = EXCLUDED.updated_by_id`,
      [
        visitId,
        itemId,
        item.text,
        input.done,
        input.note ?? null,
        input.attachmentId ?? null,
        now,
        caller.actor.type,
        caller.actor.id,
        input.note !== undefined,
        input.attachmentId !== undefined,
      ],
    );
    await recordAudit(tx, caller.actor, { entity: 'visit', entityId: visitId, action: 'checklist', changes: { itemId, ...input } });
    return this.of(tx, visit);
  }

  /** Refuses (409, naming the items) to close a visit as fixed while a required item is unmet. */
  async assertComplete(q: Queryable, visit: { id: string; ticket_id: string }): Promise<void> {
    const checklist = await this.of(q, visit);
    const missing = checklist.items.filter(unmet);
    if (missing.length === 0) return;
    const what = (i: ChecklistItem) => (i.done ? `"${i.text}" (needs a ${i.requires})` : `"${i.text}"`);
    throw new AppError('CONFLICT', `The checklist is not complete: ${missing.map(what).join(', ')}`, {
      checklist: missing.map((i) => ({ id: i.id, text: i.text, done: i.done, requires: i.requires })),
    });
  }

  private async visit(q: Queryable, id: string, caller: Caller, options: { lock?: boolean } = {}) {
    const { rows } = await q.query<{ id: string; ticket_id: string; technician_id: string; status: string; customer_id: string }>(
      `SELECT v.id, v.ticket_id, v.technician_id, v.status, t.customer_id FROM visits v JOIN tickets t ON t.id = v.ticket_id WHERE v.id = $1${options.lock ? ' FOR UPDATE OF v' : ''}`,
      [id],
    );
    const visit = rows[0];
    if (!visit || (caller.customerId && visit.customer_id !== caller.customerId)) throw notFound('visit', id);
    return visit;
  }
}
