/**
 * A maintenance plan's checklist item: a plain string (what plans always held), or an object
 * saying the technician must leave a note or a photo when ticking it. Both stay valid, so plans
 * stored before keep working.
 */
import { z } from 'zod';

export const CHECKLIST_REQUIREMENTS = ['note', 'photo'] as const;
export type ChecklistRequirement = (typeof CHECKLIST_REQUIREMENTS)[number];

const text = z.string().trim().min(1).max(500);

export const planChecklistItem = z.union([
  text,
  z.strictObject({ text, requires: z.enum(CHECKLIST_REQUIREMENTS).optional().describe('note: a note is required when ticked; photo: a photo (attachment)') }),
]);
export type PlanChecklistItem = z.infer<typeof planChecklistItem>;

export function checklistText(item: PlanChecklistItem): string {
  return typeof item === 'string' ? item : item.text;
}

export function checklistRequirement(item: PlanChecklistItem): ChecklistRequirement | null {
  return typeof item === 'string' ? null : (item.requires ?? null);
}
