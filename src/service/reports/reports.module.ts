/**
 * Reports: the read-only operational and financial reports (JSON or CSV), the scheduled reports
 * and the worker role's scheduler that delivers them by e-mail and/or webhook.
 */
import type { Core } from '../../kernel/core.js';
import { withStatementTimeout } from '../../kernel/db/statement-timeout.js';
import type { EgressPort } from '../../kernel/egress/egress.js';
import { egressPolicyOf } from '../../kernel/egress/egress-policy.js';
import { defineModule } from '../../kernel/module.js';
import type { SecretBox } from '../../kernel/secrets/secret-box.js';
import { reportSchedulerTask } from './report-scheduler.task.js';
import { ReportSchedulesService } from './report-schedules.service.js';
import { reportsMigration } from './reports.migration.js';
import { reportsRoutes } from './reports.routes.js';
import { ReportsService } from './reports.service.js';

export interface ReportsDeps extends Pick<Core, 'db' | 'clock' | 'logger' | 'config'> {
  /** Seals (routes) and opens (scheduler) the schedules' webhook secrets. */
  readonly secrets: SecretBox;
  /** The scheduler's webhooks go through it (EGRESS_ALLOW). */
  readonly egress: EgressPort;
}

export const reportsModule = defineModule({
  name: 'reports',
  migrations: [reportsMigration],
  build(deps: ReportsDeps) {
    const { db, clock, config } = deps;
    // Reports are the heaviest reads: the API's run under a statement timeout.
    const reports = new ReportsService(withStatementTimeout(db, config.REPORT_TIMEOUT_MS), clock);
    const schedules = new ReportSchedulesService(db, clock, deps.secrets);
    return {
      exports: { reports, schedules },
      routes: (app) => reportsRoutes(app, { reports, schedules, egress: egressPolicyOf(config) }),
      tasks: [reportSchedulerTask(deps)],
    };
  },
});
