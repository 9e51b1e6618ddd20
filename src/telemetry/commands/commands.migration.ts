import type { Migration } from '../../kernel/db/migration.types.js';

/**
 * Commands sent to devices: one row per command with its state. `pending` = stored, on its way to
 * the broker; `sent` = the broker took it (QoS 1; an offline device with a persistent session gets
 * it on reconnect); `acknowledged` = the device said it received it; `succeeded` / `failed` = the
 * device's final answer; `timed_out` = no final answer before expires_at.
 */
export const commandsMigration: Migration = {
  id: '0013_device_commands',
  sql: `
    CREATE TABLE device_commands (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      asset_id uuid NOT NULL REFERENCES assets(id),
      device_id text NOT NULL REFERENCES devices(id),
      ticket_id uuid REFERENCES tickets(id),
      command text NOT NULL,
      parameters jsonb NOT NULL,
      state text NOT NULL CHECK (state IN ('pending', 'sent', 'acknowledged', 'succeeded', 'failed', 'timed_out')),
      message text,
      result jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      sent_at timestamptz,
      acknowledged_at timestamptz,
      finished_at timestamptz,
      created_by_type text NOT NULL,
      created_by_id text NOT NULL
    );
    CREATE INDEX device_commands_asset_idx ON device_commands (asset_id, created_at, id);
    CREATE INDEX device_commands_ticket_idx ON device_commands (ticket_id, created_at, id) WHERE ticket_id IS NOT NULL;
    CREATE INDEX device_commands_open_idx ON device_commands (expires_at) WHERE state IN ('pending', 'sent', 'acknowledged');
  `,
};
