/** Contracts of the customer portal's reads: only what a customer may see of its own records. */
import { z } from 'zod';
import { NOTIFICATION_EVENTS } from '../notifications/notification.port.js';

export const portalIdParams = z.object({ id: z.uuid() });

export const portalSiteSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  address: z.string().nullable(),
  city: z.string().nullable(),
});
export const portalSiteList = z.object({ items: z.array(portalSiteSchema) });

export const EQUIPMENT_STATES = ['online', 'offline', 'not_connected'] as const;
export const portalAssetSchema = z.object({
  id: z.uuid(),
  name: z.string().nullable(),
  serialNumber: z.string(),
  modelId: z.string(),
  modelName: z.string().nullable(),
  siteId: z.uuid(),
  siteName: z.string(),
  state: z.enum(EQUIPMENT_STATES).describe('online/offline from its connected device; not_connected without one'),
  lastSeenAt: z.iso.datetime().nullable(),
  openAlarms: z.number().int().describe('Alarms not cleared yet'),
  warrantyEnd: z.string().nullable(),
});
export type PortalAsset = z.infer<typeof portalAssetSchema>;
export const portalAssetList = z.object({ items: z.array(portalAssetSchema) });

export const portalVisitSchema = z.object({
  id: z.uuid(),
  ticketId: z.uuid(),
  status: z.string(),
  plannedStart: z.iso.datetime(),
  plannedEnd: z.iso.datetime(),
  actualStart: z.iso.datetime().nullable(),
  actualEnd: z.iso.datetime().nullable(),
  outcome: z.string().nullable(),
  enRouteAt: z.iso.datetime().nullable().describe('When the technician set out'),
  etaAt: z.iso.datetime().nullable().describe('Current estimated arrival, once en route'),
  technicianFirstName: z.string().describe("The technician's first name only"),
});
export type PortalVisit = z.infer<typeof portalVisitSchema>;
export const portalVisitList = z.object({ items: z.array(portalVisitSchema) });

export const portalNoteSchema = z.object({
  id: z.uuid(),
  text: z.string(),
  at: z.iso.datetime(),
  authorName: z.string().describe('First name of the customer user who wrote it'),
});
export type PortalNote = z.infer<typeof portalNoteSchema>;
export const portalNoteList = z.object({ items: z.array(portalNoteSchema) });
export const createNoteBody = z.strictObject({ text: z.string().trim().min(1).max(4000) });

export const portalContactSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  jobTitle: z.string().nullable(),
  emails: z.array(z.string()),
  phones: z.array(z.string()),
  isPrimary: z.boolean(),
  language: z.string().nullable(),
  notifications: z.object({
    enabled: z.boolean().describe('Whether the contact is notified at all'),
    events: z.array(z.enum(NOTIFICATION_EVENTS)).describe('Events wanted; empty = every event'),
    explicit: z.boolean().describe('false: the defaults apply (the primary contact gets every event by e-mail; others none)'),
  }),
});
export type PortalContact = z.infer<typeof portalContactSchema>;
export const portalContactList = z.object({ items: z.array(portalContactSchema) });

export const portalPreferencesBody = z.strictObject({
  enabled: z.boolean(),
  events: z.array(z.enum(NOTIFICATION_EVENTS)).max(NOTIFICATION_EVENTS.length).describe('Empty = every event'),
});
export type PortalPreferences = z.infer<typeof portalPreferencesBody>;
