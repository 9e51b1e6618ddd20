/**
 * The CRM database port. Two drivers behind one interface: PGlite (Postgres in WebAssembly,
 * in-process, files in DATA_DIR) when DATABASE_URL is unset, node-postgres for a real server.
 * Same SQL, same migrations. Use `$1, $2` placeholders.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable } from './database.types.js';
import { openPgliteThread } from './pglite-thread.js';
import { withAfterCommit } from './after-commit.js';

export type { Database, Queryable } from './database.types.js';
export { afterCommit } from './after-commit.js';

export interface DatabaseOptions {
  /** postgres:// URL; unset = PGlite. */
  url?: string | undefined;
  /** Folder for PGlite's files; 'memory://' keeps it in memory (tests). */
  dataDir: string;
  /**
   * PGlite only: run it in a worker thread (pglite-thread.ts) so that its synchronous WebAssembly
   * never holds the caller's event loop. The platform always does; a script or a unit test may
   * keep it in-process. Default false.
   */
  thread?: boolean;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return withAfterCommit(await openDriver(options));
}

async function openDriver(options: DatabaseOptions): Promise<Database> {
  if (options.url) return openPostgres(options.url);
  let folder: string | undefined;
  if (options.dataDir !== 'memory://') {
    folder = path.resolve(options.dataDir, 'pglite');
    await mkdir(folder, { recursive: true });
  }
  return options.thread ? openPgliteThread(folder) : openPglite(folder);
}

async function openPglite(folder: string | undefined): Promise<Database> {
  const db = await PGlite.create(folder);
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    async query<T>(sql: string, params: readonly unknown[] = []) {
      const result = await q.query<T>(sql, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
  });
  // PGlite serialises queries and transactions itself (one connection, internal mutexes).
  return {
    driver: 'pglite',
    ...wrap(db),
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    close: () => db.close(),
  };
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // Fail fast on a wrong URL instead of at the first request.
  const client = await pool.connect();
  client.release();
  pool.on('error', () => undefined); // idle client errors surface on the next query
  const wrap = (q: pg.Pool | pg.PoolClient): Queryable => ({
    async query<T>(sql: string, params: readonly unknown[] = []) {
      const result = await q.query(sql, params as unknown[]);
      return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
    },
    async exec(sql: string) {
      await q.query(sql);
    },
  });
  return {
    driver: 'postgres',
    ...wrap(pool),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const conn = await pool.connect();
      try {
        await conn.query('BEGIN');
        const result = await fn(wrap(conn));
        await conn.query('COMMIT');
        return result;
      } catch (error) {
        await conn.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        conn.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}
