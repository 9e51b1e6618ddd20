/** Contracts of /api/v1/webhooks: subscriptions and their delivery log. */
import { z } from 'zod';
import { TICKET_EVENT_TYPES } from './ticket-events.js';

/** Only http(s), no user:password@ in the URL (credentials belong in the signature secret). */
export const webhookUrl = z
  .string()
  .max(2000)
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute URL' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'only http and https URLs are allowed' });
    if (url.username || url.password)
      ctx.addIssue({ code: 'custom', message: 'credentials in the URL are not allowed; the payload is signed with the secret' });
  });

const eventType = z.enum(TICKET_EVENT_TYPES);

export const createWebhookBody = z.strictObject({
  url: webhookUrl,
  /** 16–200 characters; generated (64 hex characters) when omitted. Returned once, at creation. */
  secret: z.string().min(16).max(200).optional(),
  /** Event types to deliver; empty or omitted = all. */
  events: z.array(eventType).max(TICKET_EVENT_TYPES.length).optional(),
  active: z.boolean().optional(),
  description: z.string().max(500).optional(),
});
export type CreateWebhook = z.infer<typeof createWebhookBody>;

export const updateWebhookBody = z.strictObject({
  url: webhookUrl.optional(),
  secret: z.string().min(16).max(200).optional(),
  events: z.array(eventType).max(TICKET_EVENT_TYPES.length).optional(),
  active: z.boolean().optional(),
  description: z.string().max(500).nullable().optional(),
});
export type UpdateWebhook = z.infer<typeof updateWebhookBody>;

export const webhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  active: z.boolean(),
  description: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
});
export type Webhook = z.infer<typeof webhookSchema>;

/** The creation response: the only time the secret is shown. */
export const createdWebhookSchema = webhookSchema.extend({ secret: z.string() });

export const webhookIdParams = z.object({ id: z.uuid() });
export const webhookList = z.object({ items: z.array(webhookSchema) });

export const deliveryAttemptSchema = z.object({
  id: z.number().int(),
  deliveryId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  attempt: z.number().int(),
  status: z.enum(['delivered', 'failed', 'gave_up']),
  responseCode: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().int(),
  startedAt: z.string(),
  createdAt: z.string(),
});
export type DeliveryAttempt = z.infer<typeof deliveryAttemptSchema>;

export const deliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
export const deliveryList = z.object({ items: z.array(deliveryAttemptSchema) });
