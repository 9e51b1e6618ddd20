/**
 * The test database helper: PGlite in memory by default; with TELEMEND_TEST_POSTGRES=1 a fresh,
 * migrated database per call on the run's real PostgreSQL, dropped again on close.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openTestDatabase, testPostgresUrl } from '../harness/database.js';
import { migrations } from '../../src/app/migrations.js';

async function databasesOnServer(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 't\\_%'");
    return rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}

describe('openTestDatabase', () => {
  it('uses the driver the run asked for, migrated, one database per call', async () => {
    const [a, b] = await Promise.all([openTestDatabase(), openTestDatabase()]);
    try {
      expect(a.driver).toBe(testPostgresUrl() ? 'postgres' : 'pglite');
      const { rows } = await a.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
      expect(rows.map((r) => r.id)).toEqual(migrations.map((m) => m.id));
      await a.query("INSERT INTO customers (name) VALUES ('only in a')");
      expect((await a.query('SELECT 1 FROM customers')).rows).toHaveLength(1);
      expect((await b.query('SELECT 1 FROM customers')).rows).toHaveLength(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('drops its PostgreSQL database on close', async () => {
    const url = testPostgresUrl();
    const db = await openTestDatabase({ migrate: false });
    const { rows } = await db.query<{ name: string }>('SELECT current_database() AS name');
    const name = rows[0]!.name;
    if (url) expect(await databasesOnServer(url)).toContain(name);
    await db.close();
    if (url) expect(await databasesOnServer(url)).not.toContain(name);
    else expect(name).toBe('postgres'); // PGlite's single database
  });
});
