/**
 * Pure validation of a device publish against its equipment model. No I/O, no clock of its
 * own: the caller passes `now`.
 *
 * A publish is all-or-nothing: one bad reading rejects the whole publish, so an array of
 * buffered readings is never half-written and the device (or its operator) sees one clear
 * reason instead of a silent gap.
 */
import { z } from 'zod';
import type { EquipmentModel } from '../models/models.schema.js';
import type { RejectionReason } from './ingest.types.js';

export interface TelemetryReading {
  /** Epoch milliseconds of the reading (the device's own timestamp). */
  readonly ts: number;
  readonly metrics: Readonly<Record<string, number>>;
}

export const EVENT_SEVERITIES = ['info', 'warning', 'alarm', 'critical'] as const;
export type EventSeverity = (typeof EVENT_SEVERITIES)[number];

export interface DeviceEvent {
  readonly ts: number;
  readonly code: string;
  /** From the payload, else the model's severity for the code. */
  readonly severity: EventSeverity;
  readonly message?: string;
}

export type Validation<T> = { readonly ok: true; readonly items: T[] } | { readonly ok: false; readonly reason: RejectionReason; readonly detail: string };

export interface ValidationOptions {
  /** Current time, epoch ms. */
  readonly now: number;
  /** How far in the future a timestamp may be, ms (TELEMETRY_MAX_FUTURE_MS). */
  readonly maxFutureMs: number;
  /** Most readings or events in one publish. Default 1000. */
  readonly maxItems?: number;
}

/** Earliest plausible timestamp: 2000-01-01T00:00:00Z. Epoch seconds sent as ms land before it. */
export const EARLIEST_TIMESTAMP_MS = 946_684_800_000;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

const timestampSchema = z.union([z.number(), z.string().max(40)]);
const readingSchema = z.object({ ts: timestampSchema, metrics: z.record(z.string().max(64), z.unknown()) }).strict();
const eventSchema = z
  .object({
    ts: timestampSchema,
    code: z.string().min(1).max(32),
    severity: z.enum(EVENT_SEVERITIES).optional(),
    message: z.string().max(1000).optional(),
  })
  .strict();

type Failure = Extract<Validation<never>, { ok: false }>;
const fail = (reason: RejectionReason, detail: string): Failure => ({ ok: false, reason, detail });

type RawReading = z.output<typeof readingSchema>;

/**
 * The well-formed reading, checked by hand: exactly `ts` (number, or string of at most 40
 * characters) and `metrics` (a plain object whose keys have at most 64 characters) — what
 * readingSchema accepts. zod costs several times more per reading, so it runs only when this
 * says no, to produce the detail of the rejection.
 */
function wellFormedReading(element: unknown): RawReading | undefined {
  if (typeof element !== 'object' || element === null || Array.isArray(element)) return undefined;
  const o = element as Record<string, unknown>;
  const ts = o.ts;
  const metrics = o.metrics;
  if (typeof ts !== 'number' && !(typeof ts === 'string' && ts.length <= 40)) return undefined;
  if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) return undefined;
  let keys = 0;
  for (const key in o) if (Object.hasOwn(o, key)) keys++;
  if (keys !== 2 || !Object.hasOwn(o, 'ts') || !Object.hasOwn(o, 'metrics')) return undefined;
  for (const name in metrics) if (name.length > 64) return undefined;
  return { ts, metrics: metrics as Record<string, unknown> };
}

export function validateTelemetry(payload: Buffer, model: EquipmentModel, options: ValidationOptions): Validation<TelemetryReading> {
  const envelope = parseEnvelope(payload, readingSchema, options.maxItems ?? 1000, 'reading', wellFormedReading);
  if (!envelope.ok) return envelope;
  const readings: TelemetryReading[] = [];
  for (let i = 0; i < envelope.items.length; i++) {
    const raw = envelope.items[i]!;
    const where = envelope.items.length > 1 ? `reading ${i}: ` : '';
    const ts = checkTimestamp(raw.ts, options);
    if (typeof ts !== 'number') return fail(ts.reason, where + ts.detail);
    const names = Object.keys(raw.metrics);
    if (names.length === 0) return fail('invalid_shape', `${where}metrics is empty`);
    for (const name of names) {
      const value = raw.metrics[name];
      const definition = Object.hasOwn(model.metrics, name) ? model.metrics[name] : undefined;
      if (!definition) return fail('unknown_metric', `${where}metric "${name}" is not in model ${model.id}`);
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return fail('wrong_type', `${where}metric "${name}" must be a finite number, got ${describe(value)}`);
      }
      if (value < definition.min || value > definition.max) {
        return fail('out_of_range', `${where}metric "${name}" = ${value} is outside ${definition.min}..${definition.max} ${definition.unit}`);
      }
    }
    // Every own key is a metric of the model holding a finite number in range: the parsed
    // object is the reading's metrics as it is (no copy per reading on the broker's hot path).
    readings.push({ ts, metrics: raw.metrics as Record<string, number> });
  }
  return { ok: true, items: readings };
}

export function validateEvents(payload: Buffer, model: EquipmentModel, options: ValidationOptions): Validation<DeviceEvent> {
  const envelope = parseEnvelope(payload, eventSchema, options.maxItems ?? 1000, 'event');
  if (!envelope.ok) return envelope;
  const events: DeviceEvent[] = [];
  for (const [i, raw] of envelope.items.entries()) {
    const where = envelope.items.length > 1 ? `event ${i}: ` : '';
    const ts = checkTimestamp(raw.ts, options);
    if (typeof ts !== 'number') return fail(ts.reason, where + ts.detail);
    const definition = Object.hasOwn(model.events, raw.code) ? model.events[raw.code] : undefined;
    if (!definition) return fail('unknown_event', `${where}event code "${raw.code}" is not in model ${model.id}`);
    events.push({
      ts,
      code: raw.code,
      severity: raw.severity ?? definition.severity,
      ...(raw.message !== undefined ? { message: raw.message } : {}),
    });
  }
  return { ok: true, items: events };
}

/** `fast` accepts the common well-formed item without zod; zod decides (and explains) the rest. */
function parseEnvelope<T>(payload: Buffer, item: z.ZodType<T>, maxItems: number, what: string, fast?: (element: unknown) => T | undefined): Validation<T> {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return fail('not_json', 'payload is not valid UTF-8 JSON');
  }
  const list = Array.isArray(json) ? json : [json];
  if (list.length === 0) return fail('invalid_shape', `an array must hold at least one ${what}`);
  if (list.length > maxItems) return fail('invalid_shape', `an array may hold at most ${maxItems} ${what}s, got ${list.length}`);
  const items: T[] = [];
  for (let i = 0; i < list.length; i++) {
    const element: unknown = list[i];
    const quick = fast?.(element);
    if (quick !== undefined) {
      items.push(quick);
      continue;
    }
    const parsed = item.safeParse(element);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue?.path.length ? issue.path.join('.') : what;
      const where = list.length > 1 ? `${what} ${i}: ` : '';
      return fail('invalid_shape', `${where}${path}: ${issue?.message ?? 'invalid'}`);
    }
    items.push(parsed.data);
  }
  return { ok: true, items };
}

function checkTimestamp(ts: number | string, options: ValidationOptions): number | Failure {
  let ms: number;
  if (typeof ts === 'number') {
    if (!Number.isFinite(ts)) return fail('bad_timestamp', 'ts must be a finite number of epoch milliseconds');
    ms = Math.floor(ts);
  } else {
    if (!ISO_8601.test(ts)) return fail('bad_timestamp', `ts "${ts}" is not an ISO 8601 date-time with a time zone`);
    ms = Date.parse(ts);
    if (Number.isNaN(ms)) return fail('bad_timestamp', `ts "${ts}" is not a valid date-time`);
  }
  if (ms < EARLIEST_TIMESTAMP_MS) {
    return fail('bad_timestamp', `ts ${ts} is before 2000-01-01${typeof ts === 'number' && ts > 9e8 ? ' (epoch seconds? ts is in milliseconds)' : ''}`);
  }
  if (ms > options.now + options.maxFutureMs) {
    return fail('future_timestamp', `ts ${new Date(ms).toISOString()} is more than ${options.maxFutureMs} ms in the future`);
  }
  return ms;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value;
}
