/**
 * A finding's evidence as alarms and auto-tickets store and serve it (jsonb): the finding's
 * evidence with its times as ISO 8601 strings instead of epoch ms.
 */
import type { Evidence } from '../../telemetry/detection/detection.types.js';

export type StoredEvidence = Omit<Partial<Evidence>, 'values' | 'window' | 'projectedFailureAt'> & {
  values?: { ts: string; value: number }[];
  window?: { from: string; to: string };
  projectedFailureAt?: string;
};

const iso = (ms: number) => new Date(ms).toISOString();

export function storedEvidence(evidence: Partial<Evidence>): StoredEvidence {
  const { values, window, projectedFailureAt, ...rest } = evidence;
  return {
    ...rest,
    ...(values ? { values: values.map((v) => ({ ts: iso(v.ts), value: v.value })) } : {}),
    ...(window ? { window: { from: iso(window.from), to: iso(window.to) } } : {}),
    ...(projectedFailureAt !== undefined ? { projectedFailureAt: iso(projectedFailureAt) } : {}),
  };
}
