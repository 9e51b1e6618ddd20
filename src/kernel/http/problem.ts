/** Maps errors to RFC 9457 `application/problem+json` responses. No stack trace, no internal message. */
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode } from '../errors.js';
import { databaseErrorToAppError, describeDatabaseError, isPostgresError } from '../db/database-errors.js';

export function statusOf(code: ErrorCode): number {
  switch (code) {
    case 'VALIDATION_FAILED':
    case 'WEAK_PASSWORD':
      return 400;
    case 'UNAUTHENTICATED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'CONFLICT':
    case 'SCHEDULE_CONFLICT':
    case 'INSUFFICIENT_STOCK':
    case 'ALREADY_INVOICED':
      return 409;
    case 'OUTSIDE_WORKING_HOURS':
      return 422;
    case 'PRECONDITION_FAILED':
      return 412;
    case 'IDEMPOTENCY_KEY_REUSED':
      return 422;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415;
    case 'RATE_LIMITED':
      return 429;
    case 'DEPENDENCY_UNAVAILABLE':
    case 'SERVER_BUSY':
      return 503;
    case 'INTERNAL':
      return 500;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  instance?: string;
  [extra: string]: unknown;
}

export function registerProblemHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    let problem: Problem;
    const fromDatabase = databaseErrorToAppError(error);
    if (error instanceof AppError) {
      problem = make(error.code, error.message, error.details);
      // Overload answers (429, 503) say when to come back.
      if (typeof error.details?.retryAfterSeconds === 'number') reply.header('retry-after', String(error.details.retryAfterSeconds));
    } else if (fromDatabase) {
      // A driver error caused by the request (a value the database refuses) or by contention.
      request.log.info({ err: error }, 'database refused the request');
      problem = make(fromDatabase.code, fromDatabase.message);
      if (fromDatabase.code === 'DEPENDENCY_UNAVAILABLE') void reply.header('retry-after', '1');
    } else if (hasZodFastifySchemaValidationErrors(error)) {
      const fields = error.validation.map((v) => ({
        field: `${error.validationContext ?? 'body'}${v.instancePath.replaceAll('/', '.')}`,
        message: v.message ?? 'invalid',
      }));
      problem = make('VALIDATION_FAILED', `Invalid request: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { fields });
    } else if ((error as FastifyError).statusCode === 413) {
      problem = make('PAYLOAD_TOO_LARGE', 'The request body is too large');
    } else if ((error as FastifyError).statusCode === 429) {
      problem = make('RATE_LIMITED', 'Too many requests');
    } else if ((error as FastifyError).statusCode && (error as FastifyError).statusCode! < 500) {
      // Fastify's own client errors (bad JSON, wrong content type): safe to describe.
      problem = make('VALIDATION_FAILED', (error as FastifyError).message);
      problem.status = (error as FastifyError).statusCode!;
    } else {
      // The logger's err serializer keeps bound parameters and row values of driver errors out.
      request.log.error({ err: isPostgresError(error) ? describeDatabaseError(error) : error }, 'unhandled error');
      problem = make('INTERNAL', 'An internal error occurred; it has been logged');
    }
    problem.instance = request.url;
    return reply.status(problem.status).type('application/problem+json').send(problem);
  });
  app.setNotFoundHandler((request, reply) => {
    const problem = make('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`);
    return reply.status(404).type('application/problem+json').send(problem);
  });
}

function make(code: ErrorCode, detail: string, details?: Record<string, unknown>): Problem {
  const status = statusOf(code);
  // Details come first so they can never overwrite the problem's own members.
  return {
    ...details,
    type: `https://telemend.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title: code
      .replaceAll('_', ' ')
      .toLowerCase()
      .replace(/^./, (c) => c.toUpperCase()),
    status,
    code,
    detail,
  };
}
