// Building SimResponses: the headers every response carries and the error responses (compliance-api.md §6.1).
import type { SimResponse } from './app.js';
import { type ErrorType, errorBody } from './errors.js';

export function baseHeaders(requestId: string | null, nowMs: number): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    // the connector anchors its windows at the server's Date header (design.md invariant 3), so it follows the sim clock
    date: new Date(nowMs).toUTCString(),
  };
  if (requestId) headers['request-id'] = requestId;
  return headers;
}

export function jsonResponse(status: number, body: string, headers: Record<string, string>): SimResponse {
  return { status, headers, body };
}

/** A response whose body is UTF-8 bytes; `body` decodes them when read (tests, the invalid-json fault), not before. */
export function bytesResponse(status: number, headers: Record<string, string>, bytes: Buffer): SimResponse {
  return {
    status,
    headers,
    bytes,
    get body() {
      return bytes.toString('utf8');
    },
  };
}

export interface ErrorOptions {
  details?: Record<string, unknown>;
  /** `false` on every 4xx (429 included by default) and deterministic 500; `true` on transient 5xx; omitted when undefined. */
  shouldRetry?: boolean;
  /** The body's `request_id`; auth failures answer null (WIRE). */
  bodyRequestId?: string | null;
  extraHeaders?: Record<string, string>;
}

export function errorResponse(
  status: number,
  type: ErrorType,
  message: string,
  requestId: string | null,
  nowMs: number,
  opts: ErrorOptions = {},
): SimResponse {
  const headers = { ...baseHeaders(requestId, nowMs), ...opts.extraHeaders };
  if (opts.shouldRetry !== undefined) headers['x-should-retry'] = String(opts.shouldRetry);
  const bodyRequestId = opts.bodyRequestId === undefined ? requestId : opts.bodyRequestId;
  return { status, headers, body: errorBody(type, message, bodyRequestId, opts.details) };
}
