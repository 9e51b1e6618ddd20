/** The panel's evidence card: which metrics it charts for a fault, and the model's limit drawn on the chart. */
import { h } from '../shared/dom';
import { empty, errorText, fmtDateTime, skeleton, titleCase } from '../shared/ui';
import type { Diagnosis, Model, Telemetry } from './api';
import { lineChart, type ChartLimit } from './chart';
import { card } from './sections';

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

/** What the evidence card shows: the diagnosis, the chosen metric and its telemetry. */
export interface EvidenceState {
  diag?: Diagnosis | null;
  model?: Model | null;
  metrics?: string[];
  metric?: string | null;
  telemetry?: Telemetry | 'loading' | { error: unknown };
}

/** The evidence: the finding in words and a chart of the chosen metric with the limit and the alarm time. */
export function evidenceCard(cur: EvidenceState, onMetric: (metric: string) => void, chartWidth: number): HTMLElement | null {
  const { diag, telemetry, metrics, metric, model } = cur;
  if (!diag) return null;
  const chips = (metrics ?? []).map((m) =>
    h(`button.chip.chip-btn${m === metric ? '.active' : ''}`, { type: 'button', onclick: () => onMetric(m) }, titleCase(m)),
  );
  const ev = (diag.evidence[0]?.evidence ?? {}) as { eventCode?: string; metric?: string; threshold?: number | null; z?: number | null };
  const summary = [
    ev.eventCode ? `Controller event ${ev.eventCode}` : null,
    ev.metric ? `${ev.metric}` : null,
    ev.threshold != null ? `limit ${ev.threshold}` : null,
    ev.z != null ? `z ${Number(ev.z).toFixed(1)}` : null,
  ]
    .filter(Boolean)
    .join(' · ');
  let body: HTMLElement;
  if (!metric || !model) body = empty('No metric to chart', 'This fault is detected from controller events only.', '∿');
  else if (!telemetry || telemetry === 'loading') body = skeleton(5);
  else if ('error' in telemetry) body = empty('Telemetry unavailable', errorText(telemetry.error), '!');
  else {
    const series = telemetry.series.find((s) => s.metric === metric);
    body = series?.points.length
      ? lineChart({
          points: series.points,
          unit: series.unit,
          every: telemetry.every,
          caption: `${model.metrics[metric]?.description ?? metric} (${series.unit})`,
          limit: limitFor(metric, diag, model),
          alarmAt: diag.prefill.finding.at,
          from: telemetry.from,
          to: telemetry.to,
          width: Math.max(360, chartWidth),
        })
      : empty('No readings in this window', `Nothing stored for ${metric} around ${fmtDateTime(diag.prefill.finding.at)}.`, '∿');
  }
  return card('Evidence', summary ? h('span.muted.small', summary) : null, chips.length > 1 ? h('div.chips', chips) : null, body);
}
