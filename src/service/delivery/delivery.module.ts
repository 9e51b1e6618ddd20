/**
 * Delivery of ticket events: the live feed (server-sent events over Redis pub/sub) and the webhook
 * subscriptions with their delivery log. The events themselves are published through the
 * TicketEvents port the composition root builds; the worker role POSTs the webhooks.
 */
import type { Core } from '../../kernel/core.js';
import { egressPolicyOf } from '../../kernel/egress/egress-policy.js';
import { defineModule } from '../../kernel/module.js';
import type { SecretBox } from '../../kernel/secrets/secret-box.js';
import { deliveryMigration } from './delivery.migration.js';
import { ticketStreamRoutes } from './ticket-stream.routes.js';
import { webhooksRoutes } from './webhooks.routes.js';
import { WebhooksService } from './webhooks.service.js';

export interface DeliveryDeps extends Pick<Core, 'db' | 'redis' | 'logger' | 'config'> {
  /** Seals the subscriptions' signing secrets at rest. */
  readonly secrets: SecretBox;
}

export const deliveryModule = defineModule({
  name: 'delivery',
  migrations: [deliveryMigration],
  build(deps: DeliveryDeps) {
    const webhooks = new WebhooksService(deps.db, deps.secrets);
    const egress = egressPolicyOf(deps.config);
    return {
      exports: { webhooks },
      routes: async (app) => {
        await ticketStreamRoutes(app, deps);
        await webhooksRoutes(app, { webhooks, egress });
      },
    };
  },
});
