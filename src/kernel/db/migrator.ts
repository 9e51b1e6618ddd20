/**
 * Schema migrations runner: applies pending migrations in id order, each once, each in its own
 * transaction, and records each id in `schema_migrations(id, applied_at)`. Both drivers (PGlite in
 * its worker thread, node-postgres) run the same SQL through the `Database` port. Features declare
 * their migrations (`<feature>.migration.ts`); the application collects them and passes the list.
 *
 * Why our own runner and not node-pg-migrate or Kysely's Migrator (issue #13):
 * - Both keep their own bookkeeping: node-pg-migrate a `pgmigrations(id serial, name, run_on)`
 *   table, Kysely `kysely_migration(name, timestamp)` plus `kysely_migration_lock`; only the table
 *   name can be changed, not its columns. Every installed database records its migrations in
 *   `schema_migrations(id, applied_at)`, so either library would need a hand-written conversion
 *   of that table first, run by code like this anyway.
 * - Neither drives our `Database` port. node-pg-migrate wants a `pg.Client` (or URL) and holds a
 *   session-level advisory lock on that one connection; PGlite runs in a worker thread
 *   (pglite-thread.ts) and is no `pg.Client`. Kysely needs a dialect: we would write and keep a
 *   driver mapping its connection and begin/commit/rollback calls onto our worker-thread protocol,
 *   to use only its migrator (the project has no query builder).
 * - node-pg-migrate reads migrations from files in a folder (`dir`), not from code that features
 *   declare; Kysely takes them in code (a `MigrationProvider`) but only as `up(db)` functions.
 * - Their locking differs from ours: node-pg-migrate's `pg_try_advisory_lock` makes the second of
 *   two processes starting together fail ("Another migration is already running"), where ours
 *   waits its turn (test/db/migrations-concurrent.test.ts); Kysely runs all pending migrations in
 *   one transaction (or, with `disableTransactions`, none), where ours commits each one.
 * What remains to own is the short function below.
 */
import type { Database } from './database.types.js';
import type { Migration } from './migration.types.js';

/** A migration id: four digits, an underscore, then lower-case words (`0007_stock`). */
export const MIGRATION_ID = /^\d{4}_[a-z0-9_]+$/;

/** Advisory lock key: one migrator at a time across the processes sharing a database. */
const LOCK_KEY = 7_214_903_311;

/** The list of migrations given to the runner is malformed (a programming error, caught at start). */
export class MigrationListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationListError';
  }
}

/**
 * Checks the ids and returns the migrations in the order they run: by id, compared as strings of
 * code units (so `0013_device_commands` runs before `0013_user_token_version`, as it always has).
 */
export function orderMigrations(list: readonly Migration[]): Migration[] {
  const seen = new Set<string>();
  for (const migration of list) {
    if (!MIGRATION_ID.test(migration.id)) {
      throw new MigrationListError(`migration id "${migration.id}" does not match ${String(MIGRATION_ID)} (e.g. 0014_feature_change)`);
    }
    if (seen.has(migration.id)) throw new MigrationListError(`migration id "${migration.id}" is declared twice`);
    seen.add(migration.id);
  }
  return [...list].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Applies the pending migrations of `list`; returns the ids applied, in the order applied. */
export async function migrate(db: Database, list: readonly Migration[]): Promise<string[]> {
  const ordered = orderMigrations(list);
  // Under the lock too: two processes starting together (api, broker and worker of one
  // installation) would otherwise race on CREATE TABLE IF NOT EXISTS, which PostgreSQL does not
  // serialise — the loser fails on pg_type's unique index and that process does not start.
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
  });
  const applied: string[] = [];
  for (const migration of ordered) {
    // The lock is taken per transaction (xact lock): a second process waits, then sees the id
    // recorded and skips it, instead of failing.
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const seen = await tx.query('SELECT 1 FROM schema_migrations WHERE id = $1', [migration.id]);
      if (seen.rows.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (id) VALUES ($1)', [migration.id]);
      return true;
    });
    if (done) applied.push(migration.id);
  }
  return applied;
}
