/**
 * The embedded database (PGlite) in a worker thread, behind the same `Database` port as the
 * in-process driver. Postgres in WebAssembly runs synchronously on the thread that calls it: in
 * the main thread a heavy report held the event loop (MQTT PUBACKs, /health) for its whole
 * duration. Here the main thread only posts messages and awaits replies.
 *
 * PGlite's own worker mode (`@electric-sql/pglite/worker`) is made for browser tabs: it elects a
 * leader through `navigator.locks`, which Node 20 does not have. This wrapper is a few dozen
 * lines over node:worker_threads with a request/reply protocol (pglite-thread.protocol.ts).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Database, Queryable } from './database.types.js';
import type { ThreadReply, ThreadRequest } from './pglite-thread.protocol.js';

type Request = ThreadRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** The worker's entry: the compiled .js next to this file, or the .ts source run through tsx. */
function spawn(): Worker {
  const self = import.meta.url;
  const source = self.endsWith('.ts');
  const entry = new URL(`./pglite.worker.${source ? 'ts' : 'js'}`, self);
  if (!source) return new Worker(entry);
  // Source run (tsx, vitest): the thread registers tsx's loader before importing the .ts entry.
  const tsxApi = pathToFileURL(
    createRequire(self)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true });
}

function toError(error: NonNullable<ThreadReply['error']>): Error {
  const e = new Error(error.message);
  Object.assign(e, error.fields);
  e.name = error.name;
  return e;
}

export async function openPgliteThread(dataDir: string | undefined): Promise<Database> {
  const worker = spawn();
  // The thread must not keep the process alive on its own (close() ends it).
  worker.unref();
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let dead: Error | undefined;
  const failAll = (error: Error) => {
    dead = error;
    for (const { reject } of waiting.values()) reject(error);
    waiting.clear();
  };
  worker.on('message', (reply: ThreadReply) => {
    const call = waiting.get(reply.id);
    if (!call) return;
    waiting.delete(reply.id);
    if (reply.ok) call.resolve(reply.result);
    else call.reject(toError(reply.error!));
  });
  worker.on('error', (error) => failAll(error));
  worker.on('exit', (code) => failAll(new Error(`the embedded database thread exited (code ${code})`)));

  const call = <T>(request: Request): Promise<T> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.ref(); // a pending call keeps the process alive, as an in-process query would
      worker.postMessage({ ...request, id } as ThreadRequest);
    }).finally(() => {
      if (waiting.size === 0) worker.unref();
    });
  };

  const queryable = (tx?: number): Queryable => ({
    query: <T>(sql: string, params: readonly unknown[] = []) => call<{ rows: T[]; rowCount: number }>({ op: 'query', sql, params: [...params], tx }),
    exec: (sql: string) => call<void>({ op: 'exec', sql, tx }),
  });

  try {
    await call({ op: 'open', dataDir });
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  return {
    driver: 'pglite',
    ...queryable(),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const tx = await call<number>({ op: 'begin' });
      let result: T;
      try {
        result = await fn(queryable(tx));
      } catch (error) {
        await call({ op: 'end', tx, commit: false }).catch(() => undefined);
        throw error;
      }
      await call({ op: 'end', tx, commit: true });
      return result;
    },
    async close() {
      if (dead) return;
      await call({ op: 'close' }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
