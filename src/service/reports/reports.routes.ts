/**
 * /api/v1/reports: one GET route per report (JSON by default; CSV with `?format=csv` or
 * `Accept: text/csv`), the catalogue, and the scheduled reports (report-schedules.routes.ts).
 * Thin handlers over ReportsService.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ZodApp } from '../../kernel/http/http.types.js';
import { columnsOf, REPORTS } from './reports.catalog.js';
import { reportCatalogSchema, reportEnvelope } from './reports.schemas.js';
import { reportCsv, reportFileName, type ReportOutput, type ReportsService } from './reports.service.js';
import { hiddenMoneyKeys } from '../../access/auth/money-redaction.js';
import { principalOf } from '../../access/auth/principal.js';
import { reportSchedulesRoutes, type ReportSchedulesRoutesDeps } from './report-schedules.routes.js';

const tags = ['reports'];

/** CSV when `format=csv`, or when no format is given and the Accept header asks for text/csv. */
function wantsCsv(request: FastifyRequest, format: unknown): boolean {
  if (format === 'csv') return true;
  if (format === 'json') return false;
  return /\btext\/csv\b/i.test(String(request.headers.accept ?? ''));
}

function withoutColumns(output: ReportOutput, hidden: readonly string[]): ReportOutput {
  if (hidden.length === 0) return output;
  const keep = (key: string) => !hidden.includes(key);
  return {
    ...output,
    columns: output.columns.filter(keep),
    rows: output.rows.map((row) => Object.fromEntries(Object.entries(row).filter(([key]) => keep(key)))),
  };
}

export interface ReportsRoutesDeps extends ReportSchedulesRoutesDeps {
  /** Bound to a database handle with REPORT_TIMEOUT_MS as statement timeout. */
  readonly reports: ReportsService;
}

export const reportsRoutes = async (app: ZodApp, deps: ReportsRoutesDeps): Promise<void> => {
  // Reports are the heaviest reads: a statement timeout (the module's), and `heavy` concurrency limits per caller.
  const service = deps.reports;

  app.get(
    '/reports',
    {
      config: { roles: ['admin', 'dispatcher'] },
      schema: { tags, summary: 'The reports: names, formulas, roles and CSV columns', response: { 200: reportCatalogSchema } },
    },
    async () => ({
      items: REPORTS.map((r) => ({
        name: r.name,
        path: `/api/v1/reports/${r.name}`,
        title: r.title,
        formula: r.formula,
        roles: [...r.roles],
        columns: columnsOf(r),
      })),
    }),
  );

  for (const def of REPORTS) {
    app.get(
      `/reports/${def.name}`,
      {
        config: { roles: def.roles, heavy: true },
        schema: {
          tags,
          summary: def.title,
          description: `${def.formula}\n\nJSON by default; CSV (header line, RFC 4180 quoting) with \`format=csv\` or \`Accept: text/csv\`. Roles: ${def.roles.join(', ')}.`,
          querystring: def.query,
          response: { 200: reportEnvelope(def.row) },
        },
      },
      async (request: FastifyRequest, reply: FastifyReply) => {
        const query = request.query as Record<string, unknown>;
        // Money columns the caller's role does not see leave the CSV too (the JSON rows lose them in the response hook).
        const output = withoutColumns(await service.run(def.name, query), hiddenMoneyKeys(def.row, principalOf(request).role));
        if (!wantsCsv(request, query.format)) return output;
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${reportFileName(output)}"`)
          .send(reportCsv(output));
      },
    );
  }

  await reportSchedulesRoutes(app, deps);
};
