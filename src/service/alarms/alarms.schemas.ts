/** Alarms API contract: what detection raised on an asset, with evidence and lifecycle. */
import { z } from 'zod';
import { pageQueryShape, pageSchema, sortQuery } from '../../kernel/http/paging.schemas.js';
import { FINDING_KINDS, FINDING_SEVERITIES } from '../../telemetry/detection/detection.types.js';

export const ALARM_STATES = ['active', 'acknowledged', 'cleared'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

export const alarmIdParams = z.object({ id: z.uuid() });

const instant = z.iso.datetime();
const evidenceEntry = z.record(z.string(), z.unknown()).describe('metric, values, window, threshold, projectedFailureAt, eventCode, message, stats');

export const alarmSchema = z.object({
  id: z.uuid(),
  assetId: z.uuid(),
  deviceId: z.string().nullable(),
  modelId: z.string(),
  ruleId: z.string(),
  faultCode: z.string().nullable(),
  kind: z.enum(FINDING_KINDS),
  severity: z.enum(FINDING_SEVERITIES).nullable(),
  state: z.enum(ALARM_STATES).describe('active → acknowledged → cleared (or active → cleared)'),
  firstSeenAt: instant.describe('Time of the first decisive reading'),
  lastSeenAt: instant.describe('Time of the latest decisive reading'),
  occurrences: z.number().int().describe('Distinct findings merged into this alarm'),
  evidence: z.object({
    latest: evidenceEntry,
    history: z.array(evidenceEntry).describe('Newest last, bounded (oldest dropped)'),
  }),
  ticketId: z.uuid().nullable().describe('The auto-ticket this alarm opened or fed'),
  acknowledgedAt: instant.nullable(),
  acknowledgedBy: z.object({ type: z.string(), id: z.string() }).nullable(),
  clearedAt: instant.nullable(),
  newNormal: z
    .boolean()
    .describe(
      "The raised condition has stayed steady (no longer trending, little variation) for the rule's newNormal window: likely the asset's new normal; accept it with POST /alarms/{id}/accept-as-normal",
    ),
  newNormalSince: instant.nullable().describe('Start of the steady stretch (reading time); null when not steady'),
  version: z.number().int(),
  createdAt: instant,
  updatedAt: instant,
});
export type Alarm = z.infer<typeof alarmSchema>;

export const ALARM_SORTS = ['firstSeenAt', 'lastSeenAt'] as const;

export const listAlarmsQuery = z.strictObject({
  ...pageQueryShape,
  sort: sortQuery(ALARM_SORTS, '-firstSeenAt'),
  assetId: z.uuid().optional(),
  state: z.enum(ALARM_STATES).optional(),
  faultCode: z.string().trim().min(1).max(64).optional(),
  open: z.stringbool().optional().describe('true: active or acknowledged; false: cleared'),
});
export type ListAlarms = z.infer<typeof listAlarmsQuery>;

export const alarmPage = pageSchema(alarmSchema);
