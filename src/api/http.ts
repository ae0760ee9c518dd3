// Executes one GET against the API: headers, the shared rate budget, timeouts, retries, one body read
// and one JSON.parse per attempt, and the typed error when it finally fails.

import { deadlineSignal } from './deadline.js';
import { classifyConnectionFailure } from './connection.js';
import {
  ConnectionError,
  MalformedResponseError,
  NetworkError,
  errorForStatus,
  parseErrorBody,
  redact,
} from './errors.js';
import { ANTHROPIC_VERSION } from './limits.js';
import type { RateBudget } from './rate-budget.js';
import { backoffDelay, isTransientNetworkError, parseRetryAfter, statusRetryWait, type BackoffOptions, type RetryTries } from './retry.js';

export type LogFn = (obj: Record<string, unknown>, msg?: string) => void;

/** The subset of a pino logger the client uses. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

/** One attempt, as reported to `onRequest` (metrics, and recording our own request ids). */
export interface RequestInfo {
  method: string;
  /** Full URL including the query string (never carries the key). */
  url: string;
  /** Null when no response arrived (connection error, timeout). */
  status: number | null;
  requestId: string | null;
  /** 1 for the first try. */
  attempt: number;
  durationMs: number;
  /** Set when the attempt failed before a usable response: 'timeout' | 'network' | 'malformed'. */
  failure?: 'timeout' | 'network' | 'malformed';
}

/** What a 2xx body must look like: a list page (`data` array), a messages page, or one object. */
export type ResponseShape = 'list' | 'messages' | 'object';

export interface JsonResponse {
  body: Record<string, unknown>;
  status: number;
  requestId: string | null;
  attempts: number;
  /** The response's `date` header (the server's clock) in epoch ms, when present. */
  serverTimeMs: number | null;
}

export interface TransportOptions {
  apiKey: string;
  /** Origin plus optional path prefix, no trailing slash and no `/v1/compliance`. */
  baseUrl: string;
  fetch: typeof fetch;
  budget: RateBudget;
  maxRetries: number;
  /** Retries of 429s, counted apart from maxRetries: a 429 is always waited out (design.md invariant 4). */
  maxRateLimitRetries: number;
  timeoutMs: number;
  backoff: BackoffOptions;
  userAgent: string;
  logger?: Logger;
  onRequest?: (info: RequestInfo) => void;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  random?: () => number;
}

export class HttpTransport {
  readonly #apiKey: string;
  readonly #headers: Record<string, string>;
  readonly #options: Omit<TransportOptions, 'apiKey'>;
  /** Whether this server ever sent an HTTP response (any status) to this client. */
  #answered = false;

  constructor(options: TransportOptions) {
    const { apiKey, ...rest } = options;
    this.#apiKey = apiKey;
    this.#options = rest;
    this.#headers = {
      'x-api-key': apiKey,
      'anthropic-version': ANTHROPIC_VERSION,
      'user-agent': options.userAgent,
      accept: 'application/json',
    };
  }

  /** GET `endpoint?query` and return its JSON object, retrying what is transient. */
  async getJson(endpoint: string, query: string, shape: ResponseShape): Promise<JsonResponse> {
    const o = this.#options;
    const secrets = [this.#apiKey];
    const pathWithQuery = query ? `${endpoint}?${query}` : endpoint;
    const url = o.baseUrl + pathWithQuery;
    const safePath = redact(pathWithQuery, secrets);
    const safeUrl = redact(url, secrets);
    const context = (attempt: number) => ({ method: 'GET', path: safePath, attempts: attempt, secrets });

    // 429s and other failures spend separate allowances: a rate-limit storm must not use up the retries a
    // flaky network needs, nor the other way round.
    const tries: RetryTries = { failures: 0, rateLimited: 0 };
    for (let attempt = 1; ; attempt++) {
      await o.budget.acquire();
      const started = o.now();
      const canRetry = tries.failures < o.maxRetries;
      // held until it fires: a daemon's fetch joins it to its stop signal with AbortSignal.any (deadline.ts)
      const signal = deadlineSignal(undefined, o.timeoutMs);
      let res: Response;
      let text: string;
      try {
        res = await o.fetch(url, { method: 'GET', headers: this.#headers, signal });
      } catch (err) {
        await this.#networkFailure(err, signal, attempt, tries.failures++, started, null, null, safeUrl, context);
        continue;
      }
      this.#answered = true;
      o.budget.observe(res.headers);
      const headerRequestId = res.headers.get('request-id') || res.headers.get('x-request-id') || null;
      try {
        text = await res.text();
      } catch (err) {
        await this.#networkFailure(err, signal, attempt, tries.failures++, started, res.status, headerRequestId, safeUrl, context);
        continue;
      }
      const durationMs = o.now() - started;

      if (res.status >= 200 && res.status < 300) {
        const parsed = parseShape(text, shape);
        if (typeof parsed === 'string') {
          this.#report({ url: safeUrl, status: res.status, requestId: headerRequestId, attempt, durationMs, failure: 'malformed' }, safePath);
          if (canRetry) {
            tries.failures++;
            await this.#retryWait(backoffDelay(tries.failures, o.backoff, o.random), false, attempt, safePath, res.status, headerRequestId, parsed);
            continue;
          }
          throw new MalformedResponseError({
            ...context(attempt),
            status: res.status,
            requestId: headerRequestId,
            apiMessage: parsed,
            endpoint,
            rawBody: text,
          });
        }
        this.#report({ url: safeUrl, status: res.status, requestId: headerRequestId, attempt, durationMs }, safePath);
        const date = res.headers.get('date');
        const serverTimeMs = date ? Date.parse(date) : Number.NaN;
        return {
          body: parsed,
          status: res.status,
          requestId: headerRequestId,
          attempts: attempt,
          serverTimeMs: Number.isNaN(serverTimeMs) ? null : serverTimeMs,
        };
      }

      const error = parseErrorBody(text);
      const requestId = headerRequestId ?? error.requestId;
      this.#report({ url: safeUrl, status: res.status, requestId, attempt, durationMs }, safePath);
      const waitMs = statusRetryWait(res.status, res.headers, o.now(), tries, o);
      if (waitMs !== null) {
        await this.#retryWait(waitMs, res.status === 429, attempt, safePath, res.status, requestId, error.errorType ?? `HTTP ${res.status}`);
        continue;
      }
      throw errorForStatus(res.status, {
        ...context(attempt),
        errorType: error.errorType,
        apiMessage: error.message,
        requestId,
        retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), o.now()),
      });
    }
  }

  async #networkFailure(
    err: unknown,
    signal: AbortSignal,
    attempt: number,
    failuresBefore: number,
    started: number,
    status: number | null,
    requestId: string | null,
    safeUrl: string,
    context: (attempt: number) => { method: string; path: string; attempts: number; secrets: string[] },
  ): Promise<void> {
    const o = this.#options;
    const timedOut = signal.aborted || (err instanceof Error && err.name === 'TimeoutError');
    const ctx = context(attempt);
    this.#report(
      { url: safeUrl, status, requestId, attempt, durationMs: o.now() - started, failure: timedOut ? 'timeout' : 'network' },
      ctx.path,
    );
    const failure = timedOut ? null : classifyConnectionFailure(err);
    if (failure?.connectPhase) {
      // A server that never answered is a wrong base URL, host, port or certificate: retrying for minutes
      // would only hide that. One that answered before is an outage: retried like any network failure.
      const configuration = !this.#answered;
      if (configuration || failuresBefore >= o.maxRetries) {
        throw new ConnectionError({
          ...ctx,
          status,
          requestId,
          configuration,
          reason: failure.kind,
          code: failure.code,
          baseUrl: o.baseUrl,
          description: failure.description,
          cause: err,
        });
      }
    } else if (failuresBefore >= o.maxRetries || !(timedOut || isTransientNetworkError(err))) {
      throw new NetworkError({
        ...ctx,
        status,
        requestId,
        apiMessage: timedOut ? `no complete response within ${o.timeoutMs} ms` : 'connection failed',
        timedOut,
        cause: err,
      });
    }
    const message = redact(err instanceof Error ? err.message : String(err), ctx.secrets);
    const reason = timedOut ? 'timeout' : failure && failure.kind !== 'other' ? `${failure.description} (${message})` : message;
    await this.#retryWait(backoffDelay(failuresBefore + 1, o.backoff, o.random), false, attempt, ctx.path, status, requestId, reason);
  }

  // A 429 pauses the shared budget, so every caller waits, and the retry waits in acquire();
  // other failures only delay this request.
  async #retryWait(
    waitMs: number,
    pauseBudget: boolean,
    attempt: number,
    path: string,
    status: number | null,
    requestId: string | null,
    reason: string,
  ): Promise<void> {
    const o = this.#options;
    o.logger?.warn({ method: 'GET', path, status, requestId, attempt, waitMs, reason }, 'compliance api: retrying');
    if (pauseBudget) o.budget.pauseFor(waitMs);
    else if (waitMs > 0) await o.sleep(waitMs);
  }

  #report(info: Omit<RequestInfo, 'method'>, path: string): void {
    const o = this.#options;
    o.logger?.debug(
      {
        method: 'GET',
        path,
        status: info.status,
        requestId: info.requestId,
        attempt: info.attempt,
        durationMs: info.durationMs,
        ...(info.failure ? { failure: info.failure } : {}),
      },
      'compliance api request',
    );
    if (!o.onRequest) return;
    try {
      o.onRequest({ method: 'GET', ...info });
    } catch (err) {
      // A metrics hook must never fail a sync.
      o.logger?.warn({ path, err: err instanceof Error ? err.message : String(err) }, 'compliance api: onRequest hook threw');
    }
  }
}

/** The parsed body, or a short reason why it is unusable. */
function parseShape(text: string, shape: ResponseShape): Record<string, unknown> | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return text.length === 0 ? 'empty body' : 'body is not valid JSON (truncated?)';
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'body is not a JSON object';
  const b = body as Record<string, unknown>;
  if (shape === 'list' && !Array.isArray(b.data)) return '`data` is not an array';
  if (shape === 'messages' && !Array.isArray(b.chat_messages)) return '`chat_messages` is not an array';
  return b;
}
