/** Notifications API contract: the outbox (read, retry) and contact notification preferences. */
import { z } from 'zod';
import { pageQueryShape, pageSchema, sortQuery } from '../../kernel/http/paging.schemas.js';
import { NOTIFICATION_EVENTS } from './notification.port.js';

export const OUTBOX_STATUSES = ['pending', 'sending', 'sent', 'failed', 'gave_up'] as const;
export const NOTIFICATION_CHANNELS = ['email', 'webhook'] as const;

export const notificationIdParams = z.object({ id: z.uuid() });

export const notificationSchema = z.object({
  id: z.uuid().describe('Also the X-Telemend-Notification-Id header and the Message-ID local part: receivers deduplicate by it'),
  event: z.string(),
  dedupeKey: z.string(),
  ticketId: z.uuid().nullable(),
  visitId: z.uuid().nullable(),
  recipient: z.string().describe('contact:<id>, technician:<id> or user:<id> (task reminders)'),
  contactId: z.uuid().nullable(),
  technicianId: z.uuid().nullable(),
  channel: z.enum(NOTIFICATION_CHANNELS),
  address: z.string().describe('E-mail address or webhook URL'),
  language: z.string(),
  subject: z.string(),
  body: z.string(),
  status: z.enum(OUTBOX_STATUSES).describe('pending (waiting or retrying) | sending (claimed) | sent | failed (permanent error) | gave_up (too many attempts)'),
  attempts: z.number().int(),
  nextAttemptAt: z.iso.datetime(),
  lastError: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  sentAt: z.iso.datetime().nullable(),
});
export type Notification = z.infer<typeof notificationSchema>;

export const listNotificationsQuery = z.object({
  ...pageQueryShape,
  sort: sortQuery(['createdAt'], '-createdAt'),
  ticketId: z.uuid().optional(),
  status: z.enum(OUTBOX_STATUSES).optional(),
  event: z.string().trim().min(1).max(64).optional(),
  channel: z.enum(NOTIFICATION_CHANNELS).optional(),
});
export type ListNotifications = z.infer<typeof listNotificationsQuery>;

export const notificationPage = pageSchema(notificationSchema);

// ---- Contact preferences --------------------------------------------------------------------

export const contactPreferencesParams = z.object({ id: z.uuid() });

export const preferencesSchema = z.object({
  contactId: z.uuid(),
  explicit: z.boolean().describe('false: no preferences stored, the defaults apply (primary contact: every event by e-mail; others: none)'),
  enabled: z.boolean(),
  events: z.array(z.enum(NOTIFICATION_EVENTS)).describe('Events wanted; empty = every event'),
  channels: z.array(z.enum(NOTIFICATION_CHANNELS)),
  emailAddress: z.string().nullable().describe("One of the contact's addresses; null = the first"),
  webhookUrl: z.string().nullable(),
  webhookSecretSet: z.boolean().describe('The secret itself is never returned'),
  timeZone: z.string().nullable().describe('IANA zone for dates in messages; null = the platform default'),
  version: z.number().int(),
});
export type Preferences = z.infer<typeof preferencesSchema>;

const unique = <T>(list: readonly T[]) => new Set(list).size === list.length;
const timeZone = z
  .string()
  .max(64)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'an IANA time zone, e.g. Europe/Berlin');

/** PUT replaces the preferences; webhookSecret is write-only: absent keeps the stored one. */
export const putPreferencesBody = z.strictObject({
  enabled: z.boolean().default(true).describe('Default true'),
  events: z.array(z.enum(NOTIFICATION_EVENTS)).max(NOTIFICATION_EVENTS.length).refine(unique, 'no duplicates').default([]).describe('Default [] = every event'),
  channels: z.array(z.enum(NOTIFICATION_CHANNELS)).max(2).refine(unique, 'no duplicates').default(['email']).describe("Default ['email']"),
  emailAddress: z.email().max(254).nullable().default(null),
  webhookUrl: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .nullable()
    .default(null),
  webhookSecret: z
    .string()
    .min(16)
    .max(200)
    .optional()
    .describe('HMAC-SHA256 key for X-Telemend-Signature; required with the webhook channel unless already set'),
  timeZone: timeZone.nullable().default(null),
});
export type PutPreferences = z.infer<typeof putPreferencesBody>;
