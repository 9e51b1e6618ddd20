/** Web Push API contract: the VAPID public key and the signed-in user's push subscriptions. */
import { z } from 'zod';

const base64url = z.string().regex(/^[A-Za-z0-9_-]+={0,2}$/, 'base64url');

export const vapidKeySchema = z.object({
  publicKey: z.string().describe('applicationServerKey for PushManager.subscribe (base64url, uncompressed P-256 point)'),
});

export const subscribeBody = z.strictObject({
  endpoint: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .describe('PushSubscription.endpoint; must pass the egress policy (EGRESS_ALLOW)'),
  keys: z.strictObject({
    p256dh: base64url.min(80).max(100).describe('The browser’s P-256 public key'),
    auth: base64url.min(16).max(32).describe('The 16-byte authentication secret'),
  }),
  deviceLabel: z.string().trim().min(1).max(100).optional().describe('e.g. "Pixel 8, Chrome"'),
});
export type SubscribeInput = z.infer<typeof subscribeBody>;

export const subscriptionSchema = z.object({
  id: z.uuid(),
  endpoint: z.string(),
  deviceLabel: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  lastSentAt: z.iso.datetime().nullable(),
});
export type Subscription = z.infer<typeof subscriptionSchema>;
export const subscriptionListSchema = z.object({ items: z.array(subscriptionSchema) });
export const subscriptionParams = z.object({ id: z.uuid() });
