import { GraphQLError } from 'graphql';

/**
 * The gateway's whole error vocabulary. Each class carries a stable `extensions.code`;
 * anything thrown that is not one of these (or a GraphQL parse/validation error) is
 * masked as INTERNAL_SERVER_ERROR by `formatError`.
 */
export type ErrorCode =
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'BAD_USER_INPUT'
  | 'RATE_LIMITED'
  | 'SERVICE_UNAVAILABLE'
  | 'GRAPHQL_VALIDATION_FAILED';

abstract class CodedError extends GraphQLError {
  protected constructor(message: string, code: ErrorCode, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extra } });
  }
}

export class NotFoundError extends CodedError {
  constructor(what = 'Resource') {
    super(`${what} not found`, 'NOT_FOUND');
  }
}

export class ForbiddenError extends CodedError {
  constructor(message = 'This API key lacks the scope needed for this field or operation') {
    super(message, 'FORBIDDEN');
  }
}

export class UnauthenticatedError extends CodedError {
  constructor(message = 'A valid API key is required: send "Authorization: Bearer <key>"') {
    // `http` is read by Apollo for the status code and stripped from the response.
    super(message, 'UNAUTHENTICATED', { http: { status: 401 } });
  }
}

export class BadUserInputError extends CodedError {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super(message, 'BAD_USER_INPUT', extra);
  }
}

/**
 * A query refused by a query limit (cost, depth, aliases, directives) before anything ran. The
 * message names the kind of limit, never its value. HTTP 400, as GraphQL's own validation.
 */
export class QueryLimitError extends CodedError {
  constructor(message: string) {
    super(message, 'GRAPHQL_VALIDATION_FAILED', { http: { status: 400 } });
  }
}

export class RateLimitedError extends CodedError {
  constructor(retryAfterSeconds: number) {
    super('Too many requests for this API key; retry later', 'RATE_LIMITED', { retryAfterSeconds, http: { status: 429 } });
  }
}

export class ServiceUnavailableError extends CodedError {
  constructor(message = 'A database needed for this request is unavailable; retry later') {
    super(message, 'SERVICE_UNAVAILABLE');
  }
}

/**
 * A store database was moved to another server while this unit of work waited for its lock
 * (the old copy gives the lock up by deleting it). Thrown before anything is written, so the
 * unit of work can run again where the store lives now.
 */
export class StoreMovedError extends ServiceUnavailableError {
  constructor() {
    super('The store moved to another database server during this request; retry');
  }
}

export const isCodedError = (e: unknown): e is CodedError => e instanceof CodedError;
