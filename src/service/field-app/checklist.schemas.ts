/** A visit's checklist: items from its maintenance plan or its fault's actions, and what the technician ticked. */
import { z } from 'zod';
import { CHECKLIST_REQUIREMENTS } from '../preventive/checklist-item.js';

export const checklistItemSchema = z.object({
  id: z.string().describe('Stable id of the item (derived from its text)'),
  text: z.string(),
  source: z.enum(['plan', 'fault']),
  required: z.boolean().describe('Plan items must be ticked before the visit closes as fixed; fault actions are guidance'),
  requires: z.enum(CHECKLIST_REQUIREMENTS).nullable().describe('note / photo: ticking needs one before the visit closes as fixed'),
  done: z.boolean(),
  note: z.string().nullable(),
  attachmentId: z.uuid().nullable(),
  updatedAt: z.iso.datetime().nullable(),
});
export type ChecklistItem = z.infer<typeof checklistItemSchema>;

export const checklistSchema = z.object({
  visitId: z.uuid(),
  source: z.enum(['plan', 'fault']).nullable().describe('plan: preventive visit; fault: the fault’s recommended actions; null: no checklist'),
  items: z.array(checklistItemSchema),
  complete: z.boolean().describe('Every required item is ticked with its note or photo'),
});
export type Checklist = z.infer<typeof checklistSchema>;

export const checklistParams = z.object({ id: z.uuid() });
export const checklistItemParams = z.object({ id: z.uuid(), itemId: z.string().min(1).max(64) });

export const checklistItemBody = z.strictObject({
  done: z.boolean(),
  note: z.string().trim().min(1).max(2000).nullable().optional().describe('Absent: kept; null: cleared'),
  attachmentId: z.uuid().nullable().optional().describe('A photo attached to this visit or its ticket (POST /visits/{id}/attachments); absent: kept'),
});
export type ChecklistItemInput = z.infer<typeof checklistItemBody>;
