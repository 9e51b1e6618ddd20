/**
 * The embedded database's thread: one PGlite instance driven by messages from the main thread
 * (pglite-thread.ts). PGlite runs Postgres compiled to WebAssembly synchronously on the thread
 * that calls it, so in the main thread a long report would stop the MQTT broker's PUBACKs and
 * /health for as long; here it only occupies this thread.
 *
 * Protocol (one reply per request, matched by `id`):
 *   open {dataDir} · query {sql, params, tx?} · exec {sql, tx?} · begin → txId · end {tx, commit} · close
 * A transaction holds PGlite's transaction lock from `begin` to `end`; statements outside it wait,
 * as they do in-process.
 */
import { parentPort } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { ThreadReply, ThreadRequest } from './pglite-thread.protocol.js';

const port = parentPort;
if (!port) throw new Error('pglite.worker.ts runs only as a worker thread');

let db: PGlite | undefined;
/** Open transactions: their handle, and how to finish them (resolve = commit, reject = roll back). */
const transactions = new Map<number, { tx: Transaction; finish: (commit: boolean) => void }>();
/** Each open transaction's settlement: COMMIT's outcome is the reply to `end`. */
const pending = new Map<number, Promise<void>>();

/** The fields of a Postgres error worth keeping (SQLSTATE code, constraint...); structured clone drops the rest. */
function serialiseError(error: unknown): ThreadReply['error'] {
  const e = error as Record<string, unknown>;
  const fields: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(e ?? {})) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
  }
  return { message: error instanceof Error ? error.message : String(error), name: error instanceof Error ? error.name : 'Error', fields };
}

function target(txId: number | undefined): Pick<PGlite, 'query' | 'exec'> {
  if (txId === undefined) return db!;
  const open = transactions.get(txId);
  if (!open) throw new Error(`transaction ${txId} is not open`);
  return open.tx;
}

async function handle(request: ThreadRequest): Promise<unknown> {
  switch (request.op) {
    case 'open':
      db = await PGlite.create(request.dataDir);
      return undefined;
    case 'query': {
      const result = await target(request.tx).query(request.sql, request.params);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    }
    case 'exec':
      await target(request.tx).exec(request.sql);
      return undefined;
    case 'begin':
      return new Promise<number>((resolveBegin, rejectBegin) => {
        const txId = request.id;
        const done = db!.transaction(
          (tx) =>
            new Promise<void>((commit, rollback) => {
              transactions.set(txId, { tx, finish: (ok) => (ok ? commit() : rollback(new Error('rolled back'))) });
              resolveBegin(txId);
            }),
        );
        done.catch(rejectBegin); // BEGIN itself failed: the caller learns it from `begin`
        pending.set(txId, done);
      });
    case 'end': {
      const open = transactions.get(request.tx);
      const done = pending.get(request.tx);
      transactions.delete(request.tx);
      pending.delete(request.tx);
      if (!open || !done) throw new Error(`transaction ${request.tx} is not open`);
      open.finish(request.commit);
      if (request.commit) return done;
      await done.catch(() => undefined);
      return undefined;
    }
    case 'close':
      await db?.close();
      db = undefined;
      return undefined;
  }
}

port.on('message', (request: ThreadRequest) => {
  handle(request).then(
    (result) => port.postMessage({ id: request.id, ok: true, result } satisfies ThreadReply),
    (error: unknown) => port.postMessage({ id: request.id, ok: false, error: serialiseError(error) } satisfies ThreadReply),
  );
});
