import type { Migration } from '../../kernel/db/migration.types.js';

/** Since when an open alarm's condition has been steady: "looks like the asset's new normal" (null: not). */
export const alarmsNewNormalMigration: Migration = {
  id: '0016_alarm_new_normal',
  sql: `ALTER TABLE alarms ADD COLUMN new_normal_since timestamptz;`,
};
