/**
 * Features still wired the old way: routes given the whole AppContext, tasks given BackgroundDeps,
 * migrations listed here. Each moves into a `<feature>.module.ts` (see src/app/modules.ts).
 */
import type { Config } from '../kernel/config.js';
import type { Migration } from '../kernel/db/migration.types.js';
import type { RouteModule } from '../kernel/http/http.types.js';
import type { AppContext } from './context.js';
import type { BackgroundTaskFactory } from './background.js';
import { devicesRoutes } from '../telemetry/devices/devices.routes.js';
import { modelsRoutes } from '../telemetry/models/models.routes.js';
import { telemetryRoutes } from '../telemetry/readings/telemetry.routes.js';
import { alarmsRoutes } from '../service/alarms/alarms.routes.js';
import { ticketStreamRoutes } from '../service/delivery/ticket-stream.routes.js';
import { webhooksRoutes } from '../service/delivery/webhooks.routes.js';
import { notificationsRoutes } from '../service/notifications/notifications.routes.js';
import { reportsRoutes } from '../service/reports/reports.routes.js';
import { backtestRoutes } from '../telemetry/backtest/backtest.routes.js';
import { commandsRoutes } from '../telemetry/commands/commands.routes.js';
import { brokerHooksRoutes } from '../telemetry/external-broker/broker-hooks.routes.js';
import { deliveryMigration } from '../service/delivery/delivery.migration.js';
import { notificationsMigration } from '../service/notifications/notifications.migration.js';
import { reportsMigration } from '../service/reports/reports.migration.js';
import { commandsMigration } from '../telemetry/commands/commands.migration.js';
import { createTelemetryLifecycleTask } from '../telemetry/lifecycle/telemetry-lifecycle.task.js';
import { notificationSenderTask } from '../service/notifications/notification-sender.js';
import { reportSchedulerTaskFactory } from '../service/reports/report-scheduler.task.js';
import { commandTimeoutTask } from '../telemetry/commands/commands.task.js';

export const legacyRouteModules: ReadonlyArray<readonly [string, RouteModule<AppContext>]> = [
  ['devices', devicesRoutes],
  ['models', modelsRoutes],
  ['telemetry', telemetryRoutes],
  ['alarms', alarmsRoutes],
  ['ticket-stream', ticketStreamRoutes],
  ['webhooks', webhooksRoutes],
  ['notifications', notificationsRoutes],
  ['reports', reportsRoutes],
  ['commands', commandsRoutes],
  ['broker-hooks', brokerHooksRoutes],
  ['backtest', backtestRoutes],
];

export const legacyMigrations: readonly Migration[] = [
  deliveryMigration, // 0006_delivery
  notificationsMigration,
  reportsMigration,
  commandsMigration,
];

export function legacyTaskFactories(config: Config): BackgroundTaskFactory[] {
  return [
    createTelemetryLifecycleTask({
      rawRetention: config.TELEMETRY_RAW_RETENTION,
      downsampledRetention: config.TELEMETRY_DOWNSAMPLED_RETENTION,
      downsampleInterval: config.TELEMETRY_DOWNSAMPLE_INTERVAL,
      lateWindow: config.TELEMETRY_DOWNSAMPLE_LATE_WINDOW,
      downsampledRetentionPolicy: config.TELEMETRY_DOWNSAMPLED_RP,
      v1Mode: config.TELEMETRY_V1_MODE,
    }),
    notificationSenderTask({
      smtpUrl: config.SMTP_URL,
      from: config.NOTIFY_FROM,
      maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
      ...(config.NOTIFY_PUSH_SECRET ? { pushSecret: config.NOTIFY_PUSH_SECRET } : {}),
    }),
    reportSchedulerTaskFactory({ smtpUrl: config.SMTP_URL, mailFrom: config.NOTIFY_FROM }),
    commandTimeoutTask({ everyMs: 5000 }),
  ];
}
