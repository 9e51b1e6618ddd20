/** /api/v1/webhooks (admin): subscriptions and their delivery log. Thin handlers over WebhooksService. */
import type { ZodApp } from '../../kernel/http/http.types.js';
import { assertSendableUrl, type EgressPolicy } from '../../kernel/egress/egress-policy.js';
import type { WebhooksService } from './webhooks.service.js';
import {
  createdWebhookSchema,
  createWebhookBody,
  deliveriesQuery,
  deliveryList,
  updateWebhookBody,
  webhookIdParams,
  webhookList,
  webhookSchema,
} from './webhooks.schemas.js';

const admin = { roles: ['admin'] } as const;
const tags = ['webhooks'];

export interface WebhooksRoutesDeps {
  readonly webhooks: WebhooksService;
  /** EGRESS_ALLOW: a subscription URL the worker could not POST to is refused up front. */
  readonly egress: EgressPolicy;
}

export async function webhooksRoutes(app: ZodApp, { webhooks: service, egress }: WebhooksRoutesDeps): Promise<void> {
  app.post(
    '/webhooks',
    {
      // The response carries the secret: never stored for idempotent replay.
      config: { ...admin, idempotency: false },
      schema: {
        tags,
        summary: 'Subscribe a URL to ticket events (the secret is shown once)',
        body: createWebhookBody,
        response: { 201: createdWebhookSchema },
      },
    },
    async (request, reply) => {
      assertSendableUrl(egress, request.body.url, 'body.url');
      const created = await service.create(request.body);
      return reply.status(201).header('location', `/api/v1/webhooks/${created.id}`).send(created);
    },
  );

  app.get('/webhooks', { config: admin, schema: { tags, summary: 'List webhook subscriptions', response: { 200: webhookList } } }, async () => ({
    items: await service.list(),
  }));

  app.get(
    '/webhooks/:id',
    { config: admin, schema: { tags, summary: 'Read a webhook subscription', params: webhookIdParams, response: { 200: webhookSchema } } },
    async (request) => service.get(request.params.id),
  );

  app.patch(
    '/webhooks/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Change a webhook subscription (URL, secret, events, active)',
        params: webhookIdParams,
        body: updateWebhookBody,
        response: { 200: webhookSchema },
      },
    },
    async (request) => {
      assertSendableUrl(egress, request.body.url, 'body.url');
      return service.update(request.params.id, request.body);
    },
  );

  app.delete(
    '/webhooks/:id',
    { config: admin, schema: { tags, summary: 'Delete a webhook subscription and its log', params: webhookIdParams } },
    async (request, reply) => {
      await service.remove(request.params.id);
      return reply.status(204).send();
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Delivery log: one entry per attempt, newest first',
        params: webhookIdParams,
        querystring: deliveriesQuery,
        response: { 200: deliveryList },
      },
    },
    async (request) => ({ items: await service.deliveries(request.params.id, request.query.limit) }),
  );
}
