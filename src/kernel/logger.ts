import { pino, type DestinationStream, type Logger } from 'pino';
import { describeDatabaseError, isPostgresError } from './db/database-errors.js';

export type { Logger };

/**
 * Errors logged under `err` or `error`: a database driver error is reduced to its safe fields
 * (never the bound parameters PGlite attaches, nor row values in `detail`); others as pino's own.
 */
export function serializeError(error: unknown): unknown {
  if (isPostgresError(error)) return describeDatabaseError(error);
  return error instanceof Error ? pino.stdSerializers.err(error) : error;
}

/** `destination`: where lines go (default stdout; tests capture them). */
export function createLogger(level: string, name = 'telemend', destination?: DestinationStream): Logger {
  const options = { name, level, base: { pid: process.pid }, serializers: { err: serializeError, error: serializeError } };
  return destination ? pino(options, destination) : pino(options);
}
