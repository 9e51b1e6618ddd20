/**
 * InfluxDB line protocol for journal entries. Measurement `telemetry`: tags asset, customer,
 * device, model, site (sorted, as InfluxDB prefers); one float field per metric; the reading's
 * own timestamp in ms. Measurement `events`: same tags; string fields code, severity, message.
 */
import type { DeviceIdentity } from '../devices/devices.types.js';
import type { DeviceEvent, TelemetryReading } from './telemetry.validator.js';

export const TELEMETRY_MEASUREMENT = 'telemetry';
export const EVENTS_MEASUREMENT = 'events';
/** Tag keys, as written and as queried. */
export const TAGS = { asset: 'asset', customer: 'customer', device: 'device', model: 'model', site: 'site' } as const;

const escapeKey = (s: string) => s.replace(/[\\,= ]/g, (c) => `\\${c}`).replace(/[\r\n]/g, ' ');
const escapeString = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ')}"`;

function seriesKey(measurement: string, device: DeviceIdentity): string {
  return (
    `${measurement},asset=${escapeKey(device.assetId)},customer=${escapeKey(device.customerId)}` +
    `,device=${escapeKey(device.deviceId)},model=${escapeKey(device.modelId)},site=${escapeKey(device.siteId)}`
  );
}

/** A float field value InfluxDB parses as float (integers without the `i` suffix are floats). */
function floatValue(value: number): string {
  return Object.is(value, -0) ? '0' : String(value);
}

export function telemetryLines(device: DeviceIdentity, readings: readonly TelemetryReading[]): string[] {
  const key = seriesKey(TELEMETRY_MEASUREMENT, device);
  return readings.map((r) => {
    const fields = Object.entries(r.metrics)
      .map(([name, value]) => `${escapeKey(name)}=${floatValue(value)}`)
      .join(',');
    return `${key} ${fields} ${r.ts}`;
  });
}

export function eventLines(device: DeviceIdentity, events: readonly DeviceEvent[]): string[] {
  const key = seriesKey(EVENTS_MEASUREMENT, device);
  return events.map((e) => {
    let fields = `code=${escapeString(e.code)},severity=${escapeString(e.severity)}`;
    if (e.message !== undefined) fields += `,message=${escapeString(e.message)}`;
    return `${key} ${fields} ${e.ts}`;
  });
}
