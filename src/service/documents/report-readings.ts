/**
 * The equipment's readings at a visit's arrival and departure, for the service report: per metric
 * of the asset's model, the one-minute mean nearest each moment within half an hour. Telemetry is
 * optional here: no asset, no model, no readings or InfluxDB away all give an empty list, never a
 * failed report.
 */
import type { Logger } from '../../kernel/logger.js';
import type { ModelRegistry } from '../../telemetry/models/models.registry.js';
import type { TelemetryReader, TelemetrySeries } from '../../telemetry/readings/telemetry.reader.js';
import type { ReadingRow } from './service-report-document.js';

/** How far from arrival or departure a reading may be. */
const NEAR_MS = 30 * 60_000;

export interface ReadingsSource {
  readonly telemetry?: TelemetryReader | undefined;
  readonly models?: ModelRegistry | undefined;
  readonly logger?: Logger | undefined;
}

export async function readingsAround(
  source: ReadingsSource,
  asset: { readonly id: string | null; readonly modelId: string | null },
  arrival: Date | null,
  departure: Date | null,
): Promise<ReadingRow[]> {
  const { telemetry, models } = source;
  if (!telemetry || !models || !asset.id || !asset.modelId) return [];
  const model = models.get(asset.modelId);
  if (!model) return [];
  const metrics = Object.keys(model.metrics);
  try {
    const at = async (moment: Date | null) =>
      moment
        ? telemetry.read({
            assetId: asset.id!,
            metrics,
            from: new Date(moment.getTime() - NEAR_MS),
            to: new Date(moment.getTime() + NEAR_MS),
            every: '1m',
          })
        : [];
    const [before, after] = await Promise.all([at(arrival), at(departure)]);
    const rows = metrics.map((metric) => ({
      metric,
      unit: model.metrics[metric]?.unit ?? null,
      arrival: nearest(before, metric, arrival),
      departure: nearest(after, metric, departure),
    }));
    return rows.filter((r) => r.arrival !== null || r.departure !== null);
  } catch (error) {
    source.logger?.warn({ err: error, assetId: asset.id }, 'service report: readings unavailable, the report goes without them');
    return [];
  }
}

function nearest(series: readonly TelemetrySeries[], metric: string, moment: Date | null): number | null {
  if (!moment) return null;
  // Buckets are labelled by their start: compare their middles with the moment.
  const points = series.find((s) => s.metric === metric)?.points ?? [];
  let best: { distance: number; value: number } | undefined;
  for (const point of points) {
    const distance = Math.abs(Date.parse(point.time) + 30_000 - moment.getTime());
    if (!best || distance < best.distance) best = { distance, value: point.mean };
  }
  return best?.value ?? null;
}
