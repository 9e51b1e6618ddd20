/** Back office: the reports (MTTR, MTBF, first-time fix, SLA, utilisation, profitability, alarm outcomes, ...) as a chart and a table, CSV download, and scheduled runs. */
import { h } from '../../shared/dom';
import { toast, toastError } from '../../shared/ui';
import { api, client, download, ok } from '../api';
import { label, money, t, tr, when } from '../i18n';
import { busy, card, field, loading, pageHead, select, table } from '../parts';
import { barChart, type Bar } from './bar-chart';
import type { Render } from '../routes';

type Row = Record<string, unknown>;
interface ReportData {
  title: string;
  formula: string;
  columns: string[];
  rows: Row[];
}
/** The bar each report draws: which column is the value, how a row is named, and the unit. */
const CHARTS: Record<string, { value: string; name: (r: Row) => unknown; unit: 'h' | '%' | 'money' | '' }> = {
  mttr: { value: 'mttrHours', name: (r) => r.modelName ?? r.modelId, unit: 'h' },
  mtbf: { value: 'mtbfHours', name: (r) => r.modelName ?? r.modelId, unit: 'h' },
  'first-time-fix': { value: 'firstTimeFixPct', name: (r) => r.modelId ?? '—', unit: '%' },
  'sla-compliance': { value: 'resolutionCompliancePct', name: (r) => [r.customerName, r.priority].filter(Boolean).join(' · '), unit: '%' },
  'technician-utilisation': { value: 'actualUtilisationPct', name: (r) => r.technicianName ?? r.technicianId, unit: '%' },
  profitability: { value: 'margin', name: (r) => r.contractNumber ?? r.customerName, unit: 'money' },
  'alarm-outcomes': { value: 'alarms', name: (r) => [r.modelId, r.faultCode ?? r.ruleId].filter(Boolean).join(' · '), unit: '' },
  'backlog-ageing': { value: 'openTickets', name: (r) => [r.priority, r.status].filter(Boolean).join(' · '), unit: '' },
  'parts-consumption': { value: 'quantity', name: (r) => r.sku ?? r.partId, unit: '' },
};

const isoDay = (d: Date): string => d.toISOString().slice(0, 10);
/** A report column as words: `age0To1d` → "age 0 to 1d", `mttrHours` → "mttr hours". */
const words = (column: string): string =>
  column
    .replace(/([a-z])([A-Z0-9])/g, '$1 $2')
    .replace(/([0-9])([A-Z])/g, '$1 $2')
    .replace(/Pct\b/, '%')
    .toLowerCase();

export const renderReports: Render = async (view, _params, query, alive) => {
  const reports = await ok(client.GET('/api/v1/reports'));
  if (!alive()) return;
  const name = query.get('report') ?? 'mttr';
  const to = query.get('to') ?? isoDay(new Date());
  const from = query.get('from') ?? isoDay(new Date(Date.now() - 90 * 86_400_000));
  const picker = select(
    'report',
    reports.items.map((r) => [r.name, r.title] as const),
    name,
  );
  const fromInput = h('input', { type: 'date', name: 'from', value: from });
  const toInput = h('input', { type: 'date', name: 'to', value: to });
  const show = h('button.btn.btn-primary', { type: 'submit' }, t('report.show'));
  const params = (): string => `from=${fromInput.value}&to=${toInput.value}`;
  const csv = h(
    'button.btn',
    {
      type: 'button',
      onclick: () =>
        void download(`/api/v1/reports/${picker.value}?${params()}&format=csv`, `${picker.value}-${fromInput.value}-${toInput.value}.csv`, 'text/csv').catch(
          (e: unknown) => toastError(e),
        ),
    },
    t('report.csv'),
  );
  const controls = h(
    'form.form.report-controls',
    {
      onsubmit: (e: Event) => {
        e.preventDefault();
        location.hash = `#/office/reports?report=${picker.value}&${params()}`;
      },
    },
    h('div.form-grid', field(t('report.report'), picker), field(t('report.from'), fromInput), field(t('report.to'), toInput)),
    h('div.form-actions', csv, show),
  );
  const result = h('div');
  const schedules = h('div');
  view.replaceChildren(pageHead(t('nav.reports'), t('report.sub')), card(null, controls), result, schedules);
  void loading(schedules, () => schedulesCard(reports.items.map((r) => [r.name, r.title] as const)), alive);
  await loading(
    result,
    async () => {
      const res = await fetch(`/api/v1/reports/${encodeURIComponent(name)}?${params()}`, { headers: { accept: 'application/json', ...api.authHeaders() } });
      const data = (await res.json()) as ReportData & { detail?: string };
      if (!res.ok) throw new Error(data.detail ?? `HTTP ${res.status}`);
      return reportCard(name, data);
    },
    alive,
  );
};

function format(unit: string, v: number): string {
  if (unit === 'money') return money(v);
  if (unit === '%') return `${tr.number(v, { maximumFractionDigits: 1 })} %`;
  if (unit === 'h') return `${tr.number(v, { maximumFractionDigits: 1 })} h`;
  return tr.number(v, { maximumFractionDigits: 2 });
}

function reportCard(name: string, data: ReportData): HTMLElement {
  const chart = CHARTS[name];
  const bars: Bar[] = chart
    ? data.rows
        .filter((r) => typeof r[chart.value] === 'number')
        .slice(0, 20)
        .map((r) => ({ label: String(chart.name(r) ?? '—'), value: r[chart.value] as number }))
    : [];
  const cell = (v: unknown): string => (v === null || v === undefined ? '—' : typeof v === 'number' ? tr.number(v, { maximumFractionDigits: 2 }) : String(v));
  return card(
    data.title,
    h(
      'div',
      h('p.muted.small.formula', data.formula),
      bars.length
        ? h(
            'figure.chart-figure',
            barChart(bars, { title: `${data.title}: ${words(chart!.value)}`, format: (v) => format(chart!.unit, v) }),
            h('figcaption.muted.small', words(chart!.value)),
          )
        : h('p.muted', t('report.noData')),
      table(
        data.rows,
        data.columns.map((c) => ({ head: words(c), cell: (r: Row) => cell(r[c]), num: typeof data.rows[0]?.[c] === 'number' })),
        { empty: t('report.noData') },
      ),
    ),
  );
}

async function schedulesCard(reports: readonly (readonly [string, string])[]): Promise<HTMLElement> {
  const list = await ok(client.GET('/api/v1/reports/schedules', { params: { query: { limit: 100 } } }));
  const name = h('input', { name: 'name', required: true, maxlength: 200 });
  const report = select('report', reports);
  const weekday = select(
    'weekday',
    ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, label('weekday', d)] as const),
    'mon',
  );
  const at = h('input', { type: 'time', name: 'at', value: '07:00', required: true });
  const email = h('input', { type: 'email', name: 'emailTo', multiple: true, placeholder: 'ops@example.com' });
  const format = select(
    'format',
    [
      ['csv', 'CSV'],
      ['json', 'JSON'],
    ],
    'csv',
  );
  const submit = h('button.btn.btn-primary', { type: 'submit' }, t('report.schedule'));
  const form = h(
    'form.form',
    {
      onsubmit: (event: Event) => {
        event.preventDefault();
        void busy(submit, async () => {
          try {
            await ok(
              client.POST('/api/v1/reports/schedules', {
                body: {
                  name: name.value.trim(),
                  report: report.value as 'mttr',
                  format: format.value as 'csv' | 'json',
                  cadence: { kind: 'weekly', weekday: weekday.value as 'mon', at: at.value },
                  emailTo: email.value
                    .split(',')
                    .map((s) => s.trim())
                    .filter(Boolean),
                },
              }),
            );
            toast('success', t('report.scheduled'));
            window.dispatchEvent(new HashChangeEvent('hashchange'));
          } catch (error) {
            toastError(error, t('report.scheduleFailed'));
          }
        });
      },
    },
    h(
      'div.form-grid',
      field(t('report.scheduleName'), name),
      field(t('report.report'), report),
      field(t('report.weekday'), weekday),
      field(t('report.at'), at),
      field(t('report.format'), format),
      field(t('report.emailTo'), email),
    ),
    h('div.form-actions', submit),
  );
  const cadence = (c: Record<string, unknown>): string =>
    c.kind === 'weekly'
      ? `${label('weekday', String(c.weekday))} ${String(c.at)}`
      : c.kind === 'daily'
        ? t('report.daily', { at: String(c.at) })
        : t('report.everyHours', { n: String(c.hours) });
  return card(
    t('report.schedules'),
    h(
      'div',
      table(
        list.items,
        [
          { head: t('report.scheduleName'), cell: (s) => s.name },
          { head: t('report.report'), cell: (s) => s.report },
          { head: t('report.cadence'), cell: (s) => cadence(s.cadence) },
          { head: t('report.emailTo'), cell: (s) => s.emailTo.join(', ') || '—', wide: true },
          { head: t('report.created'), cell: (s) => when(s.createdAt), wide: true },
        ],
        { empty: t('report.noSchedules') },
      ),
      h('h3.sub-head', t('report.newSchedule')),
      form,
    ),
  );
}
