/**
 * Errors of the database drivers (node-postgres and PGlite both throw PostgreSQL's error fields:
 * a five-character SQLSTATE `code` and a `severity`): what they mean for a request, and what of
 * them may be logged.
 *
 * Bad input the API did not catch (a value out of a column's range, text the database cannot
 * store) is the client's error, not a 500: SQLSTATE class 22 (data exception) and the integrity
 * classes map to 400/409, contention and an unavailable server to 503. Anything else is a bug and
 * stays an internal error.
 *
 * Logging: PGlite attaches the bound parameters to its errors (`params`), and `detail`/`where`
 * quote row values ("Failing row contains (...)" includes every column, secrets too), as do the
 * messages of data exceptions. Only the fields below are ever logged.
 */
import { AppError } from '../errors.js';

export interface PostgresError extends Error {
  readonly code: string;
  readonly severity: string;
  readonly routine?: string;
  readonly table?: string;
  readonly column?: string;
  readonly constraint?: string;
}

export function isPostgresError(error: unknown): error is PostgresError {
  if (!(error instanceof Error)) return false;
  const { code, severity } = error as Partial<PostgresError>;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string';
}

/** What the client is told, by SQLSTATE (no database text reaches the client). */
const BY_CODE: Readonly<Record<string, readonly [AppError['code'], string]>> = {
  '22001': ['VALIDATION_FAILED', 'A text value is longer than the database accepts'],
  '22003': ['VALIDATION_FAILED', 'A number is outside the range the database accepts'],
  '22007': ['VALIDATION_FAILED', 'A date or time is not valid'],
  '22008': ['VALIDATION_FAILED', 'A date or time is outside the range the database accepts'],
  '22021': ['VALIDATION_FAILED', 'Text contains a character the database cannot store (such as NUL)'],
  '22P05': ['VALIDATION_FAILED', 'Text contains a character the database cannot store (such as \\u0000)'],
  '22P02': ['VALIDATION_FAILED', 'A value does not have the form its field needs'],
  '54000': ['VALIDATION_FAILED', 'A value is too large for the database'],
  '54001': ['VALIDATION_FAILED', 'The request is too complex for the database'],
  '23505': ['CONFLICT', 'A record with these values already exists'],
  '23503': ['CONFLICT', 'The change refers to a record that does not exist, or is referred to by another record'],
  '23P01': ['CONFLICT', 'The change overlaps an existing record'],
  '23502': ['VALIDATION_FAILED', 'A required value is missing'],
  '23514': ['VALIDATION_FAILED', 'A value breaks a rule of the database'],
  '40001': ['DEPENDENCY_UNAVAILABLE', 'The database was busy with a conflicting change; try again'],
  '40P01': ['DEPENDENCY_UNAVAILABLE', 'The database was busy with a conflicting change; try again'],
  '55P03': ['DEPENDENCY_UNAVAILABLE', 'The database was busy with a conflicting change; try again'],
  '57014': ['DEPENDENCY_UNAVAILABLE', 'The database took too long to answer; try again later'],
};

/** The problem a driver error means for the request, or undefined when it is a bug (500). */
export function databaseErrorToAppError(error: unknown): AppError | undefined {
  if (!isPostgresError(error)) return undefined;
  const known = BY_CODE[error.code];
  if (known) return new AppError(known[0], known[1]);
  const cls = error.code.slice(0, 2);
  if (cls === '22') return new AppError('VALIDATION_FAILED', 'A value in the request is not valid for the database');
  // Connection exception, insufficient resources, operator intervention (shutdown, cannot connect now).
  if (cls === '08' || cls === '53' || cls === '57') return new AppError('DEPENDENCY_UNAVAILABLE', 'The database is unavailable; try again later');
  return undefined;
}

/**
 * The loggable part of a driver error: its identity (code, routine, table, column, constraint)
 * and message, never bound parameters, `detail` or `where`. Data-exception messages quote the
 * offending value, so quoted text in them is elided.
 */
export function describeDatabaseError(error: PostgresError): Record<string, unknown> {
  const cls = error.code.slice(0, 2);
  const message = cls === '22' || cls === '23' ? error.message.replace(/"[^"]*"/g, '"…"') : error.message;
  const described: Record<string, unknown> = { type: 'DatabaseError', code: error.code, severity: error.severity, message };
  for (const field of ['routine', 'schema', 'table', 'column', 'dataType', 'constraint', 'position'] as const) {
    const value = (error as unknown as Record<string, unknown>)[field];
    if (value !== undefined) described[field] = value;
  }
  const query = (error as unknown as { query?: unknown }).query;
  // The SQL text (placeholders, no values) says which statement failed.
  if (typeof query === 'string') described.query = query.length > 500 ? `${query.slice(0, 500)}…` : query;
  return described;
}

/** True for a Postgres unique violation (SQLSTATE 23505), optionally on one constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: unknown; constraint?: unknown } | null;
  return !!e && e.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
