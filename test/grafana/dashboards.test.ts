/**
 * Every query of every dashboard runs: InfluxQL panel queries against the real InfluxDB (filled
 * by the simulator) return series, SQL panel, annotation and variable queries run against the
 * real (migrated, seeded) database and return rows. The generated dashboards are in sync with
 * devices/*.yaml, and they only use the data sources that are provisioned.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import type { InfluxConnection } from '../../src/telemetry/influx/influx.connection.js';
import type { Database } from '../../src/kernel/db/database.js';
import { generateFromDirectory } from '../../grafana/generate.js';
import { metricLimits, thresholdSteps } from '../../grafana/lib/asset-detail.dashboard.js';
import { openTestDatabase } from '../harness/database.js';
import { uniqueName } from '../ingest/ingest-fixtures.js';
import { DEVICES_DIR, fillInflux, seedCrm, type GrafanaFixture } from './grafana-fixture.js';

const GRAFANA_DIR = path.resolve(import.meta.dirname, '../../grafana');
const DASHBOARD_DIR = path.join(GRAFANA_DIR, 'dashboards');
const now = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const HOURS = 3;

interface Query {
  dashboard: string;
  where: string;
  uid: string;
  text: string;
}

type Panel = {
  title?: string;
  type: string;
  datasource?: { uid: string };
  targets?: { refId: string; datasource?: { uid: string }; query?: string; rawSql?: string }[];
  panels?: Panel[];
};
interface Dashboard {
  uid: string;
  panels: Panel[];
  annotations: { list: { name: string; datasource: { uid: string }; target?: { rawSql?: string } }[] };
  templating: { list: { type: string; name: string; datasource?: { uid: string }; query: string }[] };
}

function queriesOf(file: string, d: Dashboard): Query[] {
  const out: Query[] = [];
  const panels = d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  for (const p of panels) {
    for (const t of p.targets ?? []) {
      const uid = t.datasource?.uid ?? p.datasource?.uid ?? '';
      out.push({ dashboard: file, where: `panel "${p.title}" ${t.refId}`, uid, text: t.query ?? t.rawSql ?? '' });
    }
  }
  for (const a of d.annotations.list)
    if (a.target?.rawSql) out.push({ dashboard: file, where: `annotation "${a.name}"`, uid: a.datasource.uid, text: a.target.rawSql });
  for (const v of d.templating.list)
    if (v.type === 'query') out.push({ dashboard: file, where: `variable $${v.name}`, uid: v.datasource?.uid ?? '', text: v.query });
  return out;
}

let db: Database;
let influx: InfluxConnection;
let fixture: GrafanaFixture;
let dashboards: Map<string, Dashboard>;

beforeAll(async () => {
  db = await openTestDatabase();
  fixture = await seedCrm(db, now);
  influx = await fillInflux(inject('influxUrl'), uniqueName('grafana'), db, fixture, now, HOURS);
  dashboards = new Map();
  for (const file of (await readdir(DASHBOARD_DIR)).filter((f) => f.endsWith('.json')).sort()) {
    dashboards.set(file, JSON.parse(await readFile(path.join(DASHBOARD_DIR, file), 'utf8')) as Dashboard);
  }
}, 120_000);

afterAll(async () => {
  if (influx) {
    await influx.query(`DROP DATABASE "${influx.database}"`, { database: null }).catch(() => undefined);
    await influx.close();
  }
  await db?.close();
});

/** The asset a dashboard is looked at with. */
function assetFor(file: string): string {
  const model = /^asset-(.+)\.json$/.exec(file)?.[1];
  return model ? fixture.assetOf.get(model)! : fixture.criticalAsset;
}

function influxText(q: Query): string {
  const from = now.getTime() - HOURS * 3_600_000;
  return (
    q.text
      .replaceAll('$timeFilter', `time >= ${from}ms and time <= ${now.getTime()}ms`)
      .replaceAll('$__interval_ms', '60000')
      .replaceAll('$__interval', '1m')
      .replaceAll('$asset', assetFor(q.dashboard))
      .replaceAll('$downsampled_rp', 'downsampled')
      // The aggregates of the last hours stand for the "older than the raw retention" part of a long range.
      .replaceAll('$raw_retention', '1m')
  );
}

function sqlText(q: Query): string {
  const from = `'${new Date(now.getTime() - 400 * 86_400_000).toISOString()}'`;
  const to = `'${new Date(now.getTime() + 60_000).toISOString()}'`;
  return q.text
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_, col: string) => `${col} BETWEEN ${from} AND ${to}`)
    .replaceAll('$__timeFrom()', `${from}::timestamptz`)
    .replaceAll('$__timeTo()', `${to}::timestamptz`)
    .replace(/\$__timeGroupAlias\(([^,]+),\s*'(\d+)([mhd])'\)/g, (_, col: string, n: string, unit: string) => {
      const seconds = Number(n) * { m: 60, h: 3600, d: 86_400 }[unit as 'm'];
      return `floor(extract(epoch FROM ${col}) / ${seconds}) * ${seconds} AS "time"`;
    })
    .replaceAll('$asset', assetFor(q.dashboard));
}

/** Models of real equipment (no simulation blocks) have no seeded, simulated asset: their generated dashboards are checked by the generator test only. */
const simulated = (file: string): boolean => {
  const model = /^asset-(.+)\.json$/.exec(file)?.[1];
  return model === undefined || fixture.assetOf.has(model);
};
const unsimulated = (q: Query): boolean => fixture.models.list().some((m) => !fixture.assetOf.has(m.id) && q.text.includes(`'${m.id}'`));
const allQueries = () =>
  [...dashboards]
    .filter(([file]) => simulated(file))
    .flatMap(([file, d]) => queriesOf(file, d))
    .filter((q) => !unsimulated(q));

describe('dashboard files', () => {
  it('are the generator output for devices/*.yaml (re-run node --import tsx grafana/generate.ts if not)', async () => {
    const generated = await generateFromDirectory(DEVICES_DIR);
    expect([...dashboards.keys()].sort()).toEqual([...generated.keys()].sort());
    for (const [file, text] of generated) expect(await readFile(path.join(DASHBOARD_DIR, file), 'utf8'), file).toBe(text);
  });

  it('draw every metric of every model with the model limits', () => {
    for (const model of fixture.models.list()) {
      const d = dashboards.get(`asset-${model.id}.json`)!;
      const panels = d.panels.filter((p) => p.type === 'timeseries') as unknown as {
        targets: { query: string }[];
        fieldConfig: { defaults: { thresholds: { steps: unknown } } };
      }[];
      expect(panels).toHaveLength(Object.keys(model.metrics).length);
      Object.keys(model.metrics).forEach((metric, i) => {
        expect(panels[i]!.targets[0]!.query).toContain(`mean("${metric}")`);
        expect(panels[i]!.fieldConfig.defaults.thresholds.steps).toEqual(thresholdSteps(metricLimits(model, metric)));
      });
    }
    const chiller = fixture.models.get('water-chiller-wc200')!;
    expect(thresholdSteps(metricLimits(chiller, 'condenser_pressure'))).toEqual([
      { value: null, color: 'orange' },
      { value: 10, color: 'transparent' },
      { value: 32, color: 'orange' },
      { value: 38, color: 'red' },
    ]);
  });

  it('use only provisioned data sources, and the dashboard provider points at the mounted folder', async () => {
    const provisioned = parseYaml(await readFile(path.join(GRAFANA_DIR, 'provisioning/datasources/telemend.yaml'), 'utf8')) as {
      datasources: { uid: string; type: string }[];
    };
    const uids = new Set(provisioned.datasources.map((d) => d.uid));
    const used = new Set(allQueries().map((q) => q.uid));
    expect([...used].sort()).toEqual([...uids].sort());
    const provider = parseYaml(await readFile(path.join(GRAFANA_DIR, 'provisioning/dashboards/telemend.yaml'), 'utf8')) as {
      providers: { options: { path: string } }[];
    };
    expect(provider.providers[0]!.options.path).toBe('/var/lib/grafana/dashboards/telemend');
  });
});

describe('InfluxQL queries against InfluxDB filled by the simulator', () => {
  it('every one returns at least one series with values', async () => {
    const queries = allQueries().filter((q) => q.uid === 'telemend-influx');
    expect(queries.length).toBeGreaterThan(60);
    for (const q of queries) {
      const text = influxText(q);
      expect(text, `${q.dashboard} ${q.where}`).not.toMatch(/\$[A-Za-z_]/);
      const [result] = await influx.query(text, { epoch: 'ms' });
      const values = (result?.series ?? []).flatMap((s) => s.values.flatMap((row) => row.slice(1))).filter((v) => v !== null);
      expect(values.length, `${q.dashboard} ${q.where}: ${text}`).toBeGreaterThan(0);
    }
  });
});

describe('SQL queries against the seeded database', () => {
  it('every one runs and returns a row with values', async () => {
    const queries = allQueries().filter((q) => q.uid === 'telemend-postgres');
    expect(queries.length).toBeGreaterThan(30);
    for (const q of queries) {
      const text = sqlText(q);
      expect(text, `${q.dashboard} ${q.where}`).not.toMatch(/\$[A-Za-z_]/);
      const { rows } = await db.query<Record<string, unknown>>(text).catch((error: unknown) => {
        throw new Error(`${q.dashboard} ${q.where}: ${String(error)}\n${text}`);
      });
      expect(rows.length, `${q.dashboard} ${q.where}`).toBeGreaterThan(0);
      expect(
        Object.values(rows[0]!).some((v) => v !== null),
        `${q.dashboard} ${q.where}: ${JSON.stringify(rows[0])}`,
      ).toBe(true);
    }
  });

  const run = async (file: string, title: string) => {
    const q = queriesOf(file, dashboards.get(file)!).find((x) => x.where.startsWith(`panel "${title}"`))!;
    return (await db.query<Record<string, unknown>>(sqlText(q))).rows;
  };

  it('compute the figures the panels show', async () => {
    expect(await run('fleet-overview.json', 'Devices online')).toEqual([{ online: fixture.onlineDevices }]);
    const health = await run('fleet-overview.json', 'Assets in the worst health');
    expect(health[0]).toMatchObject({ asset_id: fixture.criticalAsset, 'worst severity': 'critical', dashboard: expect.stringMatching(/^telemend-asset-/) });
    expect(health[0]!.health).toBeLessThan(health[health.length - 1]!.health as number);
    const chillerFile = 'asset-water-chiller-wc200.json';
    const [days] = await run(chillerFile, 'Days to predicted limit');
    expect(Number(days!['days to limit'])).toBeCloseTo(fixture.projectedDays, 1);
    const [predicted] = await run(chillerFile, 'Predicted time to limit');
    expect(predicted).toMatchObject({ rule: 'drift-rule', limit: 10 });
    const ftf = Number((await run('service-kpis.json', 'First-time-fix rate'))[0]!['first-time fix']);
    expect(ftf).toBeGreaterThanOrEqual(0);
    expect(ftf).toBeLessThanOrEqual(100);
    const bySource = await run('service-kpis.json', 'Open tickets by source and age');
    expect(bySource.find((r) => r.source === 'iot')!['< 1 day']).toBeGreaterThanOrEqual(4);
  });

  it('list the assets of the model in the $asset variable', async () => {
    for (const [modelId, assetId] of fixture.assetOf) {
      const d = dashboards.get(`asset-${modelId}.json`)!;
      const variable = d.templating.list.find((v) => v.name === 'asset')!;
      const { rows } = await db.query<{ __value: string }>(variable.query);
      expect(rows.map((r) => r.__value)).toContain(assetId);
      expect(rows).toHaveLength(fixture.fleet.filter((f) => f.modelId === modelId).length);
    }
  });
});
