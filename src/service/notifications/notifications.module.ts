/**
 * Customer and technician notifications: the outbox (read, retried by admins), the contacts'
 * preferences, and the worker role's outbox sender. Messages are queued by the Notifier port
 * the composition root builds, in the transaction of the ticket change that caused them.
 */
import type { Core } from '../../kernel/core.js';
import type { EgressPort } from '../../kernel/egress/egress.js';
import { egressPolicyOf } from '../../kernel/egress/egress-policy.js';
import { defineModule } from '../../kernel/module.js';
import type { SecretBox } from '../../kernel/secrets/secret-box.js';
import { notificationSenderTask } from './notification-sender.js';
import type { OutboxFileSource } from './notification-channels.js';
import { notificationAttachmentsMigration } from './notification-attachments.migration.js';
import { notificationsMigration } from './notifications.migration.js';
import { notificationsRoutes } from './notifications.routes.js';
import { NotificationsService } from './notifications.service.js';

export interface NotificationsDeps extends Pick<Core, 'db' | 'clock' | 'logger' | 'config'> {
  /** Seals (routes) and opens (sender) the contacts' webhook secrets. */
  readonly secrets: SecretBox;
  /** The sender's webhooks go through it (EGRESS_ALLOW). */
  readonly egress: EgressPort;
  /** The files of messages that carry attachments (the PDF documents). */
  readonly files?: OutboxFileSource | undefined;
}

export const notificationsModule = defineModule({
  name: 'notifications',
  migrations: [notificationsMigration, notificationAttachmentsMigration],
  build(deps: NotificationsDeps) {
    const notifications = new NotificationsService(deps.db, deps.clock, deps.secrets);
    const egress = egressPolicyOf(deps.config);
    return {
      exports: { notifications },
      routes: (app) => notificationsRoutes(app, { notifications, egress }),
      tasks: [notificationSenderTask(deps)],
    };
  },
});
