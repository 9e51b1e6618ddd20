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
import { allMigrations } from './modules.js';

export type { Migration };

/** Every migration, in the order they run. */
export const migrations: readonly Migration[] = orderMigrations(allMigrations());

/** Applies pending migrations; returns the ids applied. */
export function migrate(db: Database, list: readonly Migration[] = migrations): Promise<string[]> {
  return runMigrations(db, list);
}
