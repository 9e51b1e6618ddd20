/**
 * A view of the database whose statements give up after `timeoutMs` (reports and exports).
 * PostgreSQL: each statement runs in a transaction with `SET LOCAL statement_timeout`, so the
 * server cancels it (SQLSTATE 57014). PGlite cannot be interrupted (no timer signals in its
 * WebAssembly build): the caller stops waiting and gets SERVER_BUSY, while the statement finishes
 * in the database thread. Until it has, further statements through this view are refused at once
 * (SERVER_BUSY): a client retrying on every timeout would otherwise stack slow statements in the
 * one-connection database without bound.
 */
import { AppError } from '../errors.js';
import type { Database, Queryable } from './database.types.js';

const QUERY_CANCELED = '57014';

export const statementTimedOut = (timeoutMs: number) =>
  new AppError('SERVER_BUSY', `the query ran longer than ${timeoutMs} ms and was stopped; narrow the period or filters, or try again later`, {
    timeoutMs,
    retryAfterSeconds: Math.max(1, Math.ceil(timeoutMs / 1000)),
  });

const stillFinishing = (timeoutMs: number) =>
  new AppError('SERVER_BUSY', 'a report or export that timed out is still finishing in the embedded database; try again shortly', {
    retryAfterSeconds: Math.max(1, Math.ceil(timeoutMs / 1000)),
  });

export function withStatementTimeout(db: Database, timeoutMs: number): Database {
  const ms = Math.max(1, Math.floor(timeoutMs));
  const mapped = (error: unknown): never => {
    if ((error as { code?: unknown } | null)?.code === QUERY_CANCELED) throw statementTimedOut(ms);
    throw error;
  };
  if (db.driver === 'postgres') {
    const limited = async <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> =>
      db
        .transaction(async (tx) => {
          await tx.query(`SET LOCAL statement_timeout = ${ms}`);
          return fn(tx);
        })
        .catch(mapped);
    return {
      driver: db.driver,
      query: (sql, params) => limited((tx) => tx.query(sql, params)),
      exec: (sql) => limited((tx) => tx.exec(sql)),
      transaction: limited,
      close: () => db.close(),
    };
  }
  let abandoned = 0;
  const race = async <T>(start: () => Promise<T>): Promise<T> => {
    if (abandoned > 0) throw stillFinishing(ms);
    const work = start();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abandoned++;
        void work.catch(() => undefined).finally(() => abandoned--);
        reject(statementTimedOut(ms));
      }, ms);
    });
    return Promise.race([work, expired]).finally(() => clearTimeout(timer));
  };
  const view = (q: Queryable): Queryable => ({
    query: (sql, params) => race(() => q.query(sql, params)),
    exec: (sql) => race(() => q.exec(sql)),
  });
  return {
    driver: db.driver,
    ...view(db),
    transaction: (fn) => db.transaction((tx) => fn(view(tx))),
    close: () => db.close(),
  };
}
