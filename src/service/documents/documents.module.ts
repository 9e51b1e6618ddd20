/** Documents: PDFs of invoices, acts, work orders and service reports; service reports made when visits close. */
import type { Core } from '../../kernel/core.js';
import { jobConnection } from '../../kernel/core.js';
import { RepeatingJob } from '../../kernel/jobs/repeating-job.js';
import { defineModule } from '../../kernel/module.js';
import type { ModelRegistry } from '../../telemetry/models/models.registry.js';
import type { TelemetryReader } from '../../telemetry/readings/telemetry.reader.js';
import type { AttachmentsService } from '../attachments/attachments.service.js';
import type { InvoicesService } from '../invoicing/invoices.service.js';
import type { TicketsService } from '../tickets/tickets.service.js';
import type { VisitsService } from '../visits/visits.service.js';
import { documentsMigration } from './documents.migration.js';
import { documentsRoutes } from './documents.routes.js';
import { DocumentsService } from './documents.service.js';
import { companyHeaderOf } from './pdf-layout.js';
import { ServiceReportsService } from './service-reports.service.js';

export interface DocumentsDeps extends Core {
  readonly invoices: InvoicesService;
  readonly tickets: TicketsService;
  readonly visits: VisitsService;
  readonly attachments: AttachmentsService;
  /** Readings at arrival and departure in service reports; none = reports without readings. */
  readonly telemetry?: TelemetryReader | undefined;
  readonly models?: ModelRegistry | undefined;
}

/** How often the worker looks for closed visits without a service report. */
const REPORT_SWEEP_EVERY_MS = 3000;

export const documentsModule = defineModule({
  name: 'documents',
  migrations: [documentsMigration],
  build(deps: DocumentsDeps) {
    const { db, clock, config } = deps;
    const company = companyHeaderOf(config);
    const documents = new DocumentsService(db, {
      clock,
      company,
      paymentDays: config.DOCUMENTS_PAYMENT_DAYS,
      invoices: deps.invoices,
      tickets: deps.tickets,
      attachments: deps.attachments,
    });
    const logger = deps.logger.child({ part: 'service-reports' });
    const reports = new ServiceReportsService(
      db,
      { clock, company, attachments: deps.attachments, visits: deps.visits, telemetry: deps.telemetry, models: deps.models, logger },
      logger,
    );
    const sweep = new RepeatingJob({ ...jobConnection(deps), name: 'service-reports', logger, everyMs: REPORT_SWEEP_EVERY_MS, run: () => reports.sweep() });
    return { exports: { documents, reports }, routes: (app) => documentsRoutes(app, { documents, reports }), tasks: [sweep] };
  },
});
