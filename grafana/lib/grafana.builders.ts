/**
 * Small builders for Grafana dashboard JSON (schema of Grafana 10/11): data source references,
 * InfluxQL and SQL targets, panels laid out on the 24-column grid. Plain objects, so the
 * generated files are stable and diffable.
 */

export const INFLUX = { type: 'influxdb', uid: 'telemend-influx' } as const;
export const POSTGRES = { type: 'grafana-postgresql-datasource', uid: 'telemend-postgres' } as const;
export const PROMETHEUS = { type: 'prometheus', uid: 'telemend-prometheus' } as const;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Statuses a ticket is no longer open in. */
export const CLOSED_STATUSES = "('resolved', 'closed', 'cancelled')";

export function influxTarget(refId: string, query: string, alias?: string): JsonObject {
  return { refId, datasource: { ...INFLUX }, rawQuery: true, resultFormat: 'time_series', query, ...(alias ? { alias } : {}) };
}

export function sqlTarget(refId: string, rawSql: string, format: 'table' | 'time_series' = 'table'): JsonObject {
  return { refId, datasource: { ...POSTGRES }, editorMode: 'code', rawQuery: true, format, rawSql: dedent(rawSql) };
}

export function promTarget(refId: string, expr: string, legendFormat?: string): JsonObject {
  return { refId, datasource: { ...PROMETHEUS }, editorMode: 'code', range: true, expr, ...(legendFormat ? { legendFormat } : {}) };
}

/** Trims the common indentation of a template literal so the JSON holds readable SQL. */
export function dedent(text: string): string {
  const lines = text.replace(/^\n/, '').replace(/\s+$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** Lays panels out left to right, wrapping at 24 columns; ids in order. */
export class Layout {
  private x = 0;
  private y = 0;
  private rowHeight = 0;
  private nextId = 1;
  readonly panels: JsonObject[] = [];

  add(panel: JsonObject, w: number, h: number): this {
    if (this.x + w > 24) this.newLine();
    this.panels.push({ id: this.nextId++, gridPos: { x: this.x, y: this.y, w, h }, ...panel });
    this.x += w;
    this.rowHeight = Math.max(this.rowHeight, h);
    return this;
  }

  row(title: string): this {
    this.newLine();
    this.panels.push({ id: this.nextId++, type: 'row', title, collapsed: false, gridPos: { x: 0, y: this.y, w: 24, h: 1 }, panels: [] });
    this.y += 1;
    return this;
  }

  private newLine(): void {
    if (this.x === 0 && this.rowHeight === 0) return;
    this.y += this.rowHeight;
    this.x = 0;
    this.rowHeight = 0;
  }
}

export interface ThresholdStep {
  readonly value: number | null;
  readonly color: string;
}

export function stat(
  title: string,
  targets: JsonObject[],
  options: { unit?: string; description?: string; steps?: ThresholdStep[]; decimals?: number } = {},
): JsonObject {
  return {
    type: 'stat',
    title,
    ...(options.description ? { description: options.description } : {}),
    datasource: targets[0]!.datasource!,
    targets,
    fieldConfig: {
      defaults: {
        unit: options.unit ?? 'none',
        ...(options.decimals !== undefined ? { decimals: options.decimals } : {}),
        color: { mode: 'thresholds' },
        thresholds: { mode: 'absolute', steps: (options.steps ?? [{ value: null, color: 'blue' }]) as unknown as Json[] },
      },
      overrides: [],
    },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'background',
      graphMode: 'none',
      textMode: 'value_and_name',
      justifyMode: 'auto',
      orientation: 'auto',
    },
  };
}

export function timeseries(
  title: string,
  targets: JsonObject[],
  options: { unit?: string; description?: string; stacked?: boolean; defaults?: JsonObject; overrides?: JsonObject[] } = {},
): JsonObject {
  return {
    type: 'timeseries',
    title,
    ...(options.description ? { description: options.description } : {}),
    datasource: targets[0]!.datasource!,
    targets,
    fieldConfig: {
      defaults: {
        unit: options.unit ?? 'none',
        color: { mode: 'palette-classic' },
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: options.stacked ? 30 : 0,
          spanNulls: false,
          showPoints: 'never',
          stacking: { mode: options.stacked ? 'normal' : 'none', group: 'A' },
        },
        ...options.defaults,
      },
      overrides: options.overrides ?? [],
    },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'none' } },
  };
}

export function table(
  title: string,
  targets: JsonObject[],
  options: { description?: string; overrides?: JsonObject[]; sortBy?: { displayName: string; desc: boolean }[] } = {},
): JsonObject {
  return {
    type: 'table',
    title,
    ...(options.description ? { description: options.description } : {}),
    datasource: targets[0]!.datasource!,
    targets,
    fieldConfig: { defaults: { custom: { align: 'auto', filterable: false } }, overrides: options.overrides ?? [] },
    options: {
      showHeader: true,
      cellHeight: 'sm',
      footer: { show: false, reducer: ['sum'], fields: '' },
      ...(options.sortBy ? { sortBy: options.sortBy } : {}),
    },
  };
}

/** An override hiding a column of a table. */
export function hideColumn(name: string): JsonObject {
  return { matcher: { id: 'byName', options: name }, properties: [{ id: 'custom.hidden', value: true }] };
}

/** An override turning a column's cells into a link. */
export function linkColumn(name: string, title: string, url: string): JsonObject {
  return { matcher: { id: 'byName', options: name }, properties: [{ id: 'links', value: [{ title, url }] }] };
}

export function dashboard(input: {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  time: { from: string; to: string };
  panels: JsonObject[];
  variables?: JsonObject[];
  annotations?: JsonObject[];
  links?: JsonObject[];
  refresh?: string;
}): JsonObject {
  return {
    uid: input.uid,
    title: input.title,
    description: input.description,
    tags: input.tags,
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: input.refresh ?? '1m',
    time: input.time,
    timepicker: {},
    fiscalYearStartMonth: 0,
    liveNow: false,
    links: [
      {
        title: 'Telemend',
        type: 'dashboards',
        tags: ['telemend'],
        asDropdown: true,
        includeVars: false,
        keepTime: true,
        icon: 'external link',
        targetBlank: false,
        tooltip: '',
        url: '',
      },
      ...(input.links ?? []),
    ],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
        ...(input.annotations ?? []),
      ],
    },
    templating: { list: input.variables ?? [] },
    panels: input.panels,
  };
}

/** A PostgreSQL annotation query (columns time, timeend, text, tags). */
export function sqlAnnotation(name: string, iconColor: string, rawSql: string): JsonObject {
  return { name, datasource: { ...POSTGRES }, enable: true, iconColor, target: sqlTarget('Anno', rawSql) };
}

/** Grafana unit id for a model unit; undefined when there is none (a suffix is used). */
export function grafanaUnit(unit: string): string {
  const known: Record<string, string> = {
    '°C': 'celsius',
    '°F': 'fahrenheit',
    bar: 'pressurebar',
    mbar: 'pressurembar',
    Pa: 'pressurepa',
    kPa: 'pressurekpa',
    A: 'amp',
    mA: 'mamp',
    V: 'volt',
    W: 'watt',
    kW: 'kwatt',
    '%': 'percent',
    h: 'h',
    s: 's',
    'm³/h': 'flowcmh',
    'mm/s': 'velocitymms',
    Hz: 'hertz',
    rpm: 'rotrpm',
  };
  return known[unit] ?? `suffix: ${unit}`;
}
