/**
 * The platform's Prometheus metrics (prom-client), one registry per running platform (tests run
 * several platforms in one process). Counters that a component keeps anyway (ingest, writer) are
 * read at scrape time through `collect`, so the hot paths gain no work; the rest are fed by narrow
 * hooks: HTTP responses, InfluxDB write requests, ticket events, detection findings.
 * Every metric is documented in README ("Operations"); keep the two in step.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the metrics read at scrape time; each part is absent in roles that do not run it. */
export interface MetricSources {
  /** Broker roles: publishes accepted and refused since start (IngestService.stats()). */
  ingest?: () => { accepted: number; items: number; rejected: number; byReason: Partial<Record<string, number>>; journalFailures: number };
  /** The shared journal: unwritten publishes and the age of the oldest entry. */
  journal?: () => Promise<{ pending: number; oldestAgeMs: number }>;
  /** Worker roles: what the InfluxDB writer did since start (undefined until InfluxDB answered). */
  writer?: () => Promise<{ written: number; refused: number; retries: number } | undefined>;
  /** Worker roles: detection jobs by state, and the age of the oldest waiting one. */
  detection?: () => Promise<{ waiting: number; active: number; delayed: number; oldestWaitingAgeMs: number }>;
}

export type WriteOutcome = 'ok' | 'refused' | 'error';

/** Latency buckets (seconds) from sub-millisecond acks to multi-second reports. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class PlatformMetrics {
  readonly registry = new Registry();
  private sources: MetricSources = {};

  readonly httpDuration = new Histogram({
    name: 'telemend_http_request_duration_seconds',
    help: 'HTTP API requests by route pattern, method and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: BUCKETS,
    registers: [this.registry],
  });

  readonly influxWriteDuration = new Histogram({
    name: 'telemend_influx_write_duration_seconds',
    help: 'InfluxDB write requests of the telemetry writer, by outcome (ok, refused: InfluxDB rejected lines, error: unavailable/failed).',
    labelNames: ['outcome'] as const,
    buckets: BUCKETS,
    registers: [this.registry],
  });

  private readonly alarmsOpened = new Counter({
    name: 'telemend_alarms_opened_total',
    help: 'Alarms opened by detection, by finding kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  private readonly ticketsOpened = new Counter({
    name: 'telemend_tickets_opened_total',
    help: 'Tickets opened (API and auto-tickets), by channel (iot = opened by detection).',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    // Process metrics, among them the event loop lag (nodejs_eventloop_lag_seconds and percentiles).
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    const sources = () => this.sources;
    const registers = [this.registry];

    new Counter({
      name: 'telemend_publishes_accepted_total',
      help: 'MQTT publishes validated and journalled (then acknowledged) by this broker.',
      registers,
      collect() {
        mirror(this, sources().ingest?.().accepted);
      },
    });
    new Counter({
      name: 'telemend_readings_accepted_total',
      help: 'Readings and events in the accepted publishes.',
      registers,
      collect() {
        mirror(this, sources().ingest?.().items);
      },
    });
    new Counter({
      name: 'telemend_publishes_rejected_total',
      help: 'Publishes refused as invalid, by reason (the rejection log holds samples).',
      labelNames: ['reason'] as const,
      registers,
      collect() {
        const stats = sources().ingest?.();
        if (!stats) return;
        this.reset();
        for (const [reason, n] of Object.entries(stats.byReason)) if (n) this.inc({ reason }, n);
      },
    });
    new Counter({
      name: 'telemend_journal_append_failures_total',
      help: 'Publishes not acknowledged because the journal could not take them (Redis down or journal full).',
      registers,
      collect() {
        mirror(this, sources().ingest?.().journalFailures);
      },
    });
    new Gauge({
      name: 'telemend_journal_backlog_publishes',
      help: 'Publishes in the journal not yet written to InfluxDB (installation-wide: every process reports the same value).',
      registers,
      async collect() {
        const journal = await sources()
          .journal?.()
          .catch(() => undefined);
        if (journal) this.set(journal.pending);
      },
    });
    new Gauge({
      name: 'telemend_journal_oldest_entry_age_seconds',
      help: 'Age of the oldest unwritten journal entry (0 when the journal is empty).',
      registers,
      async collect() {
        const journal = await sources()
          .journal?.()
          .catch(() => undefined);
        if (journal) this.set(journal.oldestAgeMs / 1000);
      },
    });
    // The writer's running totals, mirrored into counters at scrape time.
    const writerCounter = (name: string, help: string, field: 'written' | 'refused' | 'retries'): void =>
      void new Counter({
        name,
        help,
        registers,
        async collect() {
          mirror(
            this,
            (
              await sources()
                .writer?.()
                .catch(() => undefined)
            )?.[field],
          );
        },
      });
    writerCounter('telemend_influx_lines_written_total', 'Lines (readings, events) InfluxDB accepted from this writer.', 'written');
    writerCounter('telemend_influx_lines_refused_total', 'Lines InfluxDB refused (moved to the rejection log as influx_refused).', 'refused');
    writerCounter(
      'telemend_influx_write_errors_total',
      'Failed InfluxDB write attempts of a journal batch (retried with backoff; the batch stays in the journal).',
      'retries',
    );
    new Gauge({
      name: 'telemend_detection_queue_jobs',
      help: 'Detection jobs in the shard queues by state (waiting, active, delayed); installation-wide.',
      labelNames: ['state'] as const,
      registers,
      async collect() {
        const queue = await sources()
          .detection?.()
          .catch(() => undefined);
        if (!queue) return;
        this.set({ state: 'waiting' }, queue.waiting);
        this.set({ state: 'active' }, queue.active);
        this.set({ state: 'delayed' }, queue.delayed);
      },
    });
    new Gauge({
      name: 'telemend_detection_queue_lag_seconds',
      help: 'Age of the oldest waiting detection job (0 when none waits): how far detection is behind ingest.',
      registers,
      async collect() {
        const queue = await sources()
          .detection?.()
          .catch(() => undefined);
        if (queue) this.set(queue.oldestWaitingAgeMs / 1000);
      },
    });
  }

  /** Adds what this process can report (called as the platform's parts start). */
  use(sources: MetricSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  /** A ticket-event sink counting created tickets. */
  readonly ticketSink = {
    accept: async (event: { readonly type: string; readonly ticket: { readonly channel: string } }): Promise<void> => {
      if (event.type === 'ticket.created') this.ticketsOpened.inc({ channel: event.ticket.channel });
    },
  };

  /** Wraps detection's finding sink (AutoTicketService) to count the alarms its findings open. */
  countingAlarms<F, O>(sink: { apply(finding: F, options?: O): Promise<unknown> }): { apply(finding: F, options?: O): Promise<unknown> } {
    return {
      apply: async (finding, options) => {
        const result = (await sink.apply(finding, options)) as { alarmCreated?: boolean; alarm?: { kind?: string } } | undefined;
        if (result?.alarmCreated) this.alarmsOpened.inc({ kind: result.alarm?.kind ?? 'unknown' });
        return result;
      },
    };
  }

  /** The text exposition format. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** Sets a counter to a total kept elsewhere (prom-client counters only go up through inc). */
function mirror(counter: Counter, total: number | undefined): void {
  if (total === undefined) return;
  counter.reset();
  counter.inc(total);
}
