import type { Migration } from '../../kernel/db/migration.types.js';

/**
 * Outbox messages may carry files (the PDF documents): the ids of attachments in the
 * attachments store, read and attached by the SMTP sender when it sends (not copied into the
 * outbox). Webhook messages ignore them.
 */
export const notificationAttachmentsMigration: Migration = {
  id: '0016_notification_attachments',
  sql: `ALTER TABLE notification_outbox ADD COLUMN attachment_ids uuid[] NOT NULL DEFAULT '{}';`,
};
