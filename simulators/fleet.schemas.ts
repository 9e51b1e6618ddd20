/**
 * Inputs of the fleet simulator: the fleet file, the programmatic options and the textual
 * `--fault` / `--offline` specs. Everything external is validated with zod; a bad input throws a
 * FleetInputError that names the field.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

export class FleetInputError extends Error {
  readonly code = 'FLEET_INPUT_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'FleetInputError';
  }
}

/** Readings' timestamps may never be later than real now plus this margin (device contract). */
export const MAX_FUTURE_MS = 4 * 60_000;

export const fleetDeviceSchema = z
  .object({
    deviceId: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[^/#+\s]+$/, 'must not contain /, #, + or spaces'),
    token: z.string().min(1),
    modelId: z.string().min(1),
    assetId: z.string().min(1).optional(),
  })
  .loose();
export type FleetDevice = z.infer<typeof fleetDeviceSchema>;

/** The fleet file: a JSON array of devices (the demo writes it after provisioning). */
export const fleetFileSchema = z
  .array(fleetDeviceSchema)
  .min(1, 'the fleet file lists no devices')
  .superRefine((devices, ctx) => {
    const seen = new Set<string>();
    devices.forEach((d, i) => {
      if (seen.has(d.deviceId)) ctx.addIssue({ code: 'custom', path: [i, 'deviceId'], message: `duplicate device id ${d.deviceId}` });
      seen.add(d.deviceId);
    });
  });

const describeIssues = (error: z.ZodError): string => error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');

export function parseFleet(data: unknown, source = 'fleet'): FleetDevice[] {
  const parsed = fleetFileSchema.safeParse(data);
  if (!parsed.success) throw new FleetInputError(`invalid ${source}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export async function readFleetFile(file: string): Promise<FleetDevice[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new FleetInputError(`cannot read fleet file ${file}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new FleetInputError(`fleet file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  return parseFleet(data, `fleet file ${file}`);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `90s`, `30m`, `2h`, `1d`, `1h30m`, `500ms` (a bare number is seconds) into milliseconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed) {
    throw new FleetInputError(`"${text}" is not a duration (examples: 45s, 30m, 2h, 1d, 1h30m)`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0);
}

export const faultPlanSchema = z
  .object({
    /** Index of the device in the (count-limited) fleet, from 0. */
    deviceIndex: z.number().int().nonnegative(),
    faultCode: z.string().min(1),
    /** Simulated milliseconds after the simulated start. */
    offsetMs: z.number().nonnegative(),
  })
  .strict();
export type FaultPlan = z.infer<typeof faultPlanSchema>;

export const offlinePlanSchema = z
  .object({
    deviceIndex: z.number().int().nonnegative(),
    /** Simulated milliseconds after the simulated start when the device drops off. */
    offsetMs: z.number().nonnegative(),
    /** Simulated milliseconds the device stays offline. */
    durationMs: z.number().positive(),
  })
  .strict();
export type OfflinePlan = z.infer<typeof offlinePlanSchema>;

/** `<deviceIndex>:<FAULT_CODE>@<offset>`, e.g. `0:LOW_REFRIGERANT_CHARGE@2h`. */
export function parseFaultSpec(spec: string): FaultPlan {
  const m = /^(\d+):([A-Z0-9][A-Z0-9_-]*)@(.+)$/.exec(spec.trim());
  if (!m) throw new FleetInputError(`--fault "${spec}" must look like <deviceIndex>:<FAULT_CODE>@<offset>, e.g. 0:CONDENSER_COIL_FOULING@2h`);
  return { deviceIndex: Number(m[1]), faultCode: m[2]!, offsetMs: parseDuration(m[3]!) };
}

/** `<deviceIndex>@<offset>+<duration>`, e.g. `1@30m+2h`. */
export function parseOfflineSpec(spec: string): OfflinePlan {
  const m = /^(\d+)@([^+]+)\+(.+)$/.exec(spec.trim());
  if (!m) throw new FleetInputError(`--offline "${spec}" must look like <deviceIndex>@<offset>+<duration>, e.g. 1@30m+2h`);
  const durationMs = parseDuration(m[3]!);
  if (durationMs <= 0) throw new FleetInputError(`--offline "${spec}": the duration must be positive`);
  return { deviceIndex: Number(m[1]), offsetMs: parseDuration(m[2]!), durationMs };
}

/** Programmatic options of runFleet (the CLI maps its flags onto these). */
export const fleetOptionsSchema = z
  .object({
    /** Broker URL. Default mqtt://127.0.0.1:1883. */
    mqttUrl: z
      .string()
      .regex(/^(mqtts?|wss?|tcp):\/\//, 'must be an mqtt://, mqtts://, ws:// or wss:// URL')
      .default('mqtt://127.0.0.1:1883'),
    /** Use only the first N devices of the fleet. Default: all. */
    count: z.number().int().positive().optional(),
    /**
     * Readings per second of real time per device. Default: one reading per model sample period
     * (the shortest metric period) of simulated time, i.e. speed / period readings per second.
     */
    rate: z.number().positive().max(10_000).optional(),
    /** Simulated-time acceleration: 3600 = one simulated hour per real second. Default 1. */
    speed: z.number().positive().max(10_000_000).default(1),
    /**
     * Simulated start (epoch ms). Default: now − duration × (speed − 1) when a duration is given
     * (the run ends at real now), otherwise now − 7 days when speed > 1, otherwise now.
     * Must not be in the future.
     */
    startTime: z.number().int().optional(),
    /** MQTT QoS of telemetry and events. Default 0. */
    qos: z.union([z.literal(0), z.literal(1)]).default(0),
    faults: z.array(faultPlanSchema).default([]),
    offline: z.array(offlinePlanSchema).default([]),
    /** Stop after this many seconds of real time. Default: run until stop(). */
    durationSeconds: z.number().positive().optional(),
    /** Readings per telemetry publish; > 1 publishes JSON arrays. Default 1 (single objects). */
    batch: z.number().int().positive().max(10_000).default(1),
    /** Base seed; each device's signal seed is derived from it and the device id. Default 1. */
    seed: z.number().int().nonnegative().default(1),
    /** Site time = UTC + this many hours (daily cycle). Default 0. */
    utcOffsetHours: z.number().min(-14).max(14).default(0),
    /** Progress callback period in real milliseconds. Default 1000. */
    progressIntervalMs: z.number().int().positive().default(1000),
    /** MQTT reconnect period after a real connection loss, ms. Default 1000. */
    reconnectPeriodMs: z.number().int().nonnegative().default(1000),
    /** Subscribe to each device's commands and answer them (acknowledged, then succeeded). The CLI turns it on. */
    answerCommands: z.boolean().default(false),
  })
  .strict();
export type FleetOptionsInput = z.input<typeof fleetOptionsSchema>;
export type FleetOptions = z.output<typeof fleetOptionsSchema>;

export function parseFleetOptions(input: FleetOptionsInput): FleetOptions {
  const parsed = fleetOptionsSchema.safeParse(input);
  if (!parsed.success) throw new FleetInputError(`invalid fleet options: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
