/** What the HTTP routes, the broker and the workers share; built by main.ts (or a test). */
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { Logger } from './logger.js';
import type { ModelRegistry } from '../models/models.registry.js';
import type { DevicesService } from '../devices/devices.service.js';
import type { TelemetryReader } from '../ingest/telemetry.reader.js';
import type { RejectionLog } from '../ingest/rejection-log.js';
import type { Clock } from '../sla/clock.js';
import type { TicketEventsPort } from '../delivery/ticket-events.js';
import type { NotifierPort } from '../notifications/notification.port.js';
import type { PlatformMetrics } from './metrics/metrics.js';

export interface AppContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Database;
  readonly redis: Redis;
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
  /** Prometheus metrics: HTTP latency is recorded and /metrics served when present. */
  readonly metrics?: PlatformMetrics;
}
