/**
 * Service KPIs from the CRM (PostgreSQL): open tickets by source and age, MTTR, first-time-fix
 * rate and SLA compliance. The time range selects tickets by when they were resolved (KPIs) or
 * opened (intake); the open backlog is always "now".
 */
import { CLOSED_STATUSES, dashboard, Layout, sqlTarget, stat, table, timeseries, type JsonObject } from './grafana.builders.js';

/** Tickets resolved in the range with the outcome of their first completed visit. */
const FIRST_VISITS = `
  WITH resolved AS (
    SELECT t.id FROM tickets t WHERE t.resolved_at IS NOT NULL AND $__timeFilter(t.resolved_at)
  ), first_visit AS (
    SELECT DISTINCT ON (v.ticket_id) v.ticket_id, v.outcome, coalesce(v.actual_end, v.planned_end) AS at
    FROM visits v JOIN resolved r ON r.id = v.ticket_id
    WHERE v.status = 'completed'
    ORDER BY v.ticket_id, coalesce(v.actual_start, v.planned_start), v.id
  )`;

const AGE_BUCKETS = `
  count(*) FILTER (WHERE now() - created_at < interval '1 day')::int AS "< 1 day",
  count(*) FILTER (WHERE now() - created_at >= interval '1 day' AND now() - created_at < interval '3 days')::int AS "1–3 days",
  count(*) FILTER (WHERE now() - created_at >= interval '3 days' AND now() - created_at < interval '7 days')::int AS "3–7 days",
  count(*) FILTER (WHERE now() - created_at >= interval '7 days' AND now() - created_at < interval '30 days')::int AS "7–30 days",
  count(*) FILTER (WHERE now() - created_at >= interval '30 days')::int AS "> 30 days"`;

export const SERVICE_KPIS_UID = 'telemend-service-kpis';

export function serviceKpis(): JsonObject {
  const layout = new Layout();
  const percentSteps = [
    { value: null, color: 'red' },
    { value: 80, color: 'orange' },
    { value: 90, color: 'green' },
  ];
  layout
    .add(
      stat('Open tickets', [sqlTarget('A', `SELECT count(*) AS "open tickets" FROM tickets WHERE status NOT IN ${CLOSED_STATUSES}`)], {
        description: 'Tickets not resolved, closed or cancelled, now.',
      }),
      4,
      4,
    )
    .add(
      stat(
        'MTTR',
        [
          sqlTarget(
            'A',
            `SELECT avg(extract(epoch FROM resolved_at - created_at)) / 3600 AS "MTTR" FROM tickets WHERE resolved_at IS NOT NULL AND $__timeFilter(resolved_at)`,
          ),
        ],
        { unit: 'h', decimals: 1, description: 'Mean time to repair: resolved_at − created_at, over the tickets resolved in the range.' },
      ),
      5,
      4,
    )
    .add(
      stat(
        'First-time-fix rate',
        [
          sqlTarget(
            'A',
            `${FIRST_VISITS}
            SELECT round(100.0 * count(*) FILTER (WHERE outcome = 'fixed') / nullif(count(*), 0), 1) AS "first-time fix" FROM first_visit`,
          ),
        ],
        {
          unit: 'percent',
          decimals: 1,
          steps: percentSteps,
          description: 'Of the tickets resolved in the range that had a completed visit: share fixed at the first visit.',
        },
      ),
      5,
      4,
    )
    .add(
      stat(
        'SLA compliance (resolution)',
        [
          sqlTarget(
            'A',
            `SELECT round(100.0 * count(*) FILTER (WHERE resolved_at <= resolution_due_at) / nullif(count(*), 0), 1) AS "resolved in time"
            FROM tickets WHERE resolved_at IS NOT NULL AND $__timeFilter(resolved_at)`,
          ),
        ],
        {
          unit: 'percent',
          decimals: 1,
          steps: percentSteps,
          description: 'Tickets resolved in the range before their resolution due time (which already includes customer-hold pauses).',
        },
      ),
      5,
      4,
    )
    .add(
      stat(
        'SLA compliance (response)',
        [
          sqlTarget(
            'A',
            `SELECT round(100.0 * count(*) FILTER (WHERE responded_at <= response_due_at) / nullif(count(*), 0), 1) AS "responded in time"
            FROM tickets WHERE responded_at IS NOT NULL AND $__timeFilter(responded_at)`,
          ),
        ],
        { unit: 'percent', decimals: 1, steps: percentSteps, description: 'Tickets first responded to in the range before their response due time.' },
      ),
      5,
      4,
    );

  layout.add(
    {
      type: 'barchart',
      title: 'Open tickets by source and age',
      description: 'The open backlog now: one bar per source (channel), stacked by age since the ticket was opened.',
      datasource: sqlTarget('A', 'SELECT 1').datasource!,
      targets: [
        sqlTarget('A', `SELECT channel AS source, ${AGE_BUCKETS} FROM tickets WHERE status NOT IN ${CLOSED_STATUSES} GROUP BY channel ORDER BY count(*) DESC`),
      ],
      fieldConfig: { defaults: { color: { mode: 'palette-classic' }, custom: { fillOpacity: 80, lineWidth: 1 } }, overrides: [] },
      options: {
        xField: 'source',
        orientation: 'horizontal',
        stacking: 'normal',
        showValue: 'auto',
        legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
        tooltip: { mode: 'multi', sort: 'none' },
      },
    },
    12,
    8,
  );
  layout.add(
    table('Open tickets by source and age (table)', [
      sqlTarget(
        'A',
        `SELECT channel AS source, count(*)::int AS open, ${AGE_BUCKETS}, round((avg(extract(epoch FROM now() - created_at)) / 86400)::numeric, 1) AS "mean age (days)" FROM tickets WHERE status NOT IN ${CLOSED_STATUSES} GROUP BY channel ORDER BY open DESC`,
      ),
    ]),
    12,
    8,
  );

  layout.add(
    timeseries(
      'MTTR per week by priority',
      [
        sqlTarget(
          'A',
          `
          SELECT $__timeGroupAlias(resolved_at, '7d'), priority AS metric, avg(extract(epoch FROM resolved_at - created_at)) / 3600 AS value
          FROM tickets WHERE resolved_at IS NOT NULL AND $__timeFilter(resolved_at)
          GROUP BY 1, 2 ORDER BY 1`,
          'time_series',
        ),
      ],
      { unit: 'h', defaults: { custom: { drawStyle: 'bars', fillOpacity: 60, stacking: { mode: 'none', group: 'A' } } } },
    ),
    12,
    8,
  );
  layout.add(
    timeseries(
      'SLA compliance and first-time fix per week',
      [
        sqlTarget(
          'A',
          `
          SELECT $__timeGroupAlias(resolved_at, '7d'), 100.0 * count(*) FILTER (WHERE resolved_at <= resolution_due_at) / count(*) AS "SLA compliance"
          FROM tickets WHERE resolved_at IS NOT NULL AND $__timeFilter(resolved_at)
          GROUP BY 1 ORDER BY 1`,
          'time_series',
        ),
        sqlTarget(
          'B',
          `${FIRST_VISITS}
          SELECT $__timeGroupAlias(at, '7d'), 100.0 * count(*) FILTER (WHERE outcome = 'fixed') / count(*) AS "first-time fix"
          FROM first_visit GROUP BY 1 ORDER BY 1`,
          'time_series',
        ),
      ],
      {
        unit: 'percent',
        defaults: {
          min: 0,
          max: 100,
          custom: { drawStyle: 'line', lineWidth: 2, fillOpacity: 0, showPoints: 'always', spanNulls: true, stacking: { mode: 'none', group: 'A' } },
        },
      },
    ),
    12,
    8,
  );

  layout.add(
    timeseries(
      'Tickets opened and resolved per day',
      [
        sqlTarget(
          'A',
          "SELECT $__timeGroupAlias(created_at, '1d'), count(*) AS opened FROM tickets WHERE $__timeFilter(created_at) GROUP BY 1 ORDER BY 1",
          'time_series',
        ),
        sqlTarget(
          'B',
          "SELECT $__timeGroupAlias(resolved_at, '1d'), count(*) AS resolved FROM tickets WHERE resolved_at IS NOT NULL AND $__timeFilter(resolved_at) GROUP BY 1 ORDER BY 1",
          'time_series',
        ),
      ],
      { defaults: { custom: { drawStyle: 'bars', fillOpacity: 60, stacking: { mode: 'none', group: 'A' } } } },
    ),
    12,
    8,
  );
  layout.add(
    table('KPIs by source', [
      sqlTarget(
        'A',
        `
        SELECT channel AS source, count(*)::int AS resolved,
               round((avg(extract(epoch FROM resolved_at - created_at)) / 3600)::numeric, 1) AS "MTTR (h)",
               round(100.0 * count(*) FILTER (WHERE resolved_at <= resolution_due_at) / count(*), 1) AS "SLA compliance %"
        FROM tickets WHERE resolved_at IS NOT NULL AND $__timeFilter(resolved_at)
        GROUP BY channel ORDER BY resolved DESC`,
      ),
    ]),
    12,
    8,
  );

  return dashboard({
    uid: SERVICE_KPIS_UID,
    title: 'Telemend — Service KPIs',
    description: 'Open tickets by source and age, mean time to repair, first-time-fix rate and SLA compliance, from the service CRM.',
    tags: ['telemend', 'service'],
    time: { from: 'now-90d', to: 'now' },
    refresh: '5m',
    panels: layout.panels,
  });
}
