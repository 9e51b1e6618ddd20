/**
 * Domain errors with stable codes. Services throw `AppError`s; the HTTP layer maps each code
 * to a status in one exhaustive switch (src/kernel/http/problem.ts). Codes are documented
 * in README ("Error codes") and a test checks every code is.
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'WEAK_PASSWORD',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'SCHEDULE_CONFLICT',
  'OUTSIDE_WORKING_HOURS',
  'INSUFFICIENT_STOCK',
  'ALREADY_INVOICED',
  'PRECONDITION_FAILED',
  'IDEMPOTENCY_KEY_REUSED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'DEPENDENCY_UNAVAILABLE',
  'SERVER_BUSY',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Safe, machine-readable details shown to the client (e.g. the invalid fields). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string, id: string) => new AppError('NOT_FOUND', `${what} ${id} was not found`, { resource: what, id });
export const conflict = (message: string, details?: Record<string, unknown>) => new AppError('CONFLICT', message, details);
export const unavailable = (what: string) => new AppError('DEPENDENCY_UNAVAILABLE', `${what} is unavailable, try again later`);

/** A VALIDATION_FAILED error naming one field, shaped like the schema validation errors. */
export function invalidField(field: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `Invalid request: ${field}: ${message}`, { fields: [{ field, message }] });
}
