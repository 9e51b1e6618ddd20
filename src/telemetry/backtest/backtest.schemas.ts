/** POST /api/v1/backtests contract. */
import { z } from 'zod';

/** Largest CSV text a request may carry (the CLI streams files of any size). */
export const MAX_CSV_CHARS = 8 * 1024 * 1024;
/** Largest draft model text. */
export const MAX_DRAFT_CHARS = 256 * 1024;
/** Most per-reading score rows a response carries. */
export const MAX_SCORE_ROWS = 10_000;

const instant = z.iso.datetime({ offset: true });

const modelRef = z.union([
  z.strictObject({ id: z.string().min(1).max(64).describe('A deployed model (GET /models)') }),
  z.strictObject({
    draft: z.strictObject({
      text: z.string().min(1).max(MAX_DRAFT_CHARS).describe('The model file, as devices/*.yaml holds it'),
      format: z.enum(['yaml', 'json']).default('yaml'),
      id: z
        .string()
        .regex(/^[a-z0-9][a-z0-9-]{1,62}$/)
        .default('draft')
        .describe('The model id (a file name without extension)'),
    }),
  }),
]);

const csvSource = z.strictObject({
  csv: z.string().min(1).max(MAX_CSV_CHARS).describe('CSV text: a header row, one row per reading, sorted by time (see `telemend backtest --help`)'),
  timeColumn: z.string().min(1).max(200).optional().describe('Default: the first column'),
  separator: z.enum([',', ';', '\t']).optional().describe('Default: detected from the header'),
  map: z.record(z.string().min(1).max(200), z.string().min(1).max(64)).optional().describe('CSV column → model metric'),
  ignore: z.array(z.string().min(1).max(200)).max(500).optional(),
  label: z.string().min(1).max(200).optional().describe('Label column (non-zero = anomalous): scores the run'),
});

const telemetrySource = z.strictObject({
  assetId: z.uuid(),
  from: instant,
  to: instant.describe('Exclusive'),
});

export const backtestBody = z.strictObject({
  model: modelRef.optional().describe("Default with an asset source: the asset's deployed model"),
  source: z.union([csvSource, telemetrySource]),
  options: z
    .strictObject({
      rules: z.array(z.string().min(1).max(128)).max(200).optional().describe('Rules whose firing counts as an alarm when scoring (default all)'),
      scoreFrom: z
        .union([z.strictObject({ row: z.number().int().nonnegative() }), z.strictObject({ time: instant })])
        .optional()
        .describe('Readings before this are run but not scored'),
      scores: z.boolean().default(false).describe('Include per-reading scores of every rule'),
      maxScoreRows: z.number().int().min(1).max(MAX_SCORE_ROWS).default(1000),
    })
    .default({ scores: false, maxScoreRows: 1000 }),
});
export type BacktestBody = z.infer<typeof backtestBody>;

const isoOrNull = z.string().nullable();
const scoreSchema = z.object({
  scored: z.number().int(),
  tp: z.number().int(),
  fp: z.number().int(),
  fn: z.number().int(),
  tn: z.number().int(),
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  f1: z.number().nullable().describe('TP / (TP + (FP + FN) / 2)'),
  far: z.number().nullable().describe('FP / (FP + TN)'),
  mar: z.number().nullable().describe('FN / (FN + TP)'),
  segments: z.array(z.object({ from: z.string(), to: z.string(), detectedAt: isoOrNull, delayMs: z.number().nullable() })),
  delay: z.object({ detected: z.number().int(), segments: z.number().int(), meanMs: z.number().nullable(), medianMs: z.number().nullable() }),
});

export const backtestResponse = z.object({
  model: z.object({ id: z.string(), draft: z.boolean() }),
  rules: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      faultCode: z.string(),
      ticket: z.object({ policy: z.string(), after: z.union([z.string(), z.number()]).optional() }),
    }),
  ),
  readings: z.number().int(),
  from: isoOrNull,
  to: isoOrNull,
  alarms: z.array(
    z.object({
      ruleId: z.string(),
      faultCode: z.string(),
      kind: z.string(),
      raisedAt: z.string(),
      clearedAt: isoOrNull.describe('null: still firing at the end'),
      ticket: z.enum(['opened', 'pending', 'none']).describe("What the rule's ticket policy would have done"),
      ticketAt: isoOrNull,
      evidence: z.record(z.string(), z.unknown()),
    }),
  ),
  score: scoreSchema.nullable().describe('With a label column'),
  scores: z
    .object({
      columns: z.array(z.string()).describe('`time` (epoch ms), then one column per rule'),
      rows: z.array(z.array(z.number().nullable())),
      truncated: z.boolean(),
    })
    .optional(),
  elapsedMs: z.number(),
  readingsPerSecond: z.number(),
});
export type BacktestResponse = z.infer<typeof backtestResponse>;
