/**
 * Telemend internals: the pipeline as Prometheus sees it (README "Operations" lists the metrics).
 * Ingest (accepted, rejected), the journal between MQTT and InfluxDB, InfluxDB writes, detection
 * queues, alarms and tickets, HTTP latency by route, and each process's event loop.
 */
import { dashboard, Layout, promTarget, stat, timeseries, type JsonObject } from './grafana.builders.js';

export const INTERNALS_UID = 'telemend-internals';

const p99 = (histogram: string, by: string) => `histogram_quantile(0.99, sum by (le, ${by}) (rate(${histogram}_bucket[$__rate_interval])))`;

export function telemendInternals(): JsonObject {
  const layout = new Layout();
  layout
    .row('Ingest')
    .add(
      stat('Journal backlog', [promTarget('A', 'max(telemend_journal_backlog_publishes)')], {
        description: 'Publishes acknowledged to devices but not yet written to InfluxDB.',
        steps: [
          { value: null, color: 'green' },
          { value: 10000, color: 'orange' },
          { value: 100000, color: 'red' },
        ],
      }),
      4,
      5,
    )
    .add(
      stat('Oldest unwritten entry', [promTarget('A', 'max(telemend_journal_oldest_entry_age_seconds)')], {
        unit: 's',
        description: 'Age of the oldest journal entry: how far InfluxDB lags behind the devices.',
        steps: [
          { value: null, color: 'green' },
          { value: 10, color: 'orange' },
          { value: 60, color: 'red' },
        ],
      }),
      4,
      5,
    )
    .add(
      timeseries(
        'Publishes per second',
        [
          promTarget('A', 'sum(rate(telemend_publishes_accepted_total[$__rate_interval]))', 'accepted'),
          promTarget('B', 'sum by (reason) (rate(telemend_publishes_rejected_total[$__rate_interval]))', 'rejected: {{reason}}'),
          promTarget('C', 'sum(rate(telemend_journal_append_failures_total[$__rate_interval]))', 'journal failures'),
        ],
        {
          unit: 'reqps',
          description: 'Publishes journalled (and acknowledged), refused as invalid by reason, and not acknowledged because the journal was unavailable.',
        },
      ),
      16,
      5,
    )
    .row('InfluxDB writes')
    .add(
      timeseries('Write latency p99', [promTarget('A', p99('telemend_influx_write_duration_seconds', 'outcome'), '{{outcome}}')], {
        unit: 's',
        description: 'Per InfluxDB write request of the telemetry writers.',
      }),
      12,
      7,
    )
    .add(
      timeseries(
        'Lines and errors per second',
        [
          promTarget('A', 'sum(rate(telemend_influx_lines_written_total[$__rate_interval]))', 'written'),
          promTarget('B', 'sum(rate(telemend_influx_lines_refused_total[$__rate_interval]))', 'refused'),
          promTarget('C', 'sum(rate(telemend_influx_write_errors_total[$__rate_interval]))', 'failed attempts'),
        ],
        { unit: 'short', description: 'Lines InfluxDB accepted, lines it refused (rejection log), and failed write attempts (retried).' },
      ),
      12,
      7,
    )
    .row('Detection')
    .add(
      timeseries('Detection queue', [promTarget('A', 'max by (state) (telemend_detection_queue_jobs)', '{{state}}')], {
        unit: 'short',
        description: 'Detection jobs in the shard queues by state.',
      }),
      8,
      7,
    )
    .add(
      timeseries('Detection lag', [promTarget('A', 'max(telemend_detection_queue_lag_seconds)', 'oldest waiting job')], {
        unit: 's',
        description: 'Age of the oldest waiting detection job.',
      }),
      8,
      7,
    )
    .add(
      timeseries(
        'Alarms and tickets opened per hour',
        [
          promTarget('A', 'sum by (kind) (increase(telemend_alarms_opened_total[1h]))', 'alarms: {{kind}}'),
          promTarget('B', 'sum by (channel) (increase(telemend_tickets_opened_total[1h]))', 'tickets: {{channel}}'),
        ],
        { unit: 'short', description: 'Alarms opened by detection (by finding kind) and tickets opened (by channel; iot = auto-tickets).' },
      ),
      8,
      7,
    )
    .row('API and processes')
    .add(
      timeseries('HTTP latency p99 by route', [promTarget('A', p99('telemend_http_request_duration_seconds', 'method, route'), '{{method}} {{route}}')], {
        unit: 's',
        description: 'Route patterns, not URLs.',
      }),
      12,
      8,
    )
    .add(
      timeseries(
        'HTTP requests per second by status',
        [promTarget('A', 'sum by (status_code) (rate(telemend_http_request_duration_seconds_count[$__rate_interval]))', '{{status_code}}')],
        { unit: 'reqps' },
      ),
      12,
      8,
    )
    .add(
      timeseries('Event loop lag p99', [promTarget('A', 'max by (job, instance) (nodejs_eventloop_lag_p99_seconds)', '{{job}} {{instance}}')], {
        unit: 's',
        description: 'Per process: a high lag delays MQTT acknowledgements and HTTP answers alike.',
      }),
      12,
      7,
    )
    .add(
      timeseries('Resident memory', [promTarget('A', 'max by (job, instance) (process_resident_memory_bytes)', '{{job}} {{instance}}')], { unit: 'bytes' }),
      12,
      7,
    );
  return dashboard({
    uid: INTERNALS_UID,
    title: 'Telemend internals',
    description: "The platform's own metrics (Prometheus): ingest, journal, InfluxDB writes, detection, alarms and tickets, HTTP, event loop.",
    tags: ['telemend', 'operations'],
    time: { from: 'now-1h', to: 'now' },
    refresh: '30s',
    panels: layout.panels,
  });
}
