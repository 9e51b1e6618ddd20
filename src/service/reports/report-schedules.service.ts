/**
 * Scheduled reports: CRUD with validation of the report parameters against the report's own query
 * contract, optimistic concurrency (If-Match), the webhook secret shown once, and the run log.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Database } from '../../kernel/db/database.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { checkVersion } from '../../kernel/db/row-version.js';
import type { Page } from '../../kernel/db/keyset.js';
import type { Clock } from '../../kernel/clock.js';
import { SecretBox } from '../../kernel/secrets/secret-box.js';
import { REPORT_WEBHOOK_SECRET } from '../../kernel/secrets/secrets-rewrap.js';
import { MAX_PERIOD_DAYS } from './report-period.js';
import { reportNamed, type ReportDefinition } from './reports.catalog.js';
import { ReportSchedulesRepository, type RunRow, type ScheduleRow } from './report-schedules.repository.js';
import { DEFAULT_LOOKBACK_DAYS, type CreateSchedule, type Run, type Schedule, type UpdateSchedule } from './report-schedules.schemas.js';

/** Query keys a schedule may not set: the period comes from the occurrence, the format from the schedule. */
const PERIOD_KEYS = new Set(['from', 'to', 'format']);

/** The parameters a schedule may give for `def`: its filters (strict) + lookbackDays. */
export function scheduleParamsFor(def: ReportDefinition) {
  const shape = Object.fromEntries(Object.entries(def.query.shape).filter(([k]) => !PERIOD_KEYS.has(k)));
  return z.strictObject({ ...shape, lookbackDays: z.number().int().min(1).max(MAX_PERIOD_DAYS).default(DEFAULT_LOOKBACK_DAYS) });
}

/** Validated parameters of a schedule (VALIDATION_FAILED naming the bad ones). */
export function parseScheduleParams(report: string, params: unknown): Record<string, unknown> & { lookbackDays: number } {
  const def = reportNamed(report);
  if (!def)
    throw new AppError('VALIDATION_FAILED', `Invalid request: body.report: unknown report ${report}`, {
      fields: [{ field: 'body.report', message: 'unknown report' }],
    });
  const parsed = scheduleParamsFor(def).safeParse(params ?? {});
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => ({ field: ['body', 'params', ...i.path.map(String)].join('.'), message: i.message }));
    throw new AppError('VALIDATION_FAILED', `Invalid request: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { fields });
  }
  return parsed.data as Record<string, unknown> & { lookbackDays: number };
}

const newSecret = () => randomBytes(32).toString('hex');

export class ReportSchedulesService {
  private readonly repo = new ReportSchedulesRepository();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    /** Seals the webhook secrets at rest; default: the per-process key (tests). */
    private readonly secrets: SecretBox = SecretBox.ephemeral(),
  ) {}

  async create(body: CreateSchedule): Promise<Schedule & { webhookSecret: string | null }> {
    const params = parseScheduleParams(body.report, body.params);
    const now = this.clock.now();
    const secret = body.webhookUrl ? (body.webhookSecret ?? newSecret()) : null;
    const row = await this.repo.insert(this.db, {
      name: body.name,
      report: body.report,
      params,
      format: body.format,
      cadence: body.cadence,
      email_to: body.emailTo,
      webhook_url: body.webhookUrl ?? null,
      webhook_secret: secret === null ? null : this.secrets.seal(secret, REPORT_WEBHOOK_SECRET),
      active: body.active,
      created_at: now,
      updated_at: now,
    });
    return { ...toSchedule(row), webhookSecret: secret };
  }

  async get(id: string): Promise<Schedule> {
    return toSchedule(await this.found(id));
  }

  async list(query: { limit: number; cursor?: string | undefined }): Promise<Page<Schedule>> {
    const page = await this.repo.list(this.db, query);
    return { items: page.items.map(toSchedule), nextCursor: page.nextCursor };
  }

  async update(id: string, patch: UpdateSchedule, ifMatch?: '*' | number[]): Promise<Schedule> {
    return this.db.transaction(async (tx) => {
      const current = await this.repo.find(tx, id, { lock: true });
      if (!current) throw notFound('report schedule', id);
      checkVersion(ifMatch, current.version, `report schedule ${id}`);
      const webhookUrl = patch.webhookUrl === undefined ? current.webhook_url : patch.webhookUrl;
      const emailTo = patch.emailTo ?? current.email_to;
      if (emailTo.length === 0 && !webhookUrl) {
        throw new AppError('VALIDATION_FAILED', 'Invalid request: body.emailTo: give at least one e-mail recipient or a webhook URL', {
          fields: [{ field: 'body.emailTo', message: 'give at least one e-mail recipient or a webhook URL' }],
        });
      }
      // A new secret is sealed; the stored one is kept as stored.
      const fresh = patch.webhookSecret ?? (current.webhook_secret === null ? newSecret() : undefined);
      const secret = !webhookUrl ? null : fresh !== undefined ? this.secrets.seal(fresh, REPORT_WEBHOOK_SECRET) : current.webhook_secret;
      const row = await this.repo.update(tx, id, {
        name: patch.name,
        params: patch.params === undefined ? undefined : parseScheduleParams(current.report, patch.params),
        format: patch.format,
        cadence: patch.cadence,
        email_to: patch.emailTo,
        webhook_url: webhookUrl,
        webhook_secret: secret,
        active: patch.active,
        updated_at: this.clock.now(),
      });
      return toSchedule(row);
    });
  }

  async remove(id: string): Promise<void> {
    if (!(await this.repo.remove(this.db, id))) throw notFound('report schedule', id);
  }

  async runs(id: string, limit: number): Promise<Run[]> {
    await this.found(id);
    return (await this.repo.runs(this.db, id, limit)).map(toRun);
  }

  private async found(id: string): Promise<ScheduleRow> {
    const row = await this.repo.find(this.db, id);
    if (!row) throw notFound('report schedule', id);
    return row;
  }
}

export function toSchedule(row: ScheduleRow): Schedule {
  return {
    id: row.id,
    name: row.name,
    report: row.report,
    params: row.params,
    format: row.format,
    cadence: row.cadence,
    emailTo: row.email_to,
    webhookUrl: row.webhook_url,
    active: row.active,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    version: row.version,
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toRun(row: RunRow): Run {
  return {
    id: Number(row.id),
    periodKey: row.period_key,
    scheduledFor: row.scheduled_for.toISOString(),
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: iso(row.next_attempt_at),
    emailDeliveredAt: iso(row.email_delivered_at),
    webhookDeliveredAt: iso(row.webhook_delivered_at),
    rowCount: row.row_count,
    lastError: row.last_error,
    startedAt: row.started_at.toISOString(),
    finishedAt: iso(row.finished_at),
  };
}
