// The public surface of src/api: the client, its page and error types, and the shared rate budget.

export {
  CLIENT_ENDPOINTS,
  ComplianceClient,
  DEFAULT_BASE_URL,
  DEFAULT_MAX_RATE_LIMIT_RETRIES,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  normalizeBaseUrl,
  type ActivityParams,
  type ChatParams,
  type ComplianceClientOptions,
  type CursorWalkOptions,
  type MessageParams,
  type ProjectParams,
  type LocalSessionParams,
  type RemoteSessionParams,
  type CodeArtifactParams,
  type SessionMessagesPageOf,
} from './client.js';
export { DownloadIntegrityError, dispositionFilename, type DownloadOptions, type DownloadResult, type ExpectedContent } from './download.js';
export {
  AuthenticationError,
  ClientValidationError,
  ComplianceApiError,
  ConflictError,
  ConnectionError,
  InvalidRequestError,
  MalformedResponseError,
  NetworkError,
  NotFoundError,
  PermissionError,
  RateLimitedError,
  ServerError,
  parseErrorBody,
  parseScopeMessage,
  redact,
  type ErrorContext,
  type ScopeMessage,
} from './errors.js';
export type { Logger, LogFn, RequestInfo } from './http.js';
export {
  records,
  type Checked,
  type CursorDirection,
  type PageCheck,
  type ItemOf,
  type MessagesPageOf,
  type PageOf,
  type ResponseMeta,
} from './pagination.js';
export { encodeQuery, toWireParams, encodeWireParams, type WireParams, type WithDates } from './query.js';
export { RateBudget, type RateBudgetOptions, type RateBudgetSnapshot } from './rate-budget.js';
export { classifyConnectionFailure, type ConnectionFailure, type ConnectionFailureKind } from './connection.js';
export { backoffDelay, parseRetryAfter, shouldRetryStatus, DEFAULT_BACKOFF, type BackoffOptions } from './retry.js';
export { normalizeTimestamp, toEpochMicros, parseTimestampMs, toQueryTimestamp } from './timestamps.js';
export { packageVersion } from './version.js';
export * from './limits.js';
export type * from './types.js';
export { KNOWN_ACTOR_TYPES } from './types.js';
