// The error envelope and the error bodies the simulator sends (compliance-api.md §6.1, §6.2).

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error'
  | 'timeout_error';

/** Thrown by routes and checks; the app turns it into the envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Every observed 403 carries `details.error_visibility` (compliance-api.md §6.1, WIRE). */
const PERMISSION_DETAILS = { error_visibility: 'user_facing' };

export const invalidRequest = (message: string) => new ApiError(400, 'invalid_request_error', message);
export const notFound = (message: string) => new ApiError(404, 'not_found_error', message);
export const permissionDenied = (message: string) => new ApiError(403, 'permission_error', message, PERMISSION_DETAILS);

/** The body of every error response: `{"type":"error","error":{type,message,details?},"request_id"}`. */
export function errorBody(type: ErrorType, message: string, requestId: string | null, details?: Record<string, unknown>): string {
  const error = details ? { type, message, details } : { type, message };
  return JSON.stringify({ type: 'error', error, request_id: requestId });
}

/** Messages quoted by the reference; kept here so tests and routes agree on one spelling. */
export const MESSAGES = {
  invalidKey: 'The API key provided is invalid or has been revoked.',
  expiredKey: 'API key has expired.',
  foreignOrganization: "Cannot query compliance data for organizations outside this API key's scope",
  notFound: 'Not found.',
  rateLimited: (rpm: number) =>
    `Compliance API rate limit of ${rpm} requests per minute per parent organization has been exceeded. ` +
    'Retry after the time indicated by the retry-after header. Quote the request-id response header when contacting Anthropic support.',
  invalidTimestamp: (param: string, value: string) =>
    `The \`${param}\` parameter contains an invalid timestamp format. Timestamps must be provided in RFC 3339 format e.g., "2024-03-01T00:00:00Z". Got "${value}".`,
  invalidLimit: (max: number, value: string) => `The limit parameter must be between 1 and ${max}, inclusive. Got ${value}.`,
  invalidCursor: (param: string, value: string, what = 'activity') =>
    `Invalid \`${param}\`. No ${what} found for \`${param}\` "${value}"`,
  unknownParameter: (name: string) => `Unknown query parameter: '${name}'.`,
  organizationNotFound: (uuid: string) =>
    `The "${uuid}" organization does not exist or the requester is not authorized to access it.`,
  settingsOrganizationNotFound: (value: string) => `organization \`${value}\` not found in this organization's hierarchy`,
  roleNotFound: 'Role not found.',
  groupNotFound: 'Group not found.',
  chatNotFound: (id: string) => `Chat ${id} not found.`,
  fileNotFound: 'No file found with provided id, or it has already been deleted.',
  projectNotFound: 'No project is found with the provided id.',
  generatedFileNotFound: 'No generated file found with provided id, or it has expired.',
  artifactNotFound: 'No artifact version found with provided id.',
  projectDocumentNotFound: 'No project document found with provided id, or it has already been deleted.',
  localSessionNotFound: 'Local session not found.',
  remoteSessionNotFound: 'Remote session not found.',
  codeArtifactNotFound: 'Code artifact not found.',
  codeArtifactVersionNotFound: 'Code artifact version not found. It may have been rotated out; list the artifact again.',
  codeArtifactUploading: 'The code artifact version is still being uploaded. Try again shortly.',
  invalidSessionCursor: 'The page parameter is not a valid cursor for this request.',
  expiredSessionCursor: 'The page cursor has expired. Start the walk again without `page`.',
  remoteSessionsRateLimited:
    'Remote sessions rate limit exceeded. Retry after the time indicated by the retry-after header.',
} as const;
