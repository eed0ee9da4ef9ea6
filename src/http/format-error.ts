import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { isCodedError } from '../errors';
import { inputErrorMessage, parseErrorMessage } from './input-error-message';

/** Codes produced by GraphQL and Apollo themselves, whose messages name no data and no internals. */
const PROTOCOL_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/** Driver error codes that mean "the database is not there right now", not "a bug". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CLIENT_INTERACTION_TIMEOUT',
  'EPIPE',
  // A pooled connection whose socket was closed under it (a node marked down: host-failover.ts).
  'ERR_STREAM_DESTROYED',
  'ERR_SOCKET_CLOSED',
  'ECONNABORTED',
  'ENOTCONN',
  'QUEUE_LIMIT',
  'ER_CON_COUNT_ERROR',
  'POOL_CLOSED',
  'SQLITE_BUSY',
  // A Galera node out of the primary component: "WSREP has not yet prepared node for application use" (1047).
  'ER_UNKNOWN_COM_ERROR',
  // A Galera node that lost the primary component mid-transaction: "Error while appending
  // streaming replication fragment (… Not connected to Primary Component)" (1180).
  'ER_ERROR_DURING_COMMIT',
  // A causal read (wsrep_sync_wait) or a lock that waited too long: the database is not serving now.
  'ER_LOCK_WAIT_TIMEOUT',
  // Still losing to other nodes' writes after every retry (a cluster under heavy contention).
  'ER_LOCK_DEADLOCK',
]);

export const INTERNAL_MESSAGE = 'Internal server error';

/** The driver's error code, looking through TypeORM's and Apollo's wrappers (context errors too). */
function driverCode(e: unknown, depth = 0): string | undefined {
  if (!e || typeof e !== 'object' || depth > 5) return undefined;
  const o = e as { code?: unknown; driverError?: unknown; originalError?: unknown; cause?: unknown; thrownValue?: unknown };
  if (typeof o.code === 'string') return o.code;
  // graphql-js wraps a thrown non-Error (mysql2's pool rejects a failed connect with a plain object) as NonErrorThrown.
  return driverCode(o.driverError ?? o.originalError ?? o.cause ?? o.thrownValue, depth + 1);
}

function isQueueFull(e: unknown, depth = 0): boolean {
  if (!(e instanceof Error) || depth > 5) return false;
  const o = e as Error & { originalError?: unknown; driverError?: unknown };
  return o.message === 'Queue limit reached.' || isQueueFull(o.driverError ?? o.originalError, depth + 1);
}

/** Whether an error means "a database is not there right now" (SERVICE_UNAVAILABLE to the client). */
export function isUnavailable(err: unknown): boolean {
  const dc = driverCode(err);
  return (!!dc && UNAVAILABLE_CODES.has(dc)) || isQueueFull(err);
}

export const UNAVAILABLE_MESSAGE = 'A database needed for this request is unavailable; retry later';

/**
 * Every error leaving the gateway passes here, whatever NODE_ENV says: our coded errors and
 * GraphQL's own pass with their code; a database outage becomes SERVICE_UNAVAILABLE; anything
 * else becomes INTERNAL_SERVER_ERROR with a generic message (the full error is logged, under
 * the request ID, by the logging plugin). No stack, SQL or value ever reaches the client.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const base = { locations: formatted.locations, path: formatted.path };
  if (isCodedError(original)) {
    const { http: _http, ...extensions } = original.extensions as Record<string, unknown>;
    return { ...base, message: original.message, extensions };
  }
  const code = formatted.extensions?.code;
  if (code === 'UNAUTHORIZED') return { ...base, message: formatted.message, extensions: { code: 'FORBIDDEN' } };
  if (typeof code === 'string' && PROTOCOL_CODES.has(code) && original instanceof GraphQLError) {
    // graphql-js names its token limit in the message; the limits stay unpublished.
    // graphql-armor prefixes its refusals with "Syntax Error: "; they are not syntax errors.
    const message = /contains more tha[nt] \d+ tokens/.test(formatted.message)
      ? 'Syntax Error: the document is too large.'
      : code === 'GRAPHQL_PARSE_FAILED'
        ? parseErrorMessage(formatted.message)
        : inputErrorMessage(formatted.message.replace(/^Syntax Error: (Query rejected: )/, '$1'), original);
    return { ...base, message, extensions: { code } };
  }
  // mysql2 gives its bounded pool queue's refusal no code.
  if (isUnavailable(original)) {
    return { ...base, message: UNAVAILABLE_MESSAGE, extensions: { code: 'SERVICE_UNAVAILABLE' } };
  }
  return { ...base, message: INTERNAL_MESSAGE, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
