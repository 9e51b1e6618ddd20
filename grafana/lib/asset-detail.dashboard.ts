/**
 * Asset detail, one dashboard per equipment model (generated from devices/*.yaml): every metric
 * of the model with its limits drawn (normal band, detection thresholds, predictive limits),
 * alarms, tickets and visits as annotations, the predicted time to limit from trend alarms, and
 * the asset's open work. Raw readings are drawn from the raw retention policy; for the part of the
 * range older than the raw retention, the downsampled aggregates (mean, min, max) are drawn.
 */
import type { EquipmentModel } from '../../src/telemetry/models/models.schema.js';
import {
  CLOSED_STATUSES,
  dashboard,
  grafanaUnit,
  influxTarget,
  Layout,
  POSTGRES,
  sqlAnnotation,
  sqlTarget,
  stat,
  table,
  timeseries,
  type JsonObject,
  type ThresholdStep,
} from './grafana.builders.js';

export interface AssetDashboardOptions {
  /** Retention policy of the aggregates (TELEMETRY_DOWNSAMPLED_RP). Default 'downsampled'. */
  readonly downsampledRetentionPolicy: string;
  /** How long raw readings are kept (TELEMETRY_RAW_RETENTION); older ranges are drawn from the aggregates. Default '30d'. */
  readonly rawRetention: string;
  /** Width of one aggregate (TELEMETRY_DOWNSAMPLE_INTERVAL), for the legend. Default '5m'. */
  readonly downsampleInterval: string;
}

/** Dashboard uids are at most 40 characters. */
export function assetDashboardUid(model: EquipmentModel): string {
  const uid = `telemend-asset-${model.id}`;
  if (uid.length <= 40) return uid;
  let hash = 0;
  for (const c of model.id) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return `telemend-asset-${model.id.slice(0, 16)}-${hash.toString(36)}`.slice(0, 40);
}

export interface MetricLimit {
  readonly value: number;
  readonly kind: 'normal-min' | 'normal-max' | 'alarm-above' | 'alarm-below' | 'predictive-above' | 'predictive-below';
  readonly rule?: string;
}

/** The limits of one metric: its normal band, threshold rules (alarm) and trend rules (predictive). */
export function metricLimits(model: EquipmentModel, metric: string): MetricLimit[] {
  const def = model.metrics[metric]!;
  const limits: MetricLimit[] = [];
  if (def.normal) limits.push({ value: def.normal.min, kind: 'normal-min' }, { value: def.normal.max, kind: 'normal-max' });
  for (const rule of model.detection?.rules ?? []) {
    if ((rule.kind !== 'threshold' && rule.kind !== 'trend') || rule.metric !== metric) continue;
    const family = rule.kind === 'threshold' ? 'alarm' : 'predictive';
    if (rule.above !== undefined) limits.push({ value: rule.above, kind: `${family}-above`, rule: rule.id });
    if (rule.below !== undefined) limits.push({ value: rule.below, kind: `${family}-below`, rule: rule.id });
  }
  return limits;
}

/**
 * Grafana threshold steps for the limits: transparent inside the normal band, orange outside it
 * or past a predictive limit, red past an alarm threshold. Step i colours [value_i, value_i+1).
 */
export function thresholdSteps(limits: readonly MetricLimit[]): ThresholdStep[] {
  const points = [...new Set(limits.map((l) => l.value))].sort((a, b) => a - b);
  const colorOf = (lo: number, hi: number): string => {
    const past = (kind: 'alarm' | 'predictive') =>
      limits.some((l) => (l.kind === `${kind}-above` && lo >= l.value) || (l.kind === `${kind}-below` && hi <= l.value));
    if (past('alarm')) return 'red';
    const outsideNormal = limits.some((l) => (l.kind === 'normal-min' && hi <= l.value) || (l.kind === 'normal-max' && lo >= l.value));
    return past('predictive') || outsideNormal ? 'orange' : 'transparent';
  };
  if (points.length === 0) return [{ value: null, color: 'transparent' }];
  const steps: ThresholdStep[] = [{ value: null, color: colorOf(-Infinity, points[0]!) }];
  points.forEach((p, i) => {
    const color = colorOf(p, points[i + 1] ?? Infinity);
    if (color !== steps[steps.length - 1]!.color) steps.push({ value: p, color });
  });
  return steps;
}

function describeLimits(model: EquipmentModel, metric: string): string {
  const def = model.metrics[metric]!;
  const parts = [def.description];
  if (def.normal) parts.push(`Normal ${def.normal.min}–${def.normal.max} ${def.unit}.`);
  for (const l of metricLimits(model, metric)) {
    if (l.kind.startsWith('alarm')) parts.push(`Alarm ${l.kind.endsWith('above') ? 'above' : 'below'} ${l.value} ${def.unit} (rule ${l.rule}).`);
    if (l.kind.startsWith('predictive')) parts.push(`Predictive limit ${l.value} ${def.unit} (rule ${l.rule}).`);
  }
  return parts.join(' ');
}

const humanize = (name: string) => name.charAt(0).toUpperCase() + name.slice(1).replace(/_/g, ' ');

function metricPanel(model: EquipmentModel, metric: string, options: AssetDashboardOptions): JsonObject {
  const def = model.metrics[metric]!;
  const steps = thresholdSteps(metricLimits(model, metric));
  const agg = options.downsampleInterval;
  return timeseries(
    `${humanize(metric)} (${def.unit})`,
    [
      influxTarget(
        'A',
        `SELECT mean("${metric}") AS "${metric}" FROM "telemetry" WHERE "asset" = '$asset' AND $timeFilter GROUP BY time($__interval) fill(none)`,
        '$col',
      ),
      influxTarget(
        'B',
        `SELECT mean("mean_${metric}") AS "${metric} ${agg} mean", min("min_${metric}") AS "${metric} ${agg} min", max("max_${metric}") AS "${metric} ${agg} max"` +
          ` FROM "$downsampled_rp"."telemetry" WHERE "asset" = '$asset' AND $timeFilter AND time < now() - $raw_retention GROUP BY time($__interval) fill(none)`,
        '$col',
      ),
    ],
    {
      unit: grafanaUnit(def.unit),
      description: describeLimits(model, metric),
      defaults: {
        thresholds: { mode: 'absolute', steps: steps as unknown as JsonObject[] },
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 0,
          spanNulls: false,
          showPoints: 'never',
          stacking: { mode: 'none', group: 'A' },
          thresholdsStyle: { mode: steps.length > 1 ? 'dashed+area' : 'off' },
        },
      },
      overrides: [
        {
          matcher: { id: 'byRegexp', options: `/ ${agg} (min|max)$/` },
          properties: [
            { id: 'custom.lineStyle', value: { fill: 'dash', dash: [4, 4] } },
            { id: 'color', value: { mode: 'fixed', fixedColor: 'text' } },
          ],
        },
      ],
    },
  );
}

export function assetDetail(model: EquipmentModel, options: AssetDashboardOptions, fleetUid: string): JsonObject {
  const layout = new Layout();
  layout
    .add(
      table('Asset', [
        sqlTarget(
          'A',
          `
          SELECT coalesce(a.name, a.serial_number) AS asset, a.serial_number AS serial, m.name AS model, s.name AS site,
                 concat_ws(', ', s.city, s.country) AS location, c.name AS customer, a.install_date AS installed, a.warranty_end AS "warranty until",
                 coalesce(d.id, '') AS device,
                 CASE WHEN d.online THEN 'online' WHEN d.id IS NULL THEN 'no device' ELSE 'offline' END AS status, d.last_seen_at AS "last seen"
          FROM assets a
          JOIN equipment_models m ON m.id = a.model_id
          JOIN sites s ON s.id = a.site_id
          JOIN customers c ON c.id = s.customer_id
          LEFT JOIN devices d ON d.asset_id = a.id AND d.status = 'active'
          WHERE a.id = '$asset'`,
        ),
      ]),
      12,
      4,
    )
    .add(
      stat('Active alarms', [sqlTarget('A', "SELECT count(*) AS \"active alarms\" FROM alarms WHERE asset_id = '$asset' AND state <> 'cleared'")], {
        steps: [
          { value: null, color: 'green' },
          { value: 1, color: 'orange' },
        ],
      }),
      4,
      4,
    )
    .add(
      stat(
        'Days to predicted limit',
        [
          sqlTarget(
            'A',
            `
            SELECT round(min(extract(epoch FROM ((evidence->'latest'->>'projectedFailureAt')::timestamptz - now())) / 86400)::numeric, 1) AS "days to limit"
            FROM alarms
            WHERE asset_id = '$asset' AND kind = 'trend' AND state <> 'cleared' AND evidence->'latest'->>'projectedFailureAt' IS NOT NULL`,
          ),
        ],
        {
          description:
            'From the latest evidence of the open trend alarms: when a degrading metric is projected to reach its limit (empty = no drift detected).',
          unit: 'd',
          decimals: 1,
          steps: [
            { value: null, color: 'red' },
            { value: 3, color: 'orange' },
            { value: 7, color: 'green' },
          ],
        },
      ),
      4,
      4,
    )
    .add(
      stat('Open tickets', [sqlTarget('A', `SELECT count(*) AS "open tickets" FROM tickets WHERE asset_id = '$asset' AND status NOT IN ${CLOSED_STATUSES}`)], {
        steps: [
          { value: null, color: 'green' },
          { value: 1, color: 'orange' },
        ],
      }),
      4,
      4,
    );

  layout.add(
    table(
      'Predicted time to limit',
      [
        sqlTarget(
          'A',
          `
          SELECT al.rule_id AS rule, coalesce(al.fault_code, '') AS fault, coalesce(al.evidence->'latest'->>'metric', '') AS metric,
                 (al.evidence->'latest'->>'threshold')::float8 AS "limit",
                 (al.evidence->'latest'->>'projectedFailureAt')::timestamptz AS "projected at",
                 round((extract(epoch FROM ((al.evidence->'latest'->>'projectedFailureAt')::timestamptz - now())) / 86400)::numeric, 1) AS "days left",
                 (af.prefill->'predictive'->>'latestVisitBy')::timestamptz AS "visit by",
                 coalesce(t.number, '') AS ticket
          FROM alarms al
          LEFT JOIN tickets t ON t.id = al.ticket_id
          LEFT JOIN ticket_autofill af ON af.ticket_id = al.ticket_id
          WHERE al.asset_id = '$asset' AND al.kind = 'trend' AND al.state <> 'cleared'
            AND al.evidence->'latest'->>'projectedFailureAt' IS NOT NULL
          ORDER BY "projected at"`,
        ),
      ],
      {
        description:
          'Open trend (predictive) alarms: the metric drifting toward its limit, the projected crossing and the latest visit date of the auto-ticket.',
      },
    ),
    12,
    6,
  );
  layout.add(
    table('Open tickets', [
      sqlTarget(
        'A',
        `
        SELECT t.number AS ticket, t.title, t.status, t.priority, t.channel AS source, t.created_at AS opened, t.resolution_due_at AS "resolve by",
               coalesce(u.name, '') AS technician
        FROM tickets t
        LEFT JOIN users u ON u.id = t.technician_id
        WHERE t.asset_id = '$asset' AND t.status NOT IN ${CLOSED_STATUSES}
        ORDER BY t.created_at DESC`,
      ),
    ]),
    12,
    6,
  );

  layout.row('Telemetry');
  for (const metric of Object.keys(model.metrics)) layout.add(metricPanel(model, metric, options), 12, 8);

  layout.row('Controller events');
  layout.add(
    {
      ...table('Controller events', [
        {
          ...influxTarget('A', `SELECT "code", "severity", "message" FROM "events" WHERE "asset" = '$asset' AND $timeFilter ORDER BY time DESC LIMIT 200`),
          resultFormat: 'table',
        },
      ]),
      description: 'Codes the controller published on devices/{id}/events.',
    },
    24,
    7,
  );

  return dashboard({
    uid: assetDashboardUid(model),
    title: `Telemend — Asset: ${model.name}`,
    description: `Telemetry of one ${model.name} with the model's limits, its alarms, tickets and predicted time to limit. Generated from devices/${model.id}.yaml by grafana/generate.ts.`,
    tags: ['telemend', 'asset', model.id],
    time: { from: 'now-7d', to: 'now' },
    panels: layout.panels,
    links: [
      {
        title: 'Fleet overview',
        type: 'link',
        url: `/d/${fleetUid}`,
        icon: 'dashboard',
        keepTime: true,
        asDropdown: false,
        includeVars: false,
        targetBlank: false,
        tags: [],
        tooltip: '',
      },
    ],
    variables: [
      {
        type: 'query',
        name: 'asset',
        label: 'Asset',
        datasource: { ...POSTGRES },
        definition: '',
        query: `SELECT a.id AS __value, coalesce(a.name, a.serial_number) || ' · ' || s.name AS __text FROM assets a JOIN sites s ON s.id = a.site_id WHERE a.model_id = '${model.id}' ORDER BY 2`,
        refresh: 1,
        sort: 0,
        includeAll: false,
        multi: false,
        hide: 0,
        current: {},
        options: [],
      },
      { type: 'constant', name: 'downsampled_rp', label: 'Downsampled retention policy', query: options.downsampledRetentionPolicy, hide: 2 },
      { type: 'constant', name: 'raw_retention', label: 'Raw retention', query: options.rawRetention, hide: 2 },
    ],
    annotations: [
      sqlAnnotation(
        'Alarms',
        'red',
        `
        SELECT al.first_seen_at AS "time", coalesce(al.cleared_at, al.last_seen_at) AS timeend,
               concat(coalesce(al.severity, 'alarm'), ': ', al.rule_id, coalesce(' → ' || al.fault_code, ''), ' (', al.state, ')') AS text,
               concat_ws(',', 'alarm', al.kind, al.severity) AS tags
        FROM alarms al
        WHERE al.asset_id = '$asset' AND al.first_seen_at <= $__timeTo() AND coalesce(al.cleared_at, now()) >= $__timeFrom()
        ORDER BY 1`,
      ),
      sqlAnnotation(
        'Tickets',
        'blue',
        `
        SELECT t.created_at AS "time", coalesce(t.resolved_at, t.closed_at, t.cancelled_at, now()) AS timeend,
               concat(t.number, ' [', t.status, '] ', t.title) AS text, concat_ws(',', 'ticket', t.channel, t.priority) AS tags
        FROM tickets t
        WHERE t.asset_id = '$asset' AND t.created_at <= $__timeTo() AND coalesce(t.resolved_at, t.closed_at, t.cancelled_at, now()) >= $__timeFrom()
        ORDER BY 1`,
      ),
      sqlAnnotation(
        'Visits',
        'green',
        `
        SELECT coalesce(v.actual_start, v.planned_start) AS "time", coalesce(v.actual_end, v.planned_end) AS timeend,
               concat('Visit ', t.number, ' — ', v.status, coalesce(' (' || v.outcome || ')', '')) AS text, concat_ws(',', 'visit', v.outcome) AS tags
        FROM visits v
        JOIN tickets t ON t.id = v.ticket_id
        WHERE t.asset_id = '$asset' AND v.status <> 'cancelled' AND coalesce(v.actual_start, v.planned_start) <= $__timeTo()
          AND coalesce(v.actual_end, v.planned_end) >= $__timeFrom()
        ORDER BY 1`,
      ),
    ],
  });
}
