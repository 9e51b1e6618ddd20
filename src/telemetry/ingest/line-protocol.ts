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

/**
 * The telemetry series key per device identity (the broker keeps one identity object per
 * session) and the escaped metric names: computed once instead of five regex replaces per
 * line. Metric names reach here only after validation against a model, so the name cache is
 * bounded by the models' metrics; the bound below is a safety net.
 */
const telemetryKeys = new WeakMap<DeviceIdentity, string>();
const escapedNames = new Map<string, string>();
const MAX_CACHED_NAMES = 10_000;

function telemetryKey(device: DeviceIdentity): string {
  let key = telemetryKeys.get(device);
  if (key === undefined) {
    key = seriesKey(TELEMETRY_MEASUREMENT, device);
    telemetryKeys.set(device, key);
  }
  return key;
}

function escapedName(name: string): string {
  let escaped = escapedNames.get(name);
  if (escaped === undefined) {
    escaped = escapeKey(name);
    if (escapedNames.size < MAX_CACHED_NAMES) escapedNames.set(name, escaped);
  }
  return escaped;
}

/** A float field value InfluxDB parses as float (integers without the `i` suffix are floats). */
function floatValue(value: number): string {
  return Object.is(value, -0) ? '0' : String(value);
}

export function telemetryLines(device: DeviceIdentity, readings: readonly TelemetryReading[]): string[] {
  const key = telemetryKey(device);
  const lines: string[] = new Array<string>(readings.length);
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i]!;
    let line = key;
    let sep = ' ';
    for (const name in r.metrics) {
      line += `${sep}${escapedName(name)}=${floatValue(r.metrics[name]!)}`;
      sep = ',';
    }
    lines[i] = `${line} ${r.ts}`;
  }
  return lines;
}

export function eventLines(device: DeviceIdentity, events: readonly DeviceEvent[]): string[] {
  const key = seriesKey(EVENTS_MEASUREMENT, device);
  return events.map((e) => {
    let fields = `code=${escapeString(e.code)},severity=${escapeString(e.severity)}`;
    if (e.message !== undefined) fields += `,message=${escapeString(e.message)}`;
    return `${key} ${fields} ${e.ts}`;
  });
}
