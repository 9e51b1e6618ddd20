/**
 * Data for the dashboard test: a seeded CRM (PGlite) with alarms, a predictive auto-ticket and a
 * visit per model, and an InfluxDB database filled with three hours of simulated telemetry and
 * controller events for every seeded device, downsampled into the long retention policy.
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createAssetSignal } from '../../simulators/signal.js';
import type { DeviceIdentity } from '../../src/telemetry/devices/devices.types.js';
import { connectInflux, type InfluxConnection } from '../../src/telemetry/influx/influx.connection.js';
import { eventLines, telemetryLines } from '../../src/telemetry/ingest/line-protocol.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import type { Database } from '../../src/kernel/db/database.js';
import { seedDemo, type DemoFleetDevice } from '../../src/app/seed/seed.js';
import { applyTelemetryLifecycle, connectDownsampledSink, downsampleRange } from '../../src/telemetry/lifecycle/telemetry-lifecycle.js';
import { silentLogger } from '../ingest/ingest-fixtures.js';

export const DEVICES_DIR = path.resolve(import.meta.dirname, '../../devices');
const MINUTE = 60_000;

export interface GrafanaFixture {
  models: ModelRegistry;
  fleet: DemoFleetDevice[];
  /** The asset of each model the asset dashboards are checked with (it has alarms, a ticket, a visit). */
  assetOf: Map<string, string>;
  /** The asset with the critical alarm. */
  criticalAsset: string;
  onlineDevices: number;
  projectedDays: number;
}

export async function seedCrm(db: Database, now: Date): Promise<GrafanaFixture> {
  const models = await ModelRegistry.fromDirectory(DEVICES_DIR);
  const { fleet } = await seedDemo({ db, models, customers: 3, assets: 8, historyPerCustomer: 3, now: new Date(now.getTime() - 60 * MINUTE) });
  const at = (minutes: number) => new Date(now.getTime() + minutes * MINUTE);
  const onlineDevices = 5;
  await db.query('UPDATE devices SET online = true, last_seen_at = $2 WHERE id = ANY($1)', [fleet.slice(0, onlineDevices).map((d) => d.deviceId), at(-1)]);
  const technician = (await db.query<{ id: string }>("SELECT id FROM users WHERE role = 'technician' ORDER BY email LIMIT 1")).rows[0]!.id;

  const assetOf = new Map<string, string>();
  for (const d of fleet) if (!assetOf.has(d.modelId)) assetOf.set(d.modelId, d.assetId);
  const projectedDays = 4;
  for (const [modelId, assetId] of assetOf) {
    const place = (
      await db.query<{ site_id: string; customer_id: string }>(
        'SELECT a.site_id, s.customer_id FROM assets a JOIN sites s ON s.id = a.site_id WHERE a.id = $1',
        [assetId],
      )
    ).rows[0]!;
    const ticketId = randomUUID();
    await db.query(
      `INSERT INTO tickets (id, channel, type, priority, title, customer_id, site_id, asset_id, fault_code, status, sla_source,
                            response_due_at, resolution_due_at, status_changed_at, created_by_type, created_by_id, created_at, updated_at)
       VALUES ($1, 'iot', 'predictive', 'high', 'Predicted: drift toward the limit', $2, $3, $4, 'PREDICTED_FAULT', 'assigned', 'default',
               $5, $6, $7, 'system', 'test', $7, $7)`,
      [ticketId, place.customer_id, place.site_id, assetId, at(60), at(24 * 60), at(-150)],
    );
    const alarmId = randomUUID();
    const projected = at(projectedDays * 24 * 60).toISOString();
    await db.query(
      `INSERT INTO alarms (id, asset_id, model_id, rule_id, fault_code, kind, severity, state, first_seen_at, last_seen_at, evidence, ticket_id)
       VALUES ($1, $2, $3, 'drift-rule', 'PREDICTED_FAULT', 'trend', 'warning', 'active', $4, $5, $6, $7)`,
      [
        alarmId,
        assetId,
        modelId,
        at(-120),
        at(-5),
        JSON.stringify({ latest: { metric: 'm', threshold: 10, projectedFailureAt: projected }, history: [] }),
        ticketId,
      ],
    );
    await db.query(
      `INSERT INTO ticket_autofill (ticket_id, alarm_id, rule_id, kind, predictive, prefill, created_at, updated_at)
       VALUES ($1, $2, 'drift-rule', 'trend', true, $3, $4, $4)`,
      [
        ticketId,
        alarmId,
        JSON.stringify({ predictive: { projectedFailureAt: projected, latestVisitBy: at((projectedDays - 1) * 24 * 60).toISOString(), marginHours: 24 } }),
        at(-120),
      ],
    );
    await db.query(
      `INSERT INTO visits (ticket_id, technician_id, status, planned_start, planned_end, created_at, updated_at)
       VALUES ($1, $2, 'planned', $3, $4, $5, $5)`,
      [ticketId, technician, at(-30), at(60), at(-100)],
    );
  }
  // A critical alarm on another asset, and a cleared one in the past.
  const critical = fleet.find((d) => ![...assetOf.values()].includes(d.assetId))!;
  await db.query(
    `INSERT INTO alarms (asset_id, model_id, rule_id, kind, severity, state, first_seen_at, last_seen_at, evidence)
     VALUES ($1, $2, 'hard-limit', 'threshold', 'critical', 'active', $3, $3, '{"latest": {}, "history": []}'),
            ($1, $2, 'old-limit', 'threshold', 'alarm', 'cleared', $4, $4, '{"latest": {}, "history": []}')`,
    [critical.assetId, critical.modelId, at(-90), at(-170)],
  );
  await db.query("UPDATE alarms SET cleared_at = last_seen_at WHERE state = 'cleared'");
  return { models, fleet, assetOf, criticalAsset: critical.assetId, onlineDevices, projectedDays };
}

/** Simulated readings every minute for the last `hours`, events of a sudden fault, and their 5-minute aggregates. */
export async function fillInflux(url: string, database: string, db: Database, fixture: GrafanaFixture, now: Date, hours: number): Promise<InfluxConnection> {
  const options = { url, database, retentionPolicy: '', logger: silentLogger };
  const influx = await connectInflux(options);
  await influx.ensureDatabase();
  const report = await applyTelemetryLifecycle(influx, { v1Mode: 'job' }, { logger: silentLogger });
  const api = influx.writeApi({ maxLinesPerFlush: 20_000 });
  const from = now.getTime() - hours * 60 * MINUTE;
  for (const [i, device] of fixture.fleet.entries()) {
    const model = fixture.models.get(device.modelId)!;
    const place = (
      await db.query<{ site_id: string; customer_id: string }>(
        'SELECT a.site_id, s.customer_id FROM assets a JOIN sites s ON s.id = a.site_id WHERE a.id = $1',
        [device.assetId],
      )
    ).rows[0]!;
    const identity: DeviceIdentity = {
      deviceId: device.deviceId,
      assetId: device.assetId,
      modelId: device.modelId,
      siteId: place.site_id,
      customerId: place.customer_id,
    };
    const signal = createAssetSignal(model, { seed: i + 1, startTime: from });
    const sudden = model.faults.find((f) => f.simulation?.kind === 'sudden' && f.simulation.eventCode);
    if (sudden) signal.inject(sudden.code, from + 60 * MINUTE);
    const readings = [];
    for (let t = from; t < now.getTime(); t += MINUTE) readings.push({ ts: t, metrics: signal.sample(t) });
    api.writeRecords(telemetryLines(identity, readings));
    api.writeRecords(eventLines(identity, signal.drainEvents()));
    await api.flush();
  }
  const sink = await connectDownsampledSink(options, influx.version, report.downsampled.retentionPolicy);
  try {
    await downsampleRange(influx, sink.writeApi(), { from: new Date(from), to: now, intervalMs: 5 * MINUTE, measurements: ['telemetry'] });
  } finally {
    await sink.close();
  }
  return influx;
}
