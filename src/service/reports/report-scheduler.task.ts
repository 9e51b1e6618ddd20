/**
 * The scheduled-reports background task (worker role). Every tick it claims the due occurrence of
 * each active schedule — one run row per (schedule, period key), so any number of workers deliver
 * a period once — runs the report and delivers it by e-mail and/or webhook. A failed channel is
 * retried with exponential backoff (the delivered one is not repeated) up to maxAttempts, then the
 * run is `gave_up`. A run whose worker died is taken over when its lease expires.
 */
import type { Core } from '../../kernel/core.js';
import type { Database } from '../../kernel/db/database.js';
import type { BackgroundTask } from '../../kernel/jobs/background-task.js';
import type { Logger } from '../../kernel/logger.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { EgressRefusedError, type EgressPort } from '../../kernel/egress/egress.js';
import { SecretBox } from '../../kernel/secrets/secret-box.js';
import { REPORT_WEBHOOK_SECRET } from '../../kernel/secrets/secrets-rewrap.js';
import { cadenceSchema, dueOccurrence } from './report-cadence.js';
import { ReportDelivery, REPORT_EVENT, type ReportDeliveryOptions, type ReportDeliveryPort } from './report-delivery.js';
import { lookbackPeriod } from './report-period.js';
import { ReportSchedulesRepository, type RunRow, type ScheduleRow } from './report-schedules.repository.js';
import { parseScheduleParams } from './report-schedules.service.js';
import { reportCsv, reportFileName, ReportsService, type ReportOutput } from './reports.service.js';

export interface ReportSchedulerOptions extends ReportDeliveryOptions {
  /** How often due schedules and retries are checked, in ms. Default 60000. */
  readonly tickMs?: number;
  /** Attempts of one run before it is given up. Default 5. */
  readonly maxAttempts?: number;
  /** Delay before the first retry, in ms; doubles with each attempt. Default 60000. */
  readonly retryBaseMs?: number;
  /** How long a claimed run belongs to its worker before another may take it over, in ms. Default 600000. */
  readonly leaseMs?: number;
  /** Hourly labour cost for the profitability report without a technician cost. Default 40. */
  readonly defaultHourlyCost?: number;
  /** Delivery port; default nodemailer + fetch (ReportDelivery) with these options. */
  readonly delivery?: ReportDeliveryPort;
}

export interface ReportSchedulerDeps {
  readonly db: Database;
  readonly logger: Logger;
  readonly clock?: Clock | undefined;
  /** Webhooks go through it unless options.delivery is given (default: public addresses only). */
  readonly egress?: EgressPort | undefined;
  /** Opens the stored webhook secrets. Default: the per-process key (tests). */
  readonly secrets?: SecretBox | undefined;
}

export interface TickResult {
  readonly claimed: number;
  readonly delivered: number;
  readonly failed: number;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 1000);

export class ReportScheduler implements BackgroundTask {
  readonly name = 'report-schedules';
  private readonly repo = new ReportSchedulesRepository();
  private readonly clock: Clock;
  private readonly reports: ReportsService;
  private readonly delivery: ReportDeliveryPort;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = true;

  constructor(
    private readonly deps: ReportSchedulerDeps,
    private readonly options: ReportSchedulerOptions = {},
  ) {
    this.clock = deps.clock ?? systemClock;
    this.reports = new ReportsService(deps.db, this.clock, { defaultHourlyCost: options.defaultHourlyCost });
    this.delivery = options.delivery ?? new ReportDelivery({ ...options, egress: deps.egress });
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await this.delivery.close();
  }

  private loop(): void {
    if (this.stopped) return;
    this.running = this.tick()
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'report scheduler tick failed'))
      .finally(() => {
        if (!this.stopped) this.timer = setTimeout(() => this.loop(), this.options.tickMs ?? 60_000);
      });
  }

  /** One pass: claim and run due occurrences, then retries. */
  async tick(): Promise<TickResult> {
    const now = this.clock.now();
    const lease = new Date(now.getTime() + (this.options.leaseMs ?? 600_000));
    const work: { schedule: ScheduleRow; run: RunRow }[] = [];
    const schedules = await this.repo.active(this.deps.db);
    for (const schedule of schedules) {
      const cadence = cadenceSchema.safeParse(schedule.cadence);
      if (!cadence.success) {
        this.deps.logger.warn({ scheduleId: schedule.id }, 'report schedule has an invalid cadence; skipped');
        continue;
      }
      const due = dueOccurrence(cadence.data, schedule.created_at, now);
      if (!due) continue;
      const run = await this.repo.claimNew(this.deps.db, { scheduleId: schedule.id, periodKey: due.key, scheduledFor: due.at, now, leaseUntil: lease });
      if (run) work.push({ schedule, run });
    }
    const byId = new Map(schedules.map((s) => [s.id, s]));
    for (const seen of await this.repo.retryable(this.deps.db, now, 50)) {
      const schedule = byId.get(seen.schedule_id) ?? (await this.repo.find(this.deps.db, seen.schedule_id));
      if (!schedule) continue;
      const run = await this.repo.reclaim(this.deps.db, seen, lease);
      if (run) work.push({ schedule, run });
    }
    let delivered = 0;
    let failed = 0;
    for (const { schedule, run } of work) {
      if (await this.execute(schedule, run)) delivered++;
      else failed++;
    }
    return { claimed: work.length, delivered, failed };
  }

  /** Runs the report and delivers what is not delivered yet; records the outcome. True when done. */
  private async execute(schedule: ScheduleRow, run: RunRow): Promise<boolean> {
    const errors: string[] = [];
    let emailAt = run.email_delivered_at;
    let webhookAt = run.webhook_delivered_at;
    let rowCount: number | null = run.row_count;
    let permanent = false;
    try {
      let params: ReturnType<typeof parseScheduleParams>;
      try {
        params = parseScheduleParams(schedule.report, schedule.params);
      } catch (error) {
        permanent = true; // retrying cannot fix stored parameters
        throw error;
      }
      const { lookbackDays, ...query } = params;
      const output = await this.reports.run(schedule.report, query, lookbackPeriod(run.scheduled_for, lookbackDays));
      rowCount = output.rows.length;
      if (schedule.email_to.length > 0 && !emailAt) {
        try {
          await this.delivery.sendMail(this.mail(schedule, output));
          emailAt = this.clock.now();
        } catch (error) {
          errors.push(`email: ${errorText(error)}`);
        }
      }
      if (schedule.webhook_url && schedule.webhook_secret && !webhookAt) {
        try {
          await this.delivery.postWebhook({
            url: schedule.webhook_url,
            secret: (this.deps.secrets ?? SecretBox.ephemeral()).open(schedule.webhook_secret, REPORT_WEBHOOK_SECRET),
            body: this.webhookBody(schedule, run, output),
            deliveryId: `${schedule.id}:${run.period_key}`,
            attempt: run.attempts,
          });
          webhookAt = this.clock.now();
        } catch (error) {
          errors.push(`webhook: ${errorText(error)}`);
          if (error instanceof EgressRefusedError) permanent = true; // a refused destination stays refused
        }
      }
    } catch (error) {
      errors.push(`report: ${errorText(error)}`);
    }
    const now = this.clock.now();
    const done = errors.length === 0;
    const giveUp = !done && (permanent || run.attempts >= (this.options.maxAttempts ?? 5));
    const retryAt = done || giveUp ? null : new Date(now.getTime() + (this.options.retryBaseMs ?? 60_000) * 2 ** (run.attempts - 1));
    await this.repo.finish(this.deps.db, run.id, {
      status: done ? 'delivered' : giveUp ? 'gave_up' : 'failed',
      next_attempt_at: retryAt,
      email_delivered_at: emailAt,
      webhook_delivered_at: webhookAt,
      row_count: rowCount,
      last_error: done ? null : errors.join('; '),
      finished_at: done || giveUp ? now : null,
    });
    if (!done) this.deps.logger.warn({ scheduleId: schedule.id, periodKey: run.period_key, attempt: run.attempts, errors }, 'scheduled report delivery failed');
    return done;
  }

  private mail(schedule: ScheduleRow, output: ReportOutput) {
    const span = output.period ? `${output.period.from} – ${output.period.to}` : `snapshot at ${output.generatedAt}`;
    const csv = schedule.format === 'csv';
    const fileName = csv ? reportFileName(output) : reportFileName(output).replace(/\.csv$/, '.json');
    const summary = output.summary
      ? Object.entries(output.summary)
          .filter(([, v]) => v !== null)
          .map(([k, v]) => `  ${k}: ${String(v)}`)
      : [];
    return {
      to: schedule.email_to,
      subject: `[Telemend] ${schedule.name}: ${output.title}`,
      text: [
        output.title,
        span,
        '',
        `${output.rows.length} rows, attached (${fileName}).`,
        ...(summary.length ? ['', 'Overall:', ...summary] : []),
        '',
        output.formula,
      ].join('\n'),
      attachment: csv
        ? { filename: fileName, content: reportCsv(output), contentType: 'text/csv; charset=utf-8' }
        : { filename: fileName, content: JSON.stringify(output, null, 2), contentType: 'application/json' },
    };
  }

  private webhookBody(schedule: ScheduleRow, run: RunRow, output: ReportOutput): string {
    return JSON.stringify({
      event: REPORT_EVENT,
      schedule: { id: schedule.id, name: schedule.name },
      run: { id: Number(run.id), periodKey: run.period_key, scheduledFor: run.scheduled_for.toISOString(), attempt: run.attempts },
      format: schedule.format,
      report: output,
      ...(schedule.format === 'csv' ? { csv: reportCsv(output) } : {}),
    });
  }
}

export interface ReportSchedulerTaskDeps extends Pick<Core, 'db' | 'logger' | 'clock' | 'config'> {
  readonly egress: EgressPort;
  readonly secrets: SecretBox;
}

/** The worker role's scheduled reports: e-mailed through SMTP_URL from NOTIFY_FROM; other options at their defaults. */
export function reportSchedulerTask(deps: ReportSchedulerTaskDeps): ReportScheduler {
  return new ReportScheduler(
    { db: deps.db, logger: deps.logger, clock: deps.clock, egress: deps.egress, secrets: deps.secrets },
    { smtpUrl: deps.config.SMTP_URL, mailFrom: deps.config.NOTIFY_FROM },
  );
}
