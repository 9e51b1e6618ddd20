/** Builds the real ingest pipeline (journal → writer → InfluxDB, rejection log) for one test file. */
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { connectInflux, type InfluxConnection } from '../../src/telemetry/influx/influx.connection.js';
import { InfluxWriter, type InfluxWriterOptions } from '../../src/telemetry/writer/influx-writer.js';
import { IngestService } from '../../src/telemetry/ingest/ingest.service.js';
import { RejectionLog } from '../../src/telemetry/ingest/rejection-log.js';
import { TelemetryJournal } from '../../src/telemetry/journal/telemetry-journal.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import { influxQuery } from '../harness/servers.js';
import { silentLogger, testModel, uniqueName } from './ingest-fixtures.js';

export interface Pipeline {
  readonly prefix: string;
  readonly database: string;
  readonly influxUrl: string;
  readonly redis: Redis;
  readonly influx: InfluxConnection;
  readonly journal: TelemetryJournal;
  readonly rejections: RejectionLog;
  readonly ingest: IngestService;
  writer(options?: Partial<InfluxWriterOptions>): InfluxWriter;
  /** count(field) of a measurement, optionally for one device. */
  count(field: string, deviceId?: string, measurement?: string): Promise<number>;
  close(): Promise<void>;
}

export async function startPipeline(options: { influxUrl?: string; maxUnwritten?: number } = {}): Promise<Pipeline> {
  const prefix = uniqueName('t');
  const database = uniqueName('ingest');
  const influxUrl = options.influxUrl ?? inject('influxUrl');
  const redisUrl = inject('redisUrl');
  const redis = new Redis(redisUrl);
  const influx = await connectInflux({ url: influxUrl, database, retentionPolicy: '', logger: silentLogger });
  await influx.ensureDatabase();
  const journal = new TelemetryJournal({ redisUrl, prefix, maxUnwritten: options.maxUnwritten });
  const rejections = new RejectionLog(redis, { prefix, maxEntries: 1000, logger: silentLogger });
  const ingest = new IngestService({ models: ModelRegistry.of([testModel]), journal, rejections, maxFutureMs: 300_000 });
  const writers: InfluxWriter[] = [];
  return {
    prefix,
    database,
    influxUrl,
    redis,
    influx,
    journal,
    rejections,
    ingest,
    writer(overrides = {}) {
      const writer = new InfluxWriter({
        redis,
        prefix,
        influx,
        rejections,
        logger: silentLogger,
        flushIntervalMs: 50,
        consumer: uniqueName('w'),
        ...overrides,
      });
      writers.push(writer);
      return writer;
    },
    async count(field, deviceId, measurement = 'telemetry') {
      const where = deviceId ? ` WHERE "device" = '${deviceId}'` : '';
      const rows = await influxQuery(influxUrl, database, `SELECT count("${field}") FROM "${measurement}"${where}`);
      return Number(rows[0]?.[1] ?? 0);
    },
    async close() {
      for (const w of writers) await w.stop();
      await journal.close();
      await influx.close();
      await redis.quit();
    },
  };
}
