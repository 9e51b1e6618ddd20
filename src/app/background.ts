/**
 * Background tasks of the worker role (outbox sender, preventive-visit generation, scheduled
 * reports, telemetry downsampling...). A feature exports a factory; platform.ts starts every task
 * in the worker role and stops them (in reverse order) on shutdown. A task must tolerate several
 * worker processes running it at once (BullMQ repeatable jobs, SKIP LOCKED, or unique keys).
 */
import type { Config } from '../kernel/config.js';
import type { Database } from '../kernel/db/database.js';
import type { Logger } from '../kernel/logger.js';
import type { RedisConnector } from '../kernel/redis.js';
import type { ModelRegistry } from '../telemetry/models/models.registry.js';
import type { TelemetryReader } from '../telemetry/readings/telemetry.reader.js';
import type { InfluxConnection } from '../telemetry/influx/influx.connection.js';
import type { TicketEventsPort } from '../service/delivery/ticket-events.js';
import type { Clock } from '../kernel/clock.js';
import type { NotifierPort } from '../service/notifications/notification.port.js';
import type { EgressPort } from '../kernel/egress/egress.js';
import type { SecretBox } from '../kernel/secrets/secret-box.js';

export interface BackgroundDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Database;
  /** REDIS_URL; a task opens its own connections (BullMQ needs maxRetriesPerRequest: null). */
  readonly redisUrl: string;
  /** Makes Redis connections with the platform's outage log; tasks use it when set. */
  readonly redis?: RedisConnector;
  /** REDIS_PREFIX, for keys and queue names. */
  readonly prefix: string;
  readonly models: ModelRegistry;
  readonly telemetry: TelemetryReader;
  /** The InfluxDB connection once it answered (undefined before). */
  readonly influx: () => InfluxConnection | undefined;
  readonly ticketEvents?: TicketEventsPort;
  readonly notifier?: NotifierPort;
  readonly clock?: Clock;
  /** Every HTTP request to a user-supplied destination goes through it (EGRESS_ALLOW). */
  readonly egress: EgressPort;
  /** Opens (and seals) the signing secrets stored in the database. */
  readonly secrets: SecretBox;
}

export type { BackgroundTask } from '../kernel/jobs/background-task.js';
import type { BackgroundTask } from '../kernel/jobs/background-task.js';

export type BackgroundTaskFactory = (deps: BackgroundDeps) => BackgroundTask;
