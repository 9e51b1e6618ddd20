/**
 * Creates the telemetry database/bucket when it is missing:
 * - 1.x: `CREATE DATABASE` (idempotent);
 * - 2.x: buckets API, then a DBRP mapping so InfluxQL on /query reaches the bucket (needs
 *   INFLUX_ORG and an all-access or bucket-write token);
 * - 3.x: `POST /api/v3/configure/database`; servers without that API create it on first write.
 */
import { z } from 'zod';
import type { Logger } from '../../kernel/logger.js';
import { influxFetch, type InfluxHttpResponse } from './influx.http.js';
import { errorForStatus, influxMessage, InfluxUnavailableError } from './influx.errors.js';
import { quoteIdent } from './influxql.js';
import type { InfluxVersion } from './influx.version.js';

export interface AdminTarget {
  readonly url: string;
  readonly version: InfluxVersion;
  readonly database: string;
  readonly retentionPolicy: string;
  readonly org?: string | undefined;
  readonly token?: string | undefined;
  readonly authHeaders: Record<string, string>;
  readonly timeoutMs: number;
  readonly logger: Logger;
}

export async function ensureDatabase(target: AdminTarget): Promise<void> {
  switch (target.version) {
    case '1.x-legacy':
    case '1.8+':
      return ensureV1(target);
    case '2.x':
      return ensureV2(target);
    case '3.x':
      return ensureV3(target);
    default: {
      const unreachable: never = target.version;
      return unreachable;
    }
  }
}

function call(target: AdminTarget, path: string, init: Parameters<typeof influxFetch>[2] = {}): Promise<InfluxHttpResponse> {
  return influxFetch(target.url, path, { timeoutMs: target.timeoutMs, ...init, headers: { ...target.authHeaders, ...init.headers } });
}

function fail(res: InfluxHttpResponse, what: string): never {
  throw errorForStatus(res.status, `${what}: ${res.status} ${influxMessage(res.text, '')}`.trim());
}

async function ensureV1(target: AdminTarget): Promise<void> {
  const res = await call(target, '/query', { method: 'POST', form: { q: `CREATE DATABASE ${quoteIdent(target.database)}` } });
  if (res.status !== 200) fail(res, `CREATE DATABASE ${target.database}`);
  const body = JSON.parse(res.text) as { results?: { error?: string }[] };
  const error = body.results?.[0]?.error;
  if (error) throw new InfluxUnavailableError(`CREATE DATABASE ${target.database}: ${error}`);
  if (target.retentionPolicy) {
    const rps = await call(target, '/query', { query: { db: target.database, q: `SHOW RETENTION POLICIES ON ${quoteIdent(target.database)}` } });
    if (rps.status === 200 && !rps.text.includes(`"${target.retentionPolicy}"`)) {
      target.logger.warn(
        { database: target.database, retentionPolicy: target.retentionPolicy },
        'InfluxDB retention policy does not exist; writes will fail until it is created',
      );
    }
  }
}

const orgsSchema = z.object({ orgs: z.array(z.object({ id: z.string(), name: z.string() })).default([]) });
const bucketsSchema = z.object({ buckets: z.array(z.object({ id: z.string(), name: z.string() })).default([]) });
const bucketSchema = z.object({ id: z.string() });
const dbrpsSchema = z.object({ content: z.array(z.object({ bucketID: z.string(), database: z.string() })).default([]) });

async function ensureV2(target: AdminTarget): Promise<void> {
  if (!target.org || !target.token) {
    throw new InfluxUnavailableError('InfluxDB 2.x needs INFLUX_ORG and INFLUX_TOKEN to create the bucket and its DBRP mapping');
  }
  const orgs = await call(target, '/api/v2/orgs', { query: { org: target.org } });
  if (orgs.status !== 200) fail(orgs, `looking up organisation ${target.org}`);
  const org = orgsSchema.parse(JSON.parse(orgs.text)).orgs.find((o) => o.name === target.org);
  if (!org) throw new InfluxUnavailableError(`InfluxDB organisation ${target.org} was not found`);

  const buckets = await call(target, '/api/v2/buckets', { query: { orgID: org.id, name: target.database } });
  if (buckets.status !== 200) fail(buckets, `looking up bucket ${target.database}`);
  let bucketId = bucketsSchema.parse(JSON.parse(buckets.text)).buckets.find((b) => b.name === target.database)?.id;
  if (!bucketId) {
    const created = await call(target, '/api/v2/buckets', {
      method: 'POST',
      json: { orgID: org.id, name: target.database, retentionRules: [] },
    });
    if (created.status !== 201 && created.status !== 200) fail(created, `creating bucket ${target.database}`);
    bucketId = bucketSchema.parse(JSON.parse(created.text)).id;
    target.logger.info({ bucket: target.database }, 'created InfluxDB bucket');
  }

  const dbrps = await call(target, '/api/v2/dbrps', { query: { orgID: org.id, db: target.database } });
  if (dbrps.status !== 200) fail(dbrps, `looking up DBRP mappings of ${target.database}`);
  if (!dbrpsSchema.parse(JSON.parse(dbrps.text)).content.some((m) => m.bucketID === bucketId)) {
    const mapped = await call(target, '/api/v2/dbrps', {
      method: 'POST',
      json: { orgID: org.id, bucketID: bucketId, database: target.database, retention_policy: target.retentionPolicy || 'autogen', default: true },
    });
    if (mapped.status !== 201 && mapped.status !== 200) fail(mapped, `creating DBRP mapping for ${target.database}`);
    target.logger.info({ bucket: target.database }, 'created InfluxDB DBRP mapping');
  }
}

async function ensureV3(target: AdminTarget): Promise<void> {
  const res = await call(target, '/api/v3/configure/database', { method: 'POST', json: { db: target.database } });
  if (res.status === 200 || res.status === 201 || res.status === 204) {
    target.logger.info({ database: target.database }, 'created InfluxDB database');
  } else if (res.status === 409) {
    // already exists
  } else if (res.status === 404 || res.status === 405) {
    target.logger.info({ database: target.database }, 'InfluxDB has no database API; the database is created on first write');
  } else {
    fail(res, `creating database ${target.database}`);
  }
}
