/**
 * The database a test file works on. By default PGlite in memory. When the run was started with
 * TELEMEND_TEST_POSTGRES=1 (`npm run test:postgres`), global-setup started a real PostgreSQL and
 * provides its URL as `postgresUrl`: each call then creates a fresh database on it
 * (`CREATE DATABASE t_<random>`), and closing the returned Database drops it again.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../src/kernel/db/database.js';
import { migrate } from '../../src/app/migrations.js';
import { databaseUrl } from './postgres.js';

export interface TestDatabaseOptions {
  /** Apply the migrations before returning. Default true. */
  migrate?: boolean;
}

/** The real PostgreSQL of this run, or undefined when the run uses PGlite. */
export function testPostgresUrl(): string | undefined {
  const url = inject('postgresUrl');
  return url ? url : undefined;
}

async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A fresh, migrated database: PGlite in memory, or a new database on the run's PostgreSQL. */
export async function openTestDatabase(options: TestDatabaseOptions = {}): Promise<Database> {
  const serverUrl = testPostgresUrl();
  let db: Database;
  if (!serverUrl) {
    db = await openDatabase({ dataDir: 'memory://' });
  } else {
    const name = `t_${randomBytes(6).toString('hex')}`;
    await admin(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
    const inner = await openDatabase({ url: databaseUrl(serverUrl, name), dataDir: 'memory://' });
    db = {
      ...inner,
      async close() {
        await inner.close();
        await admin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      },
    };
  }
  if (options.migrate ?? true) await migrate(db);
  return db;
}
