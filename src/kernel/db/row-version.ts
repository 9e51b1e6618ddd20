/** Optimistic concurrency on the `version` column of a row (the HTTP side is src/kernel/http/etag.ts). */
import { AppError } from '../errors.js';

/** Throws PRECONDITION_FAILED when `ifMatch` does not name `current`. */
export function checkVersion(ifMatch: '*' | number[] | undefined, current: number, what: string): void {
  if (ifMatch === undefined || ifMatch === '*' || ifMatch.includes(current)) return;
  throw new AppError('PRECONDITION_FAILED', `${what} has changed (current version ${current}); read it again and retry`, {
    currentVersion: current,
  });
}
