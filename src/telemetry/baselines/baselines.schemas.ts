/** Baselines API contract: an asset's learnt normal per learned rule and operating mode, and the commands on it. */
import { z } from 'zod';

export const baselineAssetParams = z.object({ id: z.uuid() });

const instant = z.iso.datetime();

const metricBaseline = z.object({
  metric: z.string(),
  learnedCentre: z.number().describe('Centre learnt from the training readings (robust median)'),
  centre: z.number().describe('Centre now: follows slow drift of the metrics the rule lists under `follow` (unless frozen)'),
  spread: z.number().describe('Robust spread (1.4826·MAD, floored by accuracy and quantisation)'),
});

export const modeBaselineSchema = z.object({
  mode: z.string().describe("'all' for a rule without operating modes, else the bin index of the mode metric (0 = below the first edge)"),
  range: z
    .object({ from: z.number().nullable(), to: z.number().nullable() })
    .nullable()
    .describe('The mode metric values of this mode: from (inclusive) to (exclusive); null without modes'),
  state: z.enum(['learning', 'active', 'frozen']).describe('frozen: an active (or learning) baseline that never adapts and is not relearnt after repairs'),
  frozen: z.boolean(),
  progress: z
    .object({
      samples: z.number().int().describe('Training readings kept so far'),
      needed: z.number().int().describe('Readings needed (trainSamples)'),
      spanMs: z.number().describe('Reading time covered so far'),
      neededSpanMs: z.number().describe('Reading time needed (trainSpan)'),
    })
    .nullable()
    .describe('While learning; null once active'),
  trainingWindow: z.object({ from: instant, to: instant }).nullable().describe('Reading time of the training data (so far, while learning)'),
  samples: z.number().int().nullable().describe('Training readings the active baseline was fitted on'),
  metrics: z.array(metricBaseline).describe('Per metric, in the rule order; empty while learning'),
  limit: z.number().nullable().describe('Limit on the score (squared Mahalanobis distance): learnt from the training readings, or the rule threshold'),
});

export const ruleBaselinesSchema = z.object({
  ruleId: z.string(),
  fault: z.string(),
  metrics: z.array(z.string()),
  modeMetric: z.string().nullable(),
  firing: z.boolean().describe('The rule is firing on the asset now'),
  relearnAfterRepairMs: z.number().nullable().describe('Settle time before the automatic relearn after a fixed repair; null: never'),
  modes: z.array(modeBaselineSchema).describe('The modes seen so far (always `all` for a rule without modes)'),
});

export const assetBaselinesSchema = z.object({
  assetId: z.uuid(),
  modelId: z.string(),
  rules: z.array(ruleBaselinesSchema),
});
export type AssetBaselines = z.infer<typeof assetBaselinesSchema>;
export type RuleBaselines = z.infer<typeof ruleBaselinesSchema>;
export type ModeBaseline = z.infer<typeof modeBaselineSchema>;

export const BASELINE_OPS = ['relearn', 'freeze', 'unfreeze'] as const;
export type BaselineOp = (typeof BASELINE_OPS)[number];

export const baselineCommandBody = z
  .strictObject({
    ruleId: z.string().min(1).max(128).optional().describe('A learned rule of the asset model; default every learned rule'),
    mode: z.string().min(1).max(32).optional().describe("One operating mode ('all', or a bin index); default every mode"),
  })
  .nullish()
  .describe('Optional: no body = every learned rule, every mode');
export type BaselineCommandBody = NonNullable<z.infer<typeof baselineCommandBody>>;

export const commandAcceptedSchema = z.object({
  assetId: z.uuid(),
  commands: z.array(z.object({ ruleId: z.string(), op: z.enum(BASELINE_OPS), mode: z.string().optional() })),
  at: instant.describe('When the commands take effect'),
});
export type CommandAccepted = z.infer<typeof commandAcceptedSchema>;

export const alarmAcceptParams = z.object({ id: z.uuid() });
export const alarmAcceptedSchema = commandAcceptedSchema.extend({
  alarmId: z.uuid(),
  kind: z.enum(['learned', 'anomaly']).describe('learned: the rule baseline is relearnt; anomaly: its baseline window starts afresh'),
});
export type AlarmAccepted = z.infer<typeof alarmAcceptedSchema>;
