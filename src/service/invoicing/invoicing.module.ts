/** Invoicing: invoices from closed work (draft → issued → paid), labour rates, the ERP export. */
import type { Core } from '../../kernel/core.js';
import { withStatementTimeout } from '../../kernel/db/statement-timeout.js';
import { defineModule } from '../../kernel/module.js';
import { invoicingMigration } from './invoicing.migration.js';
import { invoicingRoutes } from './invoicing.routes.js';
import { InvoicesService } from './invoices.service.js';
import type { InvoiceBasisPort } from './invoice-basis.js';

export interface InvoicingDeps extends Pick<Core, 'db' | 'clock' | 'config'> {
  /** What the customer agreed before the work (accepted quotes); absent = the recorded work is priced. */
  readonly invoiceBasis?: InvoiceBasisPort | undefined;
}

export const invoicingModule = defineModule({
  name: 'invoicing',
  migrations: [invoicingMigration],
  build({ db, clock, config, invoiceBasis }: InvoicingDeps) {
    const invoices = new InvoicesService(db, clock, { basis: invoiceBasis });
    // The ERP export reads many invoices at once: statement timeout, and `heavy` concurrency limits.
    const exports = new InvoicesService(withStatementTimeout(db, config.REPORT_TIMEOUT_MS), clock, { basis: invoiceBasis });
    return { exports: { invoices }, routes: (app) => invoicingRoutes(app, { invoices, exports }) };
  },
});
