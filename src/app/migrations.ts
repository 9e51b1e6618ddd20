/**
 * The application's schema migrations, collected from the features that own them, and `migrate`
 * bound to that list. Transitional: feature modules will declare their migrations and the
 * composition root will pass them to the kernel's runner (src/kernel/db/migrator.ts), which orders
 * them by id. Append new migrations in their feature's `<feature>.migration.ts`; never edit one
 * that has shipped (installed databases recorded its id).
 */
import type { Database } from '../kernel/db/database.js';
import type { Migration } from '../kernel/db/migration.types.js';
import { migrate as runMigrations, orderMigrations } from '../kernel/db/migrator.js';
import { customersMigration } from '../service/customers/customers.migration.js';
import { usersMigration } from '../access/users/users.migration.js';
import { ticketsMigration } from '../service/tickets/tickets.migration.js';
import { contactsMigration } from '../service/contacts/contacts.migration.js';
import { autoticketsMigration } from '../service/autotickets/autotickets.migration.js';
import { deliveryMigration } from '../service/delivery/delivery.migration.js';
import { stockMigration } from '../service/stock/stock.migration.js';
import { techniciansMigration } from '../service/technicians/technicians.migration.js';
import { notificationsMigration } from '../service/notifications/notifications.migration.js';
import { invoicingMigration } from '../service/invoicing/invoicing.migration.js';
import { preventiveMigration } from '../service/preventive/preventive.migration.js';
import { reportsMigration } from '../service/reports/reports.migration.js';
import { commandsMigration } from '../telemetry/commands/commands.migration.js';
import { authMigration } from '../access/auth/auth.migration.js';

export type { Migration };

/** Every migration, in the order they run. */
export const migrations: readonly Migration[] = orderMigrations([
  customersMigration, // 0001_foundation
  usersMigration, // 0002_users_and_audit
  ticketsMigration, // 0003_service
  contactsMigration, // 0004_crm_people
  autoticketsMigration, // 0005_alarms
  deliveryMigration, // 0006_delivery
  stockMigration,
  techniciansMigration,
  notificationsMigration,
  invoicingMigration,
  preventiveMigration,
  reportsMigration,
  commandsMigration,
  authMigration,
]);

/** Applies pending migrations; returns the ids applied. */
export function migrate(db: Database, list: readonly Migration[] = migrations): Promise<string[]> {
  return runMigrations(db, list);
}
