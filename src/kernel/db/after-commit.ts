/**
 * Work that must happen only once a transaction has committed (events on the live feed,
 * webhooks): a service running inside someone else's transaction registers it with
 * `afterCommit(tx, fn)`, and it runs after COMMIT — never for a rolled-back transaction.
 * openDatabase wraps every driver with `withAfterCommit`.
 */
import type { Database, Queryable } from './database.types.js';

type Hook = () => Promise<void> | void;

const hooks = new WeakMap<Queryable, Hook[]>();

/** Runs `fn` after `tx` commits; on a connection outside a transaction (autocommit), at once. */
export function afterCommit(tx: Queryable, fn: Hook): void {
  const list = hooks.get(tx);
  if (list) list.push(fn);
  else void runHooks([fn]);
}

async function runHooks(list: readonly Hook[]): Promise<void> {
  for (const hook of list) {
    try {
      await hook();
    } catch {
      // A hook reports its own failures; a change that committed is never undone by its follow-up.
    }
  }
}

export function withAfterCommit(db: Database): Database {
  return {
    get driver() {
      return db.driver;
    },
    query: (sql, params) => db.query(sql, params),
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const list: Hook[] = [];
      const result = await db.transaction((tx) => {
        hooks.set(tx, list);
        return fn(tx);
      });
      await runHooks(list);
      return result;
    },
  };
}
