/**
 * A finding: what a detector hands over when one of a model's rules fires (or clears) on an
 * asset — src/telemetry/detection's `Finding` plus the asset it was evaluated for. Plain object, validated
 * here (a malformed finding is a detector bug: VALIDATION_FAILED, never a half-written alarm).
 * Times are the readings' own timestamps (epoch ms or ISO 8601), never the wall clock.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';

/** src/telemetry/detection's DetectorKind (`silence` = no data); `no_data` is accepted as a synonym of `silence`. */
export const FINDING_KINDS = ['threshold', 'rate', 'event', 'anomaly', 'trend', 'learned', 'silence', 'no_data'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];
export const FINDING_SEVERITIES = ['info', 'warning', 'alarm', 'critical'] as const;

/** Epoch ms, an ISO 8601 string with offset, or a Date. */
export const instantInput = z
  .union([z.date(), z.iso.datetime({ offset: true }), z.number().int().nonnegative()])
  .transform((v) => new Date(v))
  .refine((d) => !Number.isNaN(d.getTime()), 'invalid time');

const isoOut = z.union([z.date(), z.iso.datetime({ offset: true }), z.number().int().nonnegative()]).transform((v) => new Date(v).toISOString());

/** Bounded evidence of one finding (stored as jsonb on the alarm and the ticket). */
export const evidenceSchema = z.strictObject({
  metric: z.string().min(1).max(64).optional(),
  /** The readings that decided (at most 200). */
  values: z.array(z.strictObject({ ts: isoOut, value: z.number() })).max(200).optional(),
  window: z.strictObject({ from: isoOut, to: isoOut }).optional(),
  threshold: z.number().optional(),
  /** Trend findings: when the metric is projected to cross its limit. */
  projectedFailureAt: isoOut.optional(),
  /** Event findings: the controller code. */
  eventCode: z.string().min(1).max(32).optional(),
  message: z.string().max(1000).optional(),
  /** Rate: fitted slope per the rule's `per`. */
  rate: z.number().optional(),
  /** Anomaly: robust z and the baseline it was measured against. */
  z: z.number().optional(),
  baseline: z.strictObject({ median: z.number(), spread: z.number() }).optional(),
  /** Trend: slope per day and fit quality. */
  slopePerDay: z.number().optional(),
  r2: z.number().optional(),
  /** Silence: how long the device had been silent (ms). */
  silentForMs: z.number().nonnegative().optional(),
  /** Learned baseline: the score (judged against `threshold`), the operating mode, and the metrics behind it. */
  score: z.number().optional(),
  mode: z.string().max(32).optional(),
  contributions: z
    .array(z.strictObject({ metric: z.string().min(1).max(64), share: z.number().min(0).max(1), value: z.number(), expected: z.number() }))
    .max(32)
    .optional(),
  /** A rule with `smooth`: the rolling statistic (mean, median, p<NN>) judged at the deciding reading, its window (ms) and sample count. */
  smooth: z
    .strictObject({
      stat: z.string().regex(/^(mean|median|p[1-9][0-9]?)$/),
      windowMs: z.number().nonnegative(),
      value: z.number(),
      samples: z.number().int().nonnegative(),
    })
    .optional(),
  /** A rule with `forShare` / `clearShare`: share of the trailing window's samples that met the condition, the share required, the window (ms). */
  share: z
    .strictObject({
      value: z.number().min(0).max(1),
      required: z.number().min(0).max(1),
      samples: z.number().int().positive(),
      windowMs: z.number().nonnegative(),
    })
    .optional(),
  /** Other detector statistics (slope, zScore, baseline, ...): at most 20 numbers. */
  stats: z
    .record(z.string().max(64), z.number())
    .refine((r) => Object.keys(r).length <= 20, 'at most 20 stats')
    .optional(),
});
export type Evidence = z.infer<typeof evidenceSchema>;

export const findingSchema = z.strictObject({
  /** Stable id of the finding (a replay carries the same id). Default: hash of asset, rule, fault, kind and at. */
  id: z.string().min(1).max(200).optional(),
  assetId: z.uuid(),
  deviceId: z.string().min(1).max(128).optional(),
  /** Checked against the asset's model when given. */
  modelId: z.string().min(1).max(64).optional(),
  ruleId: z.string().min(1).max(128),
  /** Fault catalogue code; without one the finding raises an alarm but no ticket. */
  faultCode: z.string().min(1).max(64).optional(),
  kind: z.enum(FINDING_KINDS),
  /** firing (default) opens or feeds the alarm and ticket; cleared goes to AutoTicketService.conditionCleared. */
  state: z.enum(['firing', 'cleared']).default('firing'),
  severity: z.enum(FINDING_SEVERITIES).optional(),
  /** Time of the decisive reading. */
  at: instantInput,
  /** Title used when the fault code is not in the model's catalogue. */
  title: z.string().min(1).max(300).optional(),
  evidence: evidenceSchema.default({}),
});
export type FindingInput = z.input<typeof findingSchema>;
export type Finding = z.infer<typeof findingSchema> & { readonly key: string };

/** Validates a finding and gives it its idempotency key. */
export function parseFinding(input: unknown): Finding {
  const result = findingSchema.safeParse(input);
  if (!result.success) {
    const fields = result.error.issues.map((i) => ({ field: ['finding', ...i.path].join('.'), message: i.message }));
    throw new AppError('VALIDATION_FAILED', `Invalid finding: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { fields });
  }
  const f = result.data;
  const key =
    f.id ?? createHash('sha256').update(JSON.stringify([f.assetId, f.ruleId, f.faultCode ?? null, f.kind, f.at.toISOString()])).digest('base64url').slice(0, 32);
  return { ...f, key };
}
