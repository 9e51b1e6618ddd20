/**
 * The edge of a finding (`AssetFinding`, detection.types.ts): its schema, for a finding that
 * comes from outside the process (read back from a stored alarm), and its idempotency key.
 * Inside the process a finding is passed typed, as the detection worker hands it to auto-tickets;
 * it is validated only where it is read back. Times may come as epoch ms, ISO 8601 with offset or
 * a Date, and leave as epoch ms, never the wall clock.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { FINDING_KINDS, FINDING_SEVERITIES, type AssetFinding } from './detection.types.js';

/** Epoch ms, an ISO 8601 string with offset, or a Date; as epoch ms. */
const instant = z
  .union([z.date(), z.iso.datetime({ offset: true }), z.number().int().nonnegative()])
  .transform((v) => new Date(v).getTime())
  .refine((ms) => Number.isFinite(ms), 'invalid time');

/** Bounded evidence of one finding (alarms and tickets store it as jsonb). */
const evidenceSchema = z.strictObject({
  metric: z.string().min(1).max(64).optional(),
  /** The readings that decided (at most 200). */
  values: z
    .array(z.strictObject({ ts: instant, value: z.number() }))
    .max(200)
    .optional(),
  window: z.strictObject({ from: instant, to: instant }).optional(),
  threshold: z.number().optional(),
  /** Trend findings: when the metric is projected to cross its limit. */
  projectedFailureAt: instant.optional(),
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
  /** Other statistics (slope, zScore, baseline, ...): at most 20 numbers. */
  stats: z
    .record(z.string().max(64), z.number())
    .refine((r) => Object.keys(r).length <= 20, 'at most 20 stats')
    .optional(),
});

export const findingSchema = z.strictObject({
  id: z.string().min(1).max(200).optional(),
  assetId: z.uuid(),
  deviceId: z.string().min(1).max(128).optional(),
  modelId: z.string().min(1).max(64).optional(),
  ruleId: z.string().min(1).max(128),
  faultCode: z.string().min(1).max(64).optional(),
  kind: z.enum(FINDING_KINDS),
  /** firing (default) opens or feeds the alarm and ticket; cleared clears them. */
  state: z.enum(['firing', 'cleared']).default('firing'),
  severity: z.enum(FINDING_SEVERITIES).optional(),
  /** Time of the decisive reading. */
  at: instant,
  title: z.string().min(1).max(300).optional(),
  evidence: evidenceSchema.default({}),
});

/** Validates a finding from outside the process (VALIDATION_FAILED with the fields at fault). */
export function parseFinding(input: unknown): AssetFinding {
  const result = findingSchema.safeParse(input);
  if (!result.success) {
    const fields = result.error.issues.map((i) => ({ field: ['finding', ...i.path].join('.'), message: i.message }));
    throw new AppError('VALIDATION_FAILED', `Invalid finding: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { fields });
  }
  const finding: AssetFinding = result.data; // the schema's output is the type, checked here
  return finding;
}

/**
 * The finding's idempotency key: its id, else a hash of asset, rule, fault, kind and time. A
 * re-evaluated batch yields the same findings with the same keys, which alarms and tickets store once.
 */
export function findingKey(finding: Pick<AssetFinding, 'id' | 'assetId' | 'ruleId' | 'faultCode' | 'kind' | 'at'>): string {
  if (finding.id !== undefined) return finding.id;
  const fields = [finding.assetId, finding.ruleId, finding.faultCode ?? null, finding.kind, new Date(finding.at).toISOString()];
  return createHash('sha256').update(JSON.stringify(fields)).digest('base64url').slice(0, 32);
}
