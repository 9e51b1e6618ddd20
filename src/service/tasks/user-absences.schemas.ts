/** Absences of any user (the technicians' absences are the same records): who substitutes, when. */
import { z } from 'zod';
import { absenceResultSchema, createAbsenceBody } from '../technicians/technicians.schemas.js';

export const userIdParams = z.object({ id: z.uuid() });
export const userAbsenceIdParams = z.object({ id: z.uuid(), absenceId: z.uuid() });

export const createUserAbsenceBody = createAbsenceBody.describe(
  "substituteId: an active staff user (for a technician: an active technician) who holds the user's open tasks and gets their reminders during the absence",
);

export const userAbsenceSchema = z.object({
  id: z.uuid(),
  userId: z.uuid(),
  startsAt: z.iso.datetime(),
  endsAt: z.iso.datetime(),
  substituteId: z.uuid().nullable(),
  reason: z.string().nullable(),
  cancelledAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
});
export type UserAbsence = z.infer<typeof userAbsenceSchema>;

export const userAbsenceResultSchema = z.object({
  absence: userAbsenceSchema,
  moved: absenceResultSchema.shape.moved.describe("A technician's planned visits in the window that went to the substitute"),
  needsAttention: absenceResultSchema.shape.needsAttention,
});
export type UserAbsenceResult = z.infer<typeof userAbsenceResultSchema>;

export const userAbsenceListSchema = z.object({ items: z.array(userAbsenceSchema) });
