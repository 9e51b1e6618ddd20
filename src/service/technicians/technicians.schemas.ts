/** Technicians API contract: profile (skills with levels, home base, hours), absences, location, MQTT token. */
import { z } from 'zod';
import { money } from '../../access/auth/money.js';
import { timeZoneSchema, workingHoursSchema } from './working-hours.js';

export const technicianIdParams = z.object({ id: z.uuid().describe('User id of a technician') });
export const absenceIdParams = z.object({ id: z.uuid(), absenceId: z.uuid() });

const instant = z.iso.datetime({ offset: true });
const latitude = z.number().min(-90).max(90);
const longitude = z.number().min(-180).max(180);
const skillName = z.string().trim().min(1).max(64);
export const skillLevel = z.number().int().min(1).max(5);

const locationSchema = z.object({
  lat: z.number(),
  lon: z.number(),
  accuracy: z.number().nullable().describe('Metres'),
  at: z.iso.datetime(),
  source: z.enum(['api', 'mqtt']),
});

export const technicianProfileSchema = z.object({
  technicianId: z.uuid(),
  name: z.string(),
  email: z.string(),
  active: z.boolean(),
  hasProfile: z.boolean().describe('False until the profile is first saved: defaults shown, scheduling rules not enforced'),
  skills: z.array(z.object({ name: z.string(), level: skillLevel })).describe('users.skills with their level 1–5 (default 3)'),
  territories: z.array(z.string()),
  homeBase: z.object({ lat: z.number(), lon: z.number(), label: z.string().nullable() }).nullable(),
  timezone: z.string(),
  workingHours: workingHoursSchema,
  hourlyCost: money('technician.hourlyCost', z.number().nullable()),
  pushUrl: z.string().nullable().describe('Webhook for assignment messages (push gateway)'),
  currentLocation: locationSchema.nullable(),
  mqtt: z.object({ clientId: z.string(), username: z.string(), topic: z.string(), tokenIssuedAt: z.iso.datetime().nullable() }),
  version: z.number().int().describe('Increments on every change; also sent as the ETag'),
  updatedAt: z.iso.datetime().nullable(),
});
export type TechnicianProfile = z.infer<typeof technicianProfileSchema>;
export const technicianListSchema = z.object({ items: z.array(technicianProfileSchema) });

/** PUT: creates or updates the profile; omitted fields keep their value (defaults for a new profile). */
export const updateProfileBody = z.strictObject({
  skills: z
    .array(z.strictObject({ name: skillName, level: skillLevel.default(3).describe('Default 3') }))
    .max(50)
    .refine((list) => new Set(list.map((s) => s.name.toLowerCase())).size === list.length, 'skill names must be unique')
    .optional()
    .describe('Replaces the skills; users.skills is set to these names'),
  territories: z.array(z.string().trim().min(1).max(64)).max(50).optional(),
  homeBase: z
    .strictObject({ lat: latitude, lon: longitude, label: z.string().trim().min(1).max(200).optional() })
    .nullable()
    .optional(),
  timezone: timeZoneSchema.optional().describe('Default UTC'),
  workingHours: workingHoursSchema.optional().describe('Default Monday–Friday 08:00–17:00'),
  hourlyCost: z.number().min(0).max(100_000).multipleOf(0.01).nullable().optional(),
  pushUrl: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .nullable()
    .optional(),
});
export type UpdateProfile = z.infer<typeof updateProfileBody>;

export const createAbsenceBody = z
  .strictObject({
    startsAt: instant,
    endsAt: instant,
    substituteId: z.uuid().optional().describe('Technician who takes over the planned visits in the window'),
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .refine((a) => Date.parse(a.endsAt) > Date.parse(a.startsAt), { message: 'endsAt must be after startsAt', path: ['endsAt'] });
export type CreateAbsence = z.infer<typeof createAbsenceBody>;

export const absenceSchema = z.object({
  id: z.uuid(),
  technicianId: z.uuid(),
  startsAt: z.iso.datetime(),
  endsAt: z.iso.datetime(),
  substituteId: z.uuid().nullable(),
  reason: z.string().nullable(),
  cancelledAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
});
export type Absence = z.infer<typeof absenceSchema>;

export const absenceResultSchema = z.object({
  absence: absenceSchema,
  moved: z.array(z.object({ visitId: z.uuid(), ticketId: z.uuid(), ticketNumber: z.string(), start: z.iso.datetime(), end: z.iso.datetime(), to: z.uuid() })),
  needsAttention: z
    .array(z.object({ visitId: z.uuid(), ticketId: z.uuid(), ticketNumber: z.string(), start: z.iso.datetime(), end: z.iso.datetime(), reason: z.string() }))
    .describe('Planned visits in the window that stayed with the absent technician (no substitute, or the substitute is not free)'),
});
export type AbsenceResult = z.infer<typeof absenceResultSchema>;
export const absenceListSchema = z.object({ items: z.array(absenceSchema) });

/** One position from the mobile app (REST body and MQTT payload of technicians/{id}/location). */
export const locationPayloadSchema = z.strictObject({
  lat: latitude,
  lon: longitude,
  accuracy: z.number().min(0).max(100_000).optional().describe('Metres'),
  at: z.union([z.number().int().positive(), instant]).optional().describe('Epoch ms or ISO 8601; default: when received'),
});
export type LocationPayload = z.infer<typeof locationPayloadSchema>;

export const locationHistorySchema = z.object({
  items: z.array(z.object({ lat: z.number(), lon: z.number(), accuracy: z.number().nullable(), at: z.iso.datetime(), source: z.enum(['api', 'mqtt']) })),
});

export const mqttCredentialsSchema = z.object({
  technicianId: z.uuid(),
  clientId: z.string().describe('MQTT client id and username: tech:<technicianId>'),
  username: z.string(),
  token: z.string().describe('MQTT password; shown once, only its hash is stored'),
  topic: z.string().describe('The one topic this client may publish to'),
  issuedAt: z.iso.datetime(),
});
