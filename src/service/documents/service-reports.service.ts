/**
 * Service reports of closed visits. Closing a visit does not wait for its PDF: the worker role's
 * report sweep (a BullMQ repeating job) picks closures without a report, renders the PDF, stores
 * it as an attachment of the visit (through the attachments service, audited as the platform)
 * and queues it by e-mail to the customer's document recipient through the outbox. A failed
 * rendering is recorded and not retried by the sweep; reading the report regenerates a missing
 * one (without mailing it again).
 */
import type { Clock } from '../../kernel/clock.js';
import { SYSTEM_ACTOR, type Caller } from '../../kernel/caller.js';
import type { Database } from '../../kernel/db/database.js';
import { AppError, conflict, notFound } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import type { AttachmentsService } from '../attachments/attachments.service.js';
import type { VisitsService } from '../visits/visits.service.js';
import { documentMail } from './document-mail.js';
import { DocumentFormat } from './document-format.js';
import { label } from './document-labels.js';
import { customerLocale } from './document-locale.js';
import { DocumentsRepository } from './documents.repository.js';
import type { CompanyHeader } from './pdf-layout.js';
import { readingsAround, type ReadingsSource } from './report-readings.js';
import { renderServiceReport, type ReportPhoto } from './service-report-document.js';

const SYSTEM: Caller = { actor: SYSTEM_ACTOR };
/** Photos printed in a report (the first ones uploaded). */
const MAX_PHOTOS = 12;
const PHOTO_TYPES = new Set(['image/jpeg', 'image/png']);

export interface ServiceReportsOptions extends ReadingsSource {
  readonly clock: Clock;
  readonly company: CompanyHeader;
  readonly attachments: AttachmentsService;
  readonly visits: VisitsService;
}

export interface StoredReport {
  readonly attachmentId: string;
  readonly fileName: string;
  readonly data: Buffer;
}

export class ServiceReportsService {
  private readonly repo = new DocumentsRepository();

  constructor(
    private readonly db: Database,
    private readonly options: ServiceReportsOptions,
    private readonly logger?: Logger,
  ) {}

  /** The report of a visit the caller may read; generated now when it is missing. CONFLICT before the visit is closed. */
  async pdf(visitId: string, caller: Caller): Promise<StoredReport> {
    await this.options.visits.get(visitId, caller);
    const { rows } = await this.db.query<{ attachment_id: string | null }>('SELECT attachment_id FROM service_reports WHERE visit_id = $1', [visitId]);
    const stored = rows[0]?.attachment_id;
    if (stored) {
      try {
        const { attachment, data } = await this.options.attachments.read(stored, SYSTEM);
        return { attachmentId: attachment.id, fileName: attachment.fileName, data };
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'NOT_FOUND')) throw error;
      }
    }
    return this.generate(visitId, { mail: rows.length === 0 });
  }

  /** Renders and stores the report of a closed visit; mails it when `mail` (the first time). */
  async generate(visitId: string, options: { readonly mail: boolean }): Promise<StoredReport> {
    const visit = await this.repo.visit(this.db, visitId);
    if (!visit) throw notFound('visit', visitId);
    if (!visit.closed_at) throw conflict(`Visit ${visitId} is not closed yet; its service report is made when it closes`);
    const ticket = (await this.repo.ticket(this.db, visit.ticket_id))!;
    const locale = await customerLocale(this.db, ticket.customer_id);
    const [labour, parts, readings, photos] = await Promise.all([
      this.repo.labour(this.db, [visitId]),
      this.repo.parts(this.db, [visitId]),
      readingsAround(this.options, { id: ticket.asset_id, modelId: ticket.model_id }, visit.actual_start, visit.actual_end),
      this.photos(visitId),
    ]);
    const pdf = await renderServiceReport({ ticket, visit, labour, parts, readings, photos, company: this.options.company, locale });
    const fileName = `service-report-${ticket.number}.pdf`;
    const attachment = await this.options.attachments.upload({ kind: 'visit', id: visitId }, { data: pdf, fileName }, SYSTEM);
    const now = this.options.clock.now();
    const f = new DocumentFormat(locale);
    await this.db.transaction(async (tx) => {
      const mailed = options.mail
        ? await documentMail(tx, {
            kind: 'service_report',
            customerId: ticket.customer_id,
            ticketId: ticket.id,
            visitId,
            attachmentIds: [attachment.id],
            language: locale.language,
            subject: label(locale.language, 'mailSubjectReport', { ticket: ticket.number }),
            body: label(locale.language, 'mailBodyReport', {
              ticket: ticket.number,
              date: f.date(visit.actual_start ?? visit.closed_at!),
              company: this.options.company.name,
            }),
            dedupeKey: `document.service_report:${visitId}`,
            at: now,
          })
        : undefined;
      await tx.query(
        `INSERT INTO service_reports (visit_id, attachment_id, status, error, mailed_to, updated_at) VALUES ($1, $2, 'generated', NULL, $3, $4)
         ON CONFLICT (visit_id) DO UPDATE SET attachment_id = EXCLUDED.attachment_id, status = 'generated', error = NULL,
           mailed_to = COALESCE(service_reports.mailed_to, EXCLUDED.mailed_to), updated_at = EXCLUDED.updated_at`,
        [visitId, attachment.id, mailed?.to.address ?? null, now],
      );
    });
    return { attachmentId: attachment.id, fileName: attachment.fileName, data: pdf };
  }

  /**
   * Makes the reports of recently closed visits that have none (the worker's repeating job).
   * Returns how many it made. A visit whose report fails is marked failed and left to the GET.
   */
  async sweep(limit = 10): Promise<number> {
    const since = new Date(this.options.clock.now().getTime() - 7 * 86_400_000);
    const { rows } = await this.db.query<{ visit_id: string }>(
      `SELECT vc.visit_id FROM visit_closures vc LEFT JOIN service_reports sr ON sr.visit_id = vc.visit_id
       WHERE sr.visit_id IS NULL AND vc.closed_at >= $1 ORDER BY vc.closed_at, vc.visit_id LIMIT $2`,
      [since, limit],
    );
    let made = 0;
    for (const { visit_id: visitId } of rows) {
      try {
        await this.generate(visitId, { mail: true });
        made++;
      } catch (error) {
        this.logger?.warn({ err: error, visitId }, 'service report failed; GET /visits/{id}/report/pdf makes it on demand');
        await this.db.query(
          `INSERT INTO service_reports (visit_id, status, error, updated_at) VALUES ($1, 'failed', $2, $3) ON CONFLICT (visit_id) DO NOTHING`,
          [visitId, String((error as Error).message).slice(0, 1000), this.options.clock.now()],
        );
      }
    }
    return made;
  }

  /** The visit's JPEG and PNG attachments (the photos), oldest first; unreadable ones are left out. */
  private async photos(visitId: string): Promise<ReportPhoto[]> {
    const list = await this.options.attachments.list({ kind: 'visit', id: visitId }, SYSTEM);
    const photos: ReportPhoto[] = [];
    for (const item of list.filter((a) => PHOTO_TYPES.has(a.contentType)).slice(0, MAX_PHOTOS)) {
      try {
        photos.push({ data: (await this.options.attachments.read(item.id, SYSTEM)).data, caption: item.caption });
      } catch (error) {
        this.logger?.warn({ err: error, attachmentId: item.id }, 'service report: a photo could not be read; left out');
      }
    }
    return photos;
  }
}
