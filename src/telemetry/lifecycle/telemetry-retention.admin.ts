/**
 * Sets up retention and downsampling on the telemetry store, idempotently (running it again
 * changes nothing and reports no action):
 * - 1.x: the raw retention policy (INFLUX_RETENTION_POLICY, else the database default) gets
 *   `rawRetention`; a second policy `downsampledRetentionPolicy` keeps the aggregates for
 *   `downsampledRetention`; one continuous query per measurement writes mean/min/max per field
 *   every `downsampleInterval` (RESAMPLE FOR `lateWindow`, so late readings are folded in).
 *   Continuous queries cannot be altered: ours carry a hash of their text in the name, and
 *   an outdated one is dropped and the new one created.
 * - 2.x: the raw bucket's retention rule, a bucket `<database>/<rp>` for the aggregates and a
 *   DBRP mapping (database, rp) → that bucket, so InfluxQL reads `"<rp>"."telemetry"` as on 1.x.
 *   Downsampling is the platform's job (downsample.task.ts).
 * - 3.x: a database `<database>/<rp>` for the aggregates (created on first write when the server
 *   has no database API); retention periods are a server setting there and are only reported.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { InfluxConnection } from '../influx/influx.connection.js';
import { InfluxUnavailableError } from '../influx/influx.errors.js';
import { influxFetch, type InfluxHttpResponse } from '../influx/influx.http.js';
import { durationMs, quoteIdent, seriesRows } from '../influx/influxql.js';
import type { Logger } from '../../kernel/logger.js';
import { retentionMs, shardGroupDuration, type TelemetryLifecycleOptions } from './telemetry-lifecycle.options.js';

export const CQ_PREFIX = 'telemend_downsample_';

export interface LifecycleContext {
  readonly logger: Logger;
  /** Organisation name (2.x). */
  readonly org?: string | undefined;
}

export interface LifecycleReport {
  /** Who downsamples: InfluxDB's continuous queries (1.x) or the platform's job. */
  readonly downsampling: 'continuous-query' | 'job';
  /** Where the aggregates are read with InfluxQL: `"<retentionPolicy>"."<measurement>"` in `database`. */
  readonly downsampled: { readonly database: string; readonly retentionPolicy: string };
  /** Statements / API calls that changed something (empty when everything was already in place). */
  readonly actions: string[];
}

/** InfluxDB 1.x duration output (`720h0m0s`, `0s` = infinite) in ms; undefined for infinite. */
export function parseV1Duration(text: string): number | undefined {
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(h|m|s|ms|µs|us|ns)/g)) {
    const factor = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, µs: 0.001, us: 0.001, ns: 0.000001 }[unit as 'h'];
    ms += Number(n) * factor;
  }
  return ms === 0 ? undefined : Math.round(ms);
}

/** The continuous query for one measurement: its name (with a hash of its text) and CREATE statement. */
export function continuousQuery(database: string, rawRp: string, measurement: string, options: TelemetryLifecycleOptions): { name: string; statement: string } {
  const source = rawRp ? `${quoteIdent(database)}.${quoteIdent(rawRp)}.${quoteIdent(measurement)}` : `${quoteIdent(database)}..${quoteIdent(measurement)}`;
  const target = `${quoteIdent(database)}.${quoteIdent(options.downsampledRetentionPolicy)}.${quoteIdent(measurement)}`;
  const body =
    `RESAMPLE EVERY ${options.downsampleInterval} FOR ${options.lateWindow} BEGIN SELECT mean(*), min(*), max(*) INTO ${target}` +
    ` FROM ${source} GROUP BY time(${options.downsampleInterval}), * END`;
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 10);
  const name = `${CQ_PREFIX}${measurement.replace(/[^A-Za-z0-9_]/g, '_')}_${hash}`;
  return { name, statement: `CREATE CONTINUOUS QUERY ${quoteIdent(name)} ON ${quoteIdent(database)} ${body}` };
}

export async function applyRetention(connection: InfluxConnection, options: TelemetryLifecycleOptions, context: LifecycleContext): Promise<LifecycleReport> {
  switch (connection.version) {
    case '1.x-legacy':
    case '1.8+':
      return applyV1(connection, options, context);
    case '2.x':
      return applyV2(connection, options, context);
    case '3.x':
      return applyV3(connection, options, context);
  }
}

// ---- 1.x ------------------------------------------------------------------------------------

async function applyV1(connection: InfluxConnection, options: TelemetryLifecycleOptions, context: LifecycleContext): Promise<LifecycleReport> {
  const db = connection.database;
  const actions: string[] = [];
  const run = async (statement: string) => {
    await connection.query(statement, { database: null });
    actions.push(statement);
    context.logger.info({ statement }, 'telemetry lifecycle: applied');
  };
  const [rpResult] = await connection.query(`SHOW RETENTION POLICIES ON ${quoteIdent(db)}`, { database: null });
  const policies = (rpResult?.series ?? []).flatMap(seriesRows).map((r) => ({
    name: String(r.name),
    durationMs: parseV1Duration(String(r.duration)),
    isDefault: r.default === true,
  }));
  const rawName = connection.retentionPolicy || policies.find((p) => p.isDefault)?.name;
  if (!rawName) throw new InfluxUnavailableError(`database ${db} has no default retention policy`);
  if (rawName === options.downsampledRetentionPolicy) {
    throw new InfluxUnavailableError(`the raw and downsampled retention policies are both "${rawName}"`);
  }

  const ensurePolicy = async (name: string, retention: string) => {
    const existing = policies.find((p) => p.name === name);
    const shard = `SHARD DURATION ${shardGroupDuration(retention)}`;
    if (!existing) await run(`CREATE RETENTION POLICY ${quoteIdent(name)} ON ${quoteIdent(db)} DURATION ${retention} REPLICATION 1 ${shard}`);
    else if (existing.durationMs !== retentionMs(retention))
      await run(`ALTER RETENTION POLICY ${quoteIdent(name)} ON ${quoteIdent(db)} DURATION ${retention} ${shard}`);
  };
  await ensurePolicy(rawName, options.rawRetention);
  await ensurePolicy(options.downsampledRetentionPolicy, options.downsampledRetention);

  const wanted = options.v1Mode === 'continuous-query' ? options.measurements.map((m) => continuousQuery(db, connection.retentionPolicy, m, options)) : [];
  const [cqResult] = await connection.query('SHOW CONTINUOUS QUERIES', { database: null });
  const existing = (cqResult?.series ?? [])
    .filter((s) => s.name === db)
    .flatMap(seriesRows)
    .map((r) => String(r.name));
  for (const name of existing) {
    if (name.startsWith(CQ_PREFIX) && !wanted.some((w) => w.name === name)) await run(`DROP CONTINUOUS QUERY ${quoteIdent(name)} ON ${quoteIdent(db)}`);
  }
  for (const cq of wanted) if (!existing.includes(cq.name)) await run(cq.statement);

  return { downsampling: options.v1Mode, downsampled: { database: db, retentionPolicy: options.downsampledRetentionPolicy }, actions };
}

// ---- 2.x ------------------------------------------------------------------------------------

const orgsSchema = z.object({ orgs: z.array(z.object({ id: z.string(), name: z.string() })).default([]) });
const bucketsSchema = z.object({
  buckets: z
    .array(z.object({ id: z.string(), name: z.string(), retentionRules: z.array(z.object({ everySeconds: z.number().optional() })).default([]) }))
    .default([]),
});
const bucketSchema = z.object({ id: z.string() });
const dbrpsSchema = z.object({ content: z.array(z.object({ bucketID: z.string(), database: z.string(), retention_policy: z.string() })).default([]) });

async function v2Call(
  connection: InfluxConnection,
  path: string,
  init: { method?: 'GET' | 'POST' | 'PATCH'; query?: Record<string, string>; json?: unknown } = {},
): Promise<unknown> {
  let res: InfluxHttpResponse;
  if (init.method === 'PATCH') {
    // influxFetch speaks GET/POST only; the bucket update is the one PATCH we need.
    const url = new URL(path, connection.url.endsWith('/') ? connection.url : `${connection.url}/`);
    try {
      const r = await fetch(url, {
        method: 'PATCH',
        headers: { ...connection.authHeaders, 'content-type': 'application/json' },
        body: JSON.stringify(init.json),
        signal: AbortSignal.timeout(10_000),
      });
      res = { status: r.status, headers: r.headers, text: await r.text() };
    } catch (error) {
      throw new InfluxUnavailableError(`InfluxDB at ${url.origin} is unreachable: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else {
    res = await influxFetch(connection.url, path, { method: init.method ?? 'GET', query: init.query, json: init.json, headers: connection.authHeaders });
  }
  if (res.status < 200 || res.status > 299)
    throw new InfluxUnavailableError(`${init.method ?? 'GET'} ${path}: ${res.status} ${res.text.slice(0, 300)}`, res.status);
  return res.text ? JSON.parse(res.text) : {};
}

const retentionRules = (retention: string) => {
  const ms = retentionMs(retention);
  return ms === undefined ? [] : [{ type: 'expire', everySeconds: Math.round(ms / 1000) }];
};

async function applyV2(connection: InfluxConnection, options: TelemetryLifecycleOptions, context: LifecycleContext): Promise<LifecycleReport> {
  if (!context.org) throw new InfluxUnavailableError('InfluxDB 2.x needs INFLUX_ORG to set retention and create the downsampled bucket');
  const actions: string[] = [];
  const org = orgsSchema.parse(await v2Call(connection, '/api/v2/orgs', { query: { org: context.org } })).orgs.find((o) => o.name === context.org);
  if (!org) throw new InfluxUnavailableError(`InfluxDB organisation ${context.org} was not found`);
  const findBucket = async (name: string) =>
    bucketsSchema.parse(await v2Call(connection, '/api/v2/buckets', { query: { orgID: org.id, name } })).buckets.find((b) => b.name === name);
  const seconds = (retention: string) => retentionRules(retention)[0]?.everySeconds ?? 0;

  const raw = await findBucket(connection.database);
  if (!raw) throw new InfluxUnavailableError(`bucket ${connection.database} does not exist (ensureDatabase first)`);
  if ((raw.retentionRules[0]?.everySeconds ?? 0) !== seconds(options.rawRetention)) {
    await v2Call(connection, `/api/v2/buckets/${raw.id}`, { method: 'PATCH', json: { retentionRules: retentionRules(options.rawRetention) } });
    actions.push(`bucket ${connection.database}: retention ${options.rawRetention}`);
  }

  const name = `${connection.database}/${options.downsampledRetentionPolicy}`;
  let target = await findBucket(name);
  if (!target) {
    const created = bucketSchema.parse(
      await v2Call(connection, '/api/v2/buckets', {
        method: 'POST',
        json: { orgID: org.id, name, retentionRules: retentionRules(options.downsampledRetention) },
      }),
    );
    target = { id: created.id, name, retentionRules: [] };
    actions.push(`bucket ${name} created, retention ${options.downsampledRetention}`);
  } else if ((target.retentionRules[0]?.everySeconds ?? 0) !== seconds(options.downsampledRetention)) {
    await v2Call(connection, `/api/v2/buckets/${target.id}`, { method: 'PATCH', json: { retentionRules: retentionRules(options.downsampledRetention) } });
    actions.push(`bucket ${name}: retention ${options.downsampledRetention}`);
  }
  const mappings = dbrpsSchema.parse(
    await v2Call(connection, '/api/v2/dbrps', { query: { orgID: org.id, db: connection.database, rp: options.downsampledRetentionPolicy } }),
  ).content;
  if (!mappings.some((m) => m.bucketID === target.id)) {
    await v2Call(connection, '/api/v2/dbrps', {
      method: 'POST',
      json: { orgID: org.id, bucketID: target.id, database: connection.database, retention_policy: options.downsampledRetentionPolicy, default: false },
    });
    actions.push(`DBRP ${connection.database}/${options.downsampledRetentionPolicy} → ${name}`);
  }
  for (const action of actions) context.logger.info({ action }, 'telemetry lifecycle: applied');
  return { downsampling: 'job', downsampled: { database: connection.database, retentionPolicy: options.downsampledRetentionPolicy }, actions };
}

// ---- 3.x ------------------------------------------------------------------------------------

async function applyV3(connection: InfluxConnection, options: TelemetryLifecycleOptions, context: LifecycleContext): Promise<LifecycleReport> {
  const name = `${connection.database}/${options.downsampledRetentionPolicy}`;
  const actions: string[] = [];
  const res = await influxFetch(connection.url, '/api/v3/configure/database', { method: 'POST', json: { db: name }, headers: connection.authHeaders });
  if (res.status === 200 || res.status === 201 || res.status === 204) actions.push(`database ${name} created`);
  else if (res.status !== 409 && res.status !== 404 && res.status !== 405) {
    throw new InfluxUnavailableError(`creating database ${name}: ${res.status} ${res.text.slice(0, 300)}`, res.status);
  }
  context.logger.info(
    { raw: options.rawRetention, downsampled: options.downsampledRetention, database: connection.database, target: name },
    'InfluxDB 3: set these retention periods on the server (influxdb3 create/update database --retention-period)',
  );
  return { downsampling: 'job', downsampled: { database: connection.database, retentionPolicy: options.downsampledRetentionPolicy }, actions };
}

/** The interval as ms (validated by the options schema). */
export function intervalMs(options: TelemetryLifecycleOptions): number {
  return durationMs(options.downsampleInterval)!;
}
