/**
 * The processes of one installation (api, broker, worker) start together and each migrates the
 * same PostgreSQL: every one of them must come up, and each migration must run exactly once.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openDatabase, type Database } from '../../src/kernel/db/database.js';
import { migrate, migrations } from '../../src/app/migrations.js';
import { databaseUrl, startPostgres } from '../harness/postgres.js';
import type { TestServer } from '../harness/servers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.destroy();
});

test('six migrators starting at once on a fresh database all succeed, and each migration is applied once', { timeout: 120_000 }, async () => {
  // The race is a matter of timing: several fresh databases, six separate pools each.
  for (let round = 0; round < 4; round++) {
    const name = `m_${round}`;
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const dbs: Database[] = await Promise.all(Array.from({ length: 6 }, () => openDatabase({ url: databaseUrl(server.url, name), dataDir: 'memory://' })));
    try {
      const results = await Promise.allSettled(dbs.map((db) => migrate(db)));
      expect(
        results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)),
        `round ${round}`,
      ).toEqual([]);
      const applied = results.flatMap((r) => (r as PromiseFulfilledResult<string[]>).value);
      expect(applied.sort()).toEqual(migrations.map((m) => m.id).sort());
      const { rows } = await dbs[0]!.query<{ id: string }>('SELECT id FROM schema_migrations');
      expect(rows).toHaveLength(migrations.length);
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
  }
});
