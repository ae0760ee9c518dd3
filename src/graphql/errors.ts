// What a client may see of a failure: our own input errors, GraphQL's parse and validation errors, a
// timeout or a missing warehouse, by message and code. Everything else (a DuckDB error, a bug) becomes
// "internal server error" for the client and is logged here, without stack or SQL leaving the server.
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from './graphql-js.js';
import type { Logger } from '../api/index.js';
import { AlertStoreUnavailableError } from './alert-store.js';
import { QueryTimeoutError, WarehouseUnavailableError } from './warehouse.js';

export const ErrorCode = {
  badUserInput: 'BAD_USER_INPUT',
  unauthenticated: 'UNAUTHENTICATED',
  forbidden: 'FORBIDDEN',
  alertStoreUnavailable: 'ALERT_STORE_UNAVAILABLE',
  rulesUnavailable: 'RULES_UNAVAILABLE',
  queryTimeout: 'QUERY_TIMEOUT',
  warehouseUnavailable: 'WAREHOUSE_UNAVAILABLE',
  internal: 'INTERNAL_SERVER_ERROR',
} as const;

/** Codes whose messages are written for clients (ours, and Apollo's request and validation errors). */
const PUBLIC_CODES: ReadonlySet<string> = new Set([
  ErrorCode.badUserInput,
  ErrorCode.unauthenticated,
  ErrorCode.forbidden,
  ErrorCode.queryTimeout,
  ErrorCode.warehouseUnavailable,
  ErrorCode.alertStoreUnavailable,
  ErrorCode.rulesUnavailable,
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/** The request's token may not do this (a mutation without the write token). */
export function forbiddenError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.forbidden } });
}

/** A client mistake: the message says what to change. */
export function userInputError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.badUserInput } });
}

export function formatErrorFor(logger: Logger): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => {
    const original = unwrapResolverError(error);
    const base = { ...(formatted.locations ? { locations: formatted.locations } : {}), ...(formatted.path ? { path: formatted.path } : {}) };
    if (original instanceof QueryTimeoutError) {
      logger.warn({ path: formatted.path?.join('.') }, `graphql: ${original.message}`);
      return { ...base, message: `${original.message}; narrow the time range or ask for fewer rows`, extensions: { code: ErrorCode.queryTimeout } };
    }
    if (original instanceof WarehouseUnavailableError) {
      logger.error({ detail: original.detail }, `graphql: ${original.message}`);
      return { ...base, message: original.message, extensions: { code: ErrorCode.warehouseUnavailable } };
    }
    if (original instanceof AlertStoreUnavailableError) {
      logger.warn({}, `graphql: ${original.message}`);
      return { ...base, message: original.message, extensions: { code: ErrorCode.alertStoreUnavailable } };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && PUBLIC_CODES.has(code)) {
      return { ...base, message: formatted.message, extensions: { code } };
    }
    logger.error(
      { path: formatted.path?.join('.'), error: original instanceof Error ? original.message : String(original), stack: original instanceof Error ? original.stack : undefined },
      'graphql: request failed',
    );
    return { ...base, message: 'Internal server error', extensions: { code: ErrorCode.internal } };
  };
}
