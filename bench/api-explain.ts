/**
 * Explains where a request's database time goes: builds the app in-process on a Database wrapper
 * that runs every SELECT once under EXPLAIN (ANALYZE, BUFFERS) before running it for real, injects
 * one request, and returns the statements with their measured execution time and plan.
 */
import { buildApp } from '../src/app/http-app.js';
import type { AppContext } from '../src/app/context.js';
import type { Config } from '../src/kernel/config.js';
import { createLogger } from '../src/kernel/logger.js';
import type { Database, Queryable } from '../src/kernel/db/database.js';
import type { ModelRegistry } from '../src/telemetry/models/models.registry.js';
import { DevicesService } from '../src/telemetry/devices/devices.service.js';

export interface ExplainedStatement {
  sql: string;
  executionMs: number;
  plan: string;
}

export interface ExplainedRequest {
  path: string;
  status: number;
  statements: ExplainedStatement[];
}

function explaining(db: Database, sink: ExplainedStatement[]): Database {
  const wrap = (q: Queryable): Queryable => ({
    async query<T>(sql: string, params: readonly unknown[] = []) {
      if (/^\s*(SELECT|WITH)\b/i.test(sql) && !/\bFOR UPDATE\b/i.test(sql)) {
        const { rows } = await q.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
        const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
        const executionMs = Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? NaN);
        sink.push({ sql: sql.replace(/\s+/g, ' ').trim(), executionMs, plan });
      }
      return q.query<T>(sql, params);
    },
    exec: (sql) => q.exec(sql),
  });
  return { ...db, ...wrap(db), transaction: (fn) => db.transaction((tx) => fn(wrap(tx))) };
}

export async function explainRequests(
  db: Database,
  models: ModelRegistry,
  config: Config,
  token: string,
  paths: readonly string[],
): Promise<ExplainedRequest[]> {
  const sink: ExplainedStatement[] = [];
  const wrapped = explaining(db, sink);
  const ctx: AppContext = {
    config,
    logger: createLogger('silent'),
    db: wrapped,
    models,
    devices: new DevicesService(wrapped),
    redis: undefined as never,
    telemetry: undefined as never,
    rejections: undefined as never,
  };
  const app = await buildApp(ctx);
  await app.ready();
  const out: ExplainedRequest[] = [];
  try {
    for (const path of paths) {
      sink.length = 0;
      const res = await app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${token}` } });
      out.push({ path, status: res.statusCode, statements: [...sink].sort((a, b) => b.executionMs - a.executionMs) });
    }
  } finally {
    await app.close();
  }
  return out;
}
