/**
 * Concurrency limits for heavy requests (reports, exports), per API process: at most
 * REPORT_CONCURRENCY_PER_CALLER at once per caller (more: 429) and REPORT_CONCURRENCY in all
 * (more: 503), both with Retry-After. Refusing at once keeps an impatient client from queueing
 * work without bound; with the embedded database a queue would also delay every other request.
 * A route opts in with `config: { heavy: true }`; the slot is held until the response is
 * finished or the connection closes.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { principalKey } from '../caller.js';
import { AppError } from '../errors.js';

export interface HeavyWorkOptions {
  perCaller: number;
  total: number;
}

export function registerHeavyWork(app: FastifyInstance, options: HeavyWorkOptions): void {
  const running = new Map<string, number>();
  let total = 0;
  const callerOf = (request: FastifyRequest) => (request.principal ? principalKey(request.principal) : `ip:${request.ip}`);

  app.addHook('preHandler', async (request, reply) => {
    if (request.routeOptions.config.heavy !== true) return;
    const caller = callerOf(request);
    const mine = running.get(caller) ?? 0;
    if (mine >= options.perCaller) {
      throw new AppError('RATE_LIMITED', `you already run ${mine} reports or exports; wait for one to finish`, {
        limit: options.perCaller,
        retryAfterSeconds: 1,
      });
    }
    if (total >= options.total) {
      throw new AppError('SERVER_BUSY', `${total} reports or exports are running; try again shortly`, { limit: options.total, retryAfterSeconds: 2 });
    }
    running.set(caller, mine + 1);
    total++;
    let released = false;
    reply.raw.once('close', () => {
      if (released) return;
      released = true;
      total--;
      const left = (running.get(caller) ?? 1) - 1;
      if (left > 0) running.set(caller, left);
      else running.delete(caller);
    });
  });
}
