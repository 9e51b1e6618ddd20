/** POST /api/v1/backtests — thin handler: validate (zod), delegate to BacktestRequests. */
import type { ZodApp } from '../../kernel/http/http.types.js';
import type { BacktestRequests } from './backtest.requests.js';
import { backtestBody, backtestResponse, MAX_CSV_CHARS, MAX_DRAFT_CHARS } from './backtest.schemas.js';

/**
 * Admins only: models are files an administrator deploys (DEVICES_DIR), and a backtest reads any
 * asset's telemetry and spends CPU in the API process.
 */
const config = { roles: ['admin'] } as const;

export async function backtestRoutes(app: ZodApp, { backtests }: { backtests: BacktestRequests }): Promise<void> {
  app.post(
    '/backtests',
    {
      config,
      // Room for the largest CSV and draft model the schema accepts (JSON escaping included).
      bodyLimit: 2 * (MAX_CSV_CHARS + MAX_DRAFT_CHARS) + 65_536,
      schema: {
        tags: ['detection'],
        summary:
          "Backtest a model's detection rules (deployed, or a draft model file) over CSV text or an asset's stored telemetry: alarms with raise and clear times and ticket outcome, optional per-reading scores, and precision/recall/F1/FAR/MAR with a label column. Writes nothing: no alarm, ticket or detector state.",
        body: backtestBody,
        response: { 200: backtestResponse },
      },
    },
    async (request) => backtests.run(request.body),
  );
}
