/**
 * The background tasks the worker role runs, built from the configuration. Each feature exports
 * a factory (src/app/background.ts); this list is the one place that names them.
 */
import type { Config } from '../kernel/config.js';
import type { BackgroundTaskFactory } from './background.js';
import { createTelemetryLifecycleTask } from '../telemetry/lifecycle/telemetry-lifecycle.js';
import { notificationSenderTask } from '../service/notifications/notification-sender.js';
import { createPreventiveGenerationTask } from '../service/preventive/preventive.task.js';
import { createOpportunityRulesTask } from '../service/opportunities/opportunities.task.js';
import { reportSchedulerTaskFactory } from '../service/reports/report-scheduler.task.js';
import { commandTimeoutTask } from '../telemetry/commands/commands.task.js';
import { createTicketPolicyTask } from '../service/autotickets/ticket-policy.task.js';

export function backgroundTasks(config: Config): BackgroundTaskFactory[] {
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
    createPreventiveGenerationTask({ everyMs: config.PREVENTIVE_INTERVAL_MS }),
    createOpportunityRulesTask({ everyMs: config.OPPORTUNITY_RULES_INTERVAL_MS }),
    reportSchedulerTaskFactory({ smtpUrl: config.SMTP_URL, mailFrom: config.NOTIFY_FROM }),
    commandTimeoutTask({ everyMs: 5000 }),
    ...(config.TICKET_POLICY_SWEEP_INTERVAL_MS > 0 ? [createTicketPolicyTask({ everyMs: config.TICKET_POLICY_SWEEP_INTERVAL_MS })] : []),
  ];
}
