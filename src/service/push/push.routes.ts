/** /api/v1/push/vapid-public-key and /api/v1/me/push-subscriptions — thin handlers over PushService. */
import { callerOf } from '../../access/auth/principal.js';
import { ALL_ROLES, type ZodApp } from '../../kernel/http/http.types.js';
import { subscribeBody, subscriptionListSchema, subscriptionParams, subscriptionSchema, vapidKeySchema } from './push.schemas.js';
import type { PushService } from './push.service.js';

const signedIn = { roles: ALL_ROLES };
const tags = ['push'];

export async function pushRoutes(app: ZodApp, { push }: { push: PushService }): Promise<void> {
  app.get(
    '/push/vapid-public-key',
    { config: signedIn, schema: { tags, summary: 'The VAPID public key to subscribe with (applicationServerKey)', response: { 200: vapidKeySchema } } },
    async () => ({ publicKey: await push.publicKey() }),
  );

  app.post(
    '/me/push-subscriptions',
    {
      config: signedIn,
      schema: {
        tags,
        summary: "Register this browser's push subscription (upsert by endpoint): assignments, reschedules, cancellations, customer notes",
        body: subscribeBody,
        response: { 200: subscriptionSchema, 201: subscriptionSchema },
      },
    },
    async (request, reply) => {
      const { subscription, created } = await push.subscribe(request.body, callerOf(request));
      return reply.status(created ? 201 : 200).send(subscription);
    },
  );

  app.get(
    '/me/push-subscriptions',
    { config: signedIn, schema: { tags, summary: 'My push subscriptions', response: { 200: subscriptionListSchema } } },
    async (request) => ({ items: await push.list(callerOf(request)) }),
  );

  app.delete(
    '/me/push-subscriptions/:id',
    { config: signedIn, schema: { tags, summary: 'Remove one of my push subscriptions', params: subscriptionParams } },
    async (request, reply) => {
      await push.remove(request.params.id, callerOf(request));
      return reply.status(204).send();
    },
  );
}
