/**
 * Generates the Grafana dashboards from the equipment models, so every metric's limits stay in
 * sync with devices/*.yaml:
 *
 *   node --import tsx grafana/generate.ts [--devices devices] [--out grafana/dashboards] [--check]
 *
 * --check writes nothing and exits 1 when a file on disk differs from what would be generated.
 * The downsampling settings drawn by the asset dashboards default to the telemetry lifecycle's
 * defaults; pass --downsampled-rp, --raw-retention, --downsample-interval if you changed them.
 */
import { mkdir, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ModelRegistry } from '../src/telemetry/models/models.registry.js';
import type { EquipmentModel } from '../src/telemetry/models/models.schema.js';
import { parseTelemetryLifecycleOptions } from '../src/telemetry/lifecycle/telemetry-lifecycle.options.js';
import { assetDashboardUid, assetDetail, type AssetDashboardOptions } from './lib/asset-detail.dashboard.js';
import { FLEET_UID, fleetOverview } from './lib/fleet-overview.dashboard.js';
import { serviceKpis } from './lib/service-kpis.dashboard.js';
import { telemendInternals } from './lib/telemend-internals.dashboard.js';

const lifecycleDefaults = parseTelemetryLifecycleOptions();
export const DEFAULT_ASSET_OPTIONS: AssetDashboardOptions = {
  downsampledRetentionPolicy: lifecycleDefaults.downsampledRetentionPolicy,
  rawRetention: lifecycleDefaults.rawRetention === 'INF' ? '100000w' : lifecycleDefaults.rawRetention,
  downsampleInterval: lifecycleDefaults.downsampleInterval,
};

/** File name → dashboard JSON text. */
export function generateDashboards(models: readonly EquipmentModel[], options: AssetDashboardOptions = DEFAULT_ASSET_OPTIONS): Map<string, string> {
  const sorted = [...models].sort((a, b) => a.id.localeCompare(b.id));
  const files = new Map<string, string>();
  const put = (name: string, json: unknown) => files.set(name, `${JSON.stringify(json, null, 2)}\n`);
  put('fleet-overview.json', fleetOverview(sorted, assetDashboardUid));
  put('service-kpis.json', serviceKpis());
  put('telemend-internals.json', telemendInternals());
  for (const model of sorted) put(`asset-${model.id}.json`, assetDetail(model, options, FLEET_UID));
  return files;
}

export async function generateFromDirectory(devicesDir: string, options?: AssetDashboardOptions): Promise<Map<string, string>> {
  const registry = await ModelRegistry.fromDirectory(devicesDir);
  return generateDashboards(registry.list(), options);
}

async function main(argv: string[]): Promise<number> {
  const root = path.resolve(import.meta.dirname, '..');
  const { values } = parseArgs({
    args: argv,
    options: {
      devices: { type: 'string', default: path.join(root, 'devices') },
      out: { type: 'string', default: path.join(root, 'grafana', 'dashboards') },
      check: { type: 'boolean', default: false },
      'downsampled-rp': { type: 'string', default: DEFAULT_ASSET_OPTIONS.downsampledRetentionPolicy },
      'raw-retention': { type: 'string', default: DEFAULT_ASSET_OPTIONS.rawRetention },
      'downsample-interval': { type: 'string', default: DEFAULT_ASSET_OPTIONS.downsampleInterval },
    },
  });
  const files = await generateFromDirectory(values.devices, {
    downsampledRetentionPolicy: values['downsampled-rp'],
    rawRetention: values['raw-retention'],
    downsampleInterval: values['downsample-interval'],
  });
  const existing = (await readdir(values.out).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
  if (values.check) {
    const stale: string[] = [];
    for (const [name, text] of files) if ((await readFile(path.join(values.out, name), 'utf8').catch(() => '')) !== text) stale.push(name);
    for (const name of existing) if (!files.has(name)) stale.push(name);
    if (stale.length) console.error(`out of date: ${stale.join(', ')} — run node --import tsx grafana/generate.ts`);
    return stale.length ? 1 : 0;
  }
  await mkdir(values.out, { recursive: true });
  for (const [name, text] of files) await writeFile(path.join(values.out, name), text);
  // Dashboards of models that no longer exist.
  for (const name of existing) if (name.startsWith('asset-') && !files.has(name)) await unlink(path.join(values.out, name));
  console.log(`wrote ${files.size} dashboards to ${values.out}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
