/** What the HTTP routes, the broker and the workers share; built by main.ts (or a test). */
import type { Redis } from 'ioredis';
import type { RedisConnector } from '../kernel/redis.js';
import type { EgressPort } from '../kernel/egress/egress.js';
import type { InfluxConnection } from '../telemetry/influx/influx.connection.js';
import type { Config } from '../kernel/config.js';
import type { Database } from '../kernel/db/database.js';
import type { Logger } from '../kernel/logger.js';
import type { ModelRegistry } from '../telemetry/models/models.registry.js';
import type { DevicesService } from '../telemetry/devices/devices.service.js';
import type { TelemetryReader } from '../telemetry/readings/telemetry.reader.js';
import type { RejectionLog } from '../telemetry/ingest/rejection-log.js';
import type { Clock } from '../kernel/clock.js';
import type { TicketEventsPort } from '../service/delivery/ticket-events.js';
import type { NotifierPort } from '../service/notifications/notification.port.js';
import type { SecretBox } from '../kernel/secrets/secret-box.js';
import type { PlatformMetrics } from '../kernel/metrics/metrics.js';

export interface AppContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Database;
  readonly redis: Redis;
  /** Makes further Redis connections with the platform's outage log (queues, jobs); plain clients when absent. */
  readonly connector?: RedisConnector | undefined;
  readonly models: ModelRegistry;
  readonly devices: DevicesService;
  readonly telemetry: TelemetryReader;
  readonly rejections: RejectionLog;
  /** Time source for SLA and business rules; the system clock when absent (tests set one). */
  readonly clock?: Clock;
  /** Ticket events for the SSE stream and webhooks; nothing is published when absent (tests). */
  readonly ticketEvents?: TicketEventsPort;
  /** Customer and technician notifications (outbox); nobody is notified when absent (tests). */
  readonly notifier?: NotifierPort;
  /**
   * Closes the live MQTT session of a client whose credentials were just rotated or revoked, in
   * every broker process (over Redis). Absent when no broker listens for it (tests).
   */
  readonly mqttSessions?: { revoke(clientId: string): void };
  /**
   * Seals signing secrets at rest (SECRETS_KEY or DATA_DIR/secrets.key, see secret-keys.ts). The
   * platform always sets it; absent (tests): a random key of this process (SecretBox.ephemeral).
   */
  readonly secrets?: SecretBox;
  /** Prometheus metrics: HTTP latency is recorded and /metrics served when present. */
  readonly metrics?: PlatformMetrics;
  /** Every request to a user-supplied URL goes through it (EGRESS_ALLOW); built from the config when absent. */
  readonly egress?: EgressPort;
  /** The InfluxDB connection once it answered; absent or undefined = none (yet). */
  readonly influx?: () => InfluxConnection | undefined;
}
