/** Which metrics the evidence chart shows for a fault, and the model's limit drawn on it (pure). */
import type { Diagnosis, Model } from './api';
import type { ChartLimit } from './chart';

/** The fields of a detection rule the chart reads (rules of other kinds have no metric or limits). */
interface ChartRule {
  id: string;
  fault: string;
  kind: string;
  metric?: string;
  above?: number | null;
  below?: number | null;
}
const rulesOf = (model: Model): ChartRule[] => (model.detection?.rules ?? []) as ChartRule[];

/** Metrics worth charting for the fault: the evidence's metric, then those of the fault's rules. */
export function chartMetrics(diag: Diagnosis, model: Model): string[] {
  const out: string[] = [];
  const push = (m: string | null | undefined): void => {
    if (m && model.metrics[m] && !out.includes(m)) out.push(m);
  };
  for (const e of diag.evidence) push((e.evidence as { metric?: string } | null)?.metric);
  for (const r of rulesOf(model)) if (r.fault === diag.prefill.fault.code) push(r.metric);
  if (out.length === 0) for (const [name, m] of Object.entries(model.metrics)) if (m.normal) push(name);
  return out.slice(0, 4);
}

/** The model's limit for a metric: the evidence threshold, else the fault's rule, else the normal band. */
export function limitFor(metric: string, diag: Diagnosis, model: Model): ChartLimit | null {
  const ev = diag.evidence.find((e) => (e.evidence as { metric?: string } | null)?.metric === metric)?.evidence as { threshold?: number | null } | undefined;
  const rules = rulesOf(model).filter((r) => r.metric === metric && (r.above != null || r.below != null));
  const rule = rules.find((r) => r.fault === diag.prefill.fault.code) ?? rules[0];
  if (ev?.threshold != null && rule && ['threshold', 'trend'].includes(rule.kind))
    return { value: ev.threshold, direction: rule.below != null ? 'below' : 'above', label: 'Limit', source: `Limit (rule ${rule.id})` };
  if (rule && ['threshold', 'trend'].includes(rule.kind))
    return { value: (rule.above ?? rule.below)!, direction: rule.above != null ? 'above' : 'below', label: 'Limit', source: `Limit (rule ${rule.id})` };
  const normal = model.metrics[metric]?.normal;
  if (normal?.max != null) return { value: normal.max, direction: 'above', label: 'Normal max', source: 'Normal band (model)' };
  return null;
}
