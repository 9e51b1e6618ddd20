/** Invoicing: invoices from closed work (draft → issued → paid), labour rates, the ERP export. */
import type { Core } from '../../kernel/core.js';
import { withStatementTimeout } from '../../kernel/db/statement-timeout.js';
import { defineModule } from '../../kernel/module.js';
import { invoicingMigration } from './invoicing.migration.js';
import { invoicingRoutes } from './invoicing.routes.js';
import { InvoicesService } from './invoices.service.js';

export const invoicingModule = defineModule({
  name: 'invoicing',
  migrations: [invoicingMigration],
  build({ db, clock, config }: Pick<Core, 'db' | 'clock' | 'config'>) {
    const invoices = new InvoicesService(db, clock);
    // The ERP export reads many invoices at once: statement timeout, and `heavy` concurrency limits.
    const exports = new InvoicesService(withStatementTimeout(db, config.REPORT_TIMEOUT_MS), clock);
    return { exports: { invoices }, routes: (app) => invoicingRoutes(app, { invoices, exports }) };
  },
});
