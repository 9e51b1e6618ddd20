/**
 * The equipment model contract: one file per model in DEVICES_DIR (`<id>.yaml`, `.yml` or
 * `.json`; the file name is the model id). Validated at start-up; an invalid file stops the
 * platform with the file and the field named. The simulators read the same files.
 */
import { z } from 'zod';
import { checkDetectionReferences, detectionSchema } from '../detection/detection-rules.schema.js';
import { commandsSchema } from '../commands/command-definition.schema.js';

export const MODEL_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
const METRIC_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const EVENT_CODE = /^[A-Z0-9][A-Z0-9_-]{0,31}$/;

/** How the simulator shapes one metric (all optional: a flat, noisy signal by default). */
export const metricSimulationSchema = z
  .object({
    /** Value while running at nominal load. */
    base: z.number(),
    /** Value while the machine is stopped (off phase of the duty cycle); default = base. */
    idle: z.number().optional(),
    /** Added at full load (load goes 0..1 over the day and duty cycle). */
    load: z.number().default(0),
    /** Amplitude of the daily cycle (peak mid-afternoon). */
    daily: z.number().default(0),
    /** Standard deviation of Gaussian noise. */
    noise: z.number().nonnegative().default(0),
    /** Decimals kept when publishing. */
    decimals: z.number().int().min(0).max(6).default(2),
    /** Counter metrics (running hours, starts) only ever grow by this much per hour of running. */
    counterPerHour: z.number().nonnegative().optional(),
  })
  .strict();

export const metricSchema = z
  .object({
    unit: z.string().min(1),
    description: z.string().min(1),
    /** Physical range: a reading outside it is rejected as impossible. */
    min: z.number(),
    max: z.number(),
    /** Normal operating band, used by dashboards and as a hint for rules. */
    normal: z.object({ min: z.number(), max: z.number() }).strict().optional(),
    /** Expected time between samples, in seconds. */
    samplePeriodSeconds: z.number().positive(),
    /** Sensor accuracy in the metric's unit: learned baselines never count a smaller deviation as unusual. */
    accuracy: z.number().positive().optional(),
    /** How the simulator shapes it; a model for real equipment needs none (it just cannot be simulated). */
    simulation: metricSimulationSchema.optional(),
  })
  .strict()
  .refine((m) => m.min < m.max, { message: 'min must be below max', path: ['max'] });

export const partSchema = z
  .object({
    sku: z.string().min(1),
    description: z.string().min(1),
    quantity: z.number().positive(),
  })
  .strict();

export const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;

/** How the simulator injects a fault: a slow drift or a sudden step, on one or more metrics. */
export const faultSimulationSchema = z
  .object({
    kind: z.enum(['degradation', 'sudden']),
    effects: z
      .array(
        z
          .object({
            metric: z.string().regex(METRIC_NAME),
            /** degradation: change per day of simulated time; sudden: immediate step. */
            change: z.number(),
          })
          .strict(),
      )
      .min(1),
    /** Controller event code the device raises when the fault appears (sudden faults). */
    eventCode: z.string().regex(EVENT_CODE).optional(),
  })
  .strict();

export const faultSchema = z
  .object({
    code: z.string().regex(EVENT_CODE),
    title: z.string().min(1),
    diagnosis: z.string().min(1),
    probableCauses: z.array(z.string().min(1)).min(1),
    actions: z.array(z.string().min(1)).min(1),
    parts: z.array(partSchema).default([]),
    labourHours: z.number().positive(),
    skill: z.string().min(1),
    /** Technicians the job needs on site together (labourHours is the elapsed time); absent = one. */
    crew: z.number().int().min(1).max(4).optional(),
    priority: z.enum(PRIORITIES),
    simulation: faultSimulationSchema.optional(),
  })
  .strict();

export const eventSchema = z
  .object({
    severity: z.enum(['info', 'warning', 'alarm', 'critical']),
    description: z.string().min(1),
    /** Fault catalogue entry this controller code points to, if any. */
    fault: z.string().regex(EVENT_CODE).optional(),
  })
  .strict();

export const equipmentModelFileSchema = z
  .object({
    name: z.string().min(1),
    manufacturer: z.string().min(1),
    category: z.string().min(1),
    description: z.string().min(1),
    metrics: z
      .record(z.string().regex(METRIC_NAME, 'metric names are snake_case'), metricSchema)
      .refine((m) => Object.keys(m).length > 0, 'a model needs at least one metric'),
    events: z.record(z.string().regex(EVENT_CODE, 'event codes are UPPER_CASE'), eventSchema).default({}),
    faults: z.array(faultSchema).default([]),
    simulation: z
      .object({
        /** Compressor-style on/off cycling: minutes on, minutes off (omit for continuous running). */
        dutyCycle: z.object({ onMinutes: z.number().positive(), offMinutes: z.number().nonnegative() }).strict().optional(),
      })
      .strict()
      .default({}),
    /** Detection rules (thresholds, rates, event codes, anomalies, trends, silence); optional. See src/telemetry/detection/README.md. */
    detection: detectionSchema.optional(),
    /** Commands the platform may send to the device (name → parameters, timeout). See README "Commands". */
    commands: commandsSchema,
  })
  .strict()
  .superRefine((model, ctx) => {
    const codes = new Set<string>();
    model.faults.forEach((fault, i) => {
      if (codes.has(fault.code)) ctx.addIssue({ code: 'custom', path: ['faults', i, 'code'], message: `duplicate fault code ${fault.code}` });
      codes.add(fault.code);
      fault.simulation?.effects.forEach((effect, j) => {
        if (!(effect.metric in model.metrics)) {
          ctx.addIssue({ code: 'custom', path: ['faults', i, 'simulation', 'effects', j, 'metric'], message: `unknown metric ${effect.metric}` });
        }
      });
    });
    for (const [code, event] of Object.entries(model.events)) {
      if (event.fault && !codes.has(event.fault)) {
        ctx.addIssue({ code: 'custom', path: ['events', code, 'fault'], message: `unknown fault ${event.fault}` });
      }
    }
    checkDetectionReferences(model, ctx);
  });

export type EquipmentModelFile = z.infer<typeof equipmentModelFileSchema>;
export type MetricDefinition = z.infer<typeof metricSchema>;
export type FaultDefinition = z.infer<typeof faultSchema>;
export interface EquipmentModel extends EquipmentModelFile {
  readonly id: string;
}

/** Whether the simulator can run the model: every metric has a simulation block (models of real equipment need none). */
export function isSimulatable(model: Pick<EquipmentModel, 'metrics'>): boolean {
  return Object.values(model.metrics).every((m) => m.simulation !== undefined);
}
