/**
 * Web Push to technicians' phones: VAPID keys (configured, or generated once and kept sealed in
 * the database), the users' subscriptions, a notifier that queues a push beside every technician
 * message, and the outbox channel that delivers them through the egress guard.
 */
import type { Core } from '../../kernel/core.js';
import type { EgressPort } from '../../kernel/egress/egress.js';
import { egressPolicyOf } from '../../kernel/egress/egress-policy.js';
import { defineModule } from '../../kernel/module.js';
import type { SecretBox } from '../../kernel/secrets/secret-box.js';
import { PushOutbox } from './push-outbox.js';
import { pushMigration } from './push.migration.js';
import { pushRoutes } from './push.routes.js';
import { PushService } from './push.service.js';
import { VapidKeyStore } from './vapid-keys.js';
import { WebPushChannel } from './web-push.channel.js';

export interface PushDeps extends Pick<Core, 'db' | 'clock' | 'config'> {
  readonly secrets: SecretBox;
  readonly egress: EgressPort;
  /** Queues the pushes (also used before this module is built, by the notifier and the activities). */
  readonly outbox: PushOutbox;
}

export const pushModule = defineModule({
  name: 'push',
  migrations: [pushMigration],
  build(deps: PushDeps) {
    const { db, clock, config } = deps;
    const keys = new VapidKeyStore({
      db,
      secrets: deps.secrets,
      configured: { publicKey: config.WEB_PUSH_VAPID_PUBLIC_KEY, privateKey: config.WEB_PUSH_VAPID_PRIVATE_KEY },
    });
    const push = new PushService(db, clock, keys, egressPolicyOf(config));
    const channel = new WebPushChannel({ db, clock, egress: deps.egress, keys, subject: config.WEB_PUSH_SUBJECT });
    return {
      exports: { push, channel, outbox: deps.outbox },
      routes: (app) => pushRoutes(app, { push }),
    };
  },
});
