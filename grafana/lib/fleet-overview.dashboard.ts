/** Fleet overview: devices online, readings per second, active alarms, the assets in the worst health, sites. */
import type { EquipmentModel } from '../../src/telemetry/models/models.schema.js';
import {
  CLOSED_STATUSES,
  POSTGRES,
  dashboard,
  hideColumn,
  influxTarget,
  Layout,
  linkColumn,
  sqlTarget,
  stat,
  table,
  timeseries,
  type JsonObject,
} from './grafana.builders.js';

export const FLEET_UID = 'telemend-fleet';

/** Penalties of the health score (100 = healthy). */
export const HEALTH_SCORE = { critical: 40, alarm: 25, warning: 10, other: 5, offline: 20, openTicket: 5 } as const;

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The metric sent most often: present in every reading of a model, so its count is the reading count. */
export function readingMetric(model: EquipmentModel): string {
  return Object.entries(model.metrics).sort((a, b) => a[1].samplePeriodSeconds - b[1].samplePeriodSeconds || a[0].localeCompare(b[0]))[0]![0];
}

export function fleetOverview(models: readonly EquipmentModel[], assetDashboardUid: (model: EquipmentModel) => string): JsonObject {
  const layout = new Layout();
  const h = HEALTH_SCORE;
  const dashboardOf = `CASE a.model_id ${models.map((m) => `WHEN ${sqlString(m.id)} THEN ${sqlString(assetDashboardUid(m))}`).join(' ')} END`;

  layout
    .add(
      stat('Devices online', [sqlTarget('A', 'SELECT count(*) FILTER (WHERE online) AS "online" FROM devices WHERE status = \'active\'')], {
        description: 'Active devices connected to the broker now (devices.online).',
        steps: [{ value: null, color: 'green' }],
      }),
      4,
      4,
    )
    .add(
      stat('Devices offline', [sqlTarget('A', 'SELECT count(*) FILTER (WHERE NOT online) AS "offline" FROM devices WHERE status = \'active\'')], {
        description: 'Active devices not connected now.',
        steps: [
          { value: null, color: 'green' },
          { value: 1, color: 'orange' },
        ],
      }),
      4,
      4,
    )
    .add(
      stat('Active alarms', [sqlTarget('A', 'SELECT count(*) AS "active alarms" FROM alarms WHERE state <> \'cleared\'')], {
        description: 'Alarms raised by detection and not cleared (active or acknowledged).',
        steps: [
          { value: null, color: 'green' },
          { value: 1, color: 'orange' },
        ],
      }),
      4,
      4,
    )
    .add(
      stat('Critical alarms', [sqlTarget('A', "SELECT count(*) AS \"critical\" FROM alarms WHERE state <> 'cleared' AND severity = 'critical'")], {
        steps: [
          { value: null, color: 'green' },
          { value: 1, color: 'red' },
        ],
      }),
      4,
      4,
    )
    .add(
      stat(
        'Open tickets',
        [
          sqlTarget(
            'A',
            `SELECT count(*) AS "open" , count(*) FILTER (WHERE channel = 'iot') AS "of which IoT" FROM tickets WHERE status NOT IN ${CLOSED_STATUSES}`,
          ),
        ],
        {
          description: 'Tickets not resolved, closed or cancelled; IoT = opened automatically from telemetry.',
        },
      ),
      8,
      4,
    );

  layout.add(
    timeseries(
      'Readings per second',
      models.map((m, i) =>
        influxTarget(
          String.fromCharCode(65 + i),
          `SELECT count("${readingMetric(m)}") * 1000 / $__interval_ms FROM "telemetry" WHERE "model" = ${sqlString(m.id)} AND $timeFilter GROUP BY time($__interval) fill(0)`,
          m.name,
        ),
      ),
      {
        unit: 'reqps',
        stacked: true,
        description:
          "Readings stored in InfluxDB per second, stacked by equipment model (count of the model's most frequent metric, which every reading carries).",
      },
    ),
    12,
    8,
  );
  layout.add(
    timeseries(
      'Alarms raised',
      [
        sqlTarget(
          'A',
          `
          SELECT $__timeGroupAlias(first_seen_at, '1h'), coalesce(severity, 'unrated') AS metric, count(*) AS value
          FROM alarms
          WHERE $__timeFilter(first_seen_at)
          GROUP BY 1, 2
          ORDER BY 1`,
          'time_series',
        ),
      ],
      {
        stacked: true,
        description: 'New alarms per hour by severity.',
        defaults: { custom: { drawStyle: 'bars', fillOpacity: 80, stacking: { mode: 'normal', group: 'A' } } },
      },
    ),
    12,
    8,
  );

  layout.add(
    table(
      'Assets in the worst health',
      [
        sqlTarget(
          'A',
          `
          WITH open_alarms AS (
            SELECT asset_id,
                   count(*) AS alarms,
                   sum(CASE severity WHEN 'critical' THEN ${h.critical} WHEN 'alarm' THEN ${h.alarm} WHEN 'warning' THEN ${h.warning} ELSE ${h.other} END) AS penalty,
                   max(CASE severity WHEN 'critical' THEN 4 WHEN 'alarm' THEN 3 WHEN 'warning' THEN 2 ELSE 1 END) AS worst,
                   count(*) FILTER (WHERE kind = 'trend') AS predicted
            FROM alarms WHERE state <> 'cleared' GROUP BY asset_id
          ), open_tickets AS (
            SELECT asset_id, count(*) AS tickets FROM tickets
            WHERE status NOT IN ${CLOSED_STATUSES} AND asset_id IS NOT NULL GROUP BY asset_id
          )
          SELECT a.id AS asset_id, ${dashboardOf} AS dashboard,
                 coalesce(a.name, a.serial_number) AS asset, a.model_id AS model, s.name AS site, c.name AS customer,
                 greatest(0, 100 - coalesce(oa.penalty, 0) - CASE WHEN d.online THEN 0 ELSE ${h.offline} END - ${h.openTicket} * coalesce(ot.tickets, 0))::int AS health,
                 coalesce(oa.alarms, 0)::int AS "active alarms",
                 CASE oa.worst WHEN 4 THEN 'critical' WHEN 3 THEN 'alarm' WHEN 2 THEN 'warning' WHEN 1 THEN 'info' ELSE '' END AS "worst severity",
                 coalesce(oa.predicted, 0)::int AS "predicted faults",
                 coalesce(ot.tickets, 0)::int AS "open tickets",
                 CASE WHEN d.online THEN 'online' WHEN d.id IS NULL THEN 'no device' ELSE 'offline' END AS device,
                 d.last_seen_at AS "last seen"
          FROM assets a
          JOIN sites s ON s.id = a.site_id
          JOIN customers c ON c.id = s.customer_id
          LEFT JOIN devices d ON d.asset_id = a.id AND d.status = 'active'
          LEFT JOIN open_alarms oa ON oa.asset_id = a.id
          LEFT JOIN open_tickets ot ON ot.asset_id = a.id
          ORDER BY health, "active alarms" DESC, asset
          LIMIT 25`,
        ),
      ],
      {
        description:
          `Health score: 100 minus ${h.critical} per active critical alarm, ${h.alarm} per alarm, ${h.warning} per warning, ${h.other} per other alarm, ` +
          `${h.offline} when the device is offline or missing and ${h.openTicket} per open ticket (floor 0). Click an asset for its detail dashboard.`,
        overrides: [
          hideColumn('asset_id'),
          hideColumn('dashboard'),
          linkColumn('asset', 'Asset detail', '/d/${__data.fields.dashboard}/?var-asset=${__data.fields.asset_id}&${__url_time_range}'),
          {
            matcher: { id: 'byName', options: 'health' },
            properties: [
              { id: 'custom.cellOptions', value: { type: 'color-background' } },
              {
                id: 'thresholds',
                value: {
                  mode: 'absolute',
                  steps: [
                    { value: null, color: 'red' },
                    { value: 50, color: 'orange' },
                    { value: 80, color: 'green' },
                  ],
                },
              },
            ],
          },
        ],
      },
    ),
    24,
    10,
  );

  layout.add(
    table(
      'Active alarms',
      [
        sqlTarget(
          'A',
          `
          SELECT al.first_seen_at AS since, al.last_seen_at AS "last seen", a.id AS asset_id, ${dashboardOf} AS dashboard,
                 coalesce(a.name, a.serial_number) AS asset, coalesce(al.severity, '') AS severity, al.rule_id AS rule,
                 coalesce(al.fault_code, '') AS fault, al.kind, al.state, coalesce(t.number, '') AS ticket
          FROM alarms al
          JOIN assets a ON a.id = al.asset_id
          LEFT JOIN tickets t ON t.id = al.ticket_id
          WHERE al.state <> 'cleared'
          ORDER BY CASE al.severity WHEN 'critical' THEN 4 WHEN 'alarm' THEN 3 WHEN 'warning' THEN 2 ELSE 1 END DESC, al.first_seen_at DESC
          LIMIT 50`,
        ),
      ],
      {
        overrides: [
          hideColumn('asset_id'),
          hideColumn('dashboard'),
          linkColumn('asset', 'Asset detail', '/d/${__data.fields.dashboard}/?var-asset=${__data.fields.asset_id}&${__url_time_range}'),
        ],
      },
    ),
    24,
    9,
  );

  const sitesSql = `
    SELECT s.name AS site, c.name AS customer, coalesce(s.city, '') AS city, coalesce(s.country, '') AS country,
           s.latitude, s.longitude,
           count(DISTINCT a.id)::int AS assets,
           count(DISTINCT d.id) FILTER (WHERE d.online)::int AS online,
           count(DISTINCT al.id)::int AS "active alarms"
    FROM sites s
    JOIN customers c ON c.id = s.customer_id
    LEFT JOIN assets a ON a.site_id = s.id
    LEFT JOIN devices d ON d.asset_id = a.id AND d.status = 'active'
    LEFT JOIN alarms al ON al.asset_id = a.id AND al.state <> 'cleared'
    GROUP BY s.id, s.name, c.name, s.city, s.country, s.latitude, s.longitude
    ORDER BY "active alarms" DESC, site`;
  layout.add(
    {
      type: 'geomap',
      title: 'Sites',
      description: 'Customer sites with installed equipment; marker size = assets, colour = active alarms.',
      datasource: { ...POSTGRES },
      targets: [sqlTarget('A', sitesSql)],
      fieldConfig: {
        defaults: {
          color: { mode: 'thresholds' },
          thresholds: {
            mode: 'absolute',
            steps: [
              { value: null, color: 'green' },
              { value: 1, color: 'orange' },
              { value: 3, color: 'red' },
            ],
          },
        },
        overrides: [],
      },
      options: {
        view: { id: 'fit', lat: 0, lon: 0, zoom: 2, allLayers: true },
        controls: { showZoom: true, mouseWheelZoom: true },
        basemap: { type: 'default', name: 'Basemap' },
        layers: [
          {
            type: 'markers',
            name: 'Sites',
            location: { mode: 'coords', latitude: 'latitude', longitude: 'longitude' },
            config: {
              showLegend: true,
              style: {
                size: { field: 'assets', min: 5, max: 20, fixed: 6 },
                color: { field: 'active alarms', fixed: 'green' },
                opacity: 0.7,
                symbol: { mode: 'fixed', fixed: 'img/icons/marker/circle.svg' },
              },
            },
            tooltip: true,
          },
        ],
        tooltip: { mode: 'details' },
      },
    },
    12,
    10,
  );
  layout.add(table('Sites', [sqlTarget('A', sitesSql)], { overrides: [hideColumn('latitude'), hideColumn('longitude')] }), 12, 10);

  return dashboard({
    uid: FLEET_UID,
    title: 'Telemend — Fleet overview',
    description: 'Connected equipment at a glance: devices online, telemetry throughput, active alarms, the assets in the worst health and the sites.',
    tags: ['telemend', 'fleet'],
    time: { from: 'now-24h', to: 'now' },
    panels: layout.panels,
  });
}
