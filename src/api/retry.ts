// When to retry and how long to wait: status rules, `x-should-retry`, `retry-after`, backoff with jitter.
// (compliance-api.md §6.1–§6.3; the same policy as the Anthropic SDKs and dlt's retry helper.)

export interface BackoffOptions {
  /** First wait, in ms. */
  baseMs: number;
  /** Ceiling of any computed wait, in ms. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 60_000 };

/** Statuses worth another attempt: throttling, timeouts and transient server failures. */
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504, 529]);

/**
 * Whether a response status deserves a retry. A 429 always does: the API sends `x-should-retry: false` on
 * every 4xx, its 429 included, while the 429's own message says to retry after `retry-after`
 * (compliance-api.md §6.1, §6.2; design.md invariant 4). For every other status `x-should-retry` overrides
 * the status rule both ways (the API sends `false` on deterministic failures).
 */
export function shouldRetryStatus(status: number, xShouldRetry: string | null): boolean {
  if (status === 429) return true;
  const header = xShouldRetry?.trim().toLowerCase();
  if (header === 'true') return true;
  if (header === 'false') return false;
  return RETRYABLE_STATUS.has(status);
}

/**
 * `retry-after` as a wait in ms: delta-seconds (integer or decimal) or an HTTP date.
 * Null when absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value == null) return null;
  const text = value.trim();
  if (text === '') return null;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date always names its month; this keeps Date.parse from reading "-5" as a year.
  const at = /[a-z]{3}/i.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

/**
 * Exponential backoff for retry number `retry` (1 = the first retry): base · 2^(retry-1), capped at
 * maxMs, then ±25 % jitter so that clients that failed together do not retry together; the result is
 * clamped to [0, maxMs].
 */
export function backoffDelay(retry: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponent = Math.max(0, retry - 1);
  const raw = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(exponent, 52));
  const jittered = raw * (0.75 + 0.5 * random());
  return Math.round(Math.min(options.maxMs, Math.max(0, jittered)));
}

/** Transport failures that are worth another attempt: resets, refused connections, aborted bodies. */
export function isTransientNetworkError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return true;
  if (err instanceof TypeError) return true; // undici: "fetch failed", "terminated"
  const codes = new Set([
    'ECONNRESET',
    'ECONNREFUSED',
    'ECONNABORTED',
    'EPIPE',
    'ETIMEDOUT',
    'ENOTFOUND',
    'EAI_AGAIN',
    'ENETUNREACH',
    'EHOSTUNREACH',
    'UND_ERR_SOCKET',
    'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_BODY_TIMEOUT',
    'UND_ERR_CLOSED',
  ]);
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && codes.has(code)) return true;
    if (/terminated|socket hang up|other side closed/i.test(e.message)) return true;
    e = e.cause;
  }
  return false;
}

/** Retries one request has spent: 429s and other failures have separate allowances, so a rate-limit storm
 * does not use up the retries a flaky network needs, nor the other way round. */
export interface RetryTries {
  failures: number;
  rateLimited: number;
}

export interface RetryLimits {
  maxRetries: number;
  maxRateLimitRetries: number;
  backoff: BackoffOptions;
  random?: () => number;
}

/**
 * The wait before retrying a response of `status`, counting the retry in `tries`; null when it is not
 * retried (a final status, or its allowance spent). `retry-after` is a floor: repeated short values still
 * back off exponentially (compliance-api.md §6.3).
 */
export function statusRetryWait(status: number, headers: Headers, nowMs: number, tries: RetryTries, limits: RetryLimits): number | null {
  const isRateLimit = status === 429;
  const allowed = isRateLimit ? tries.rateLimited < limits.maxRateLimitRetries : tries.failures < limits.maxRetries;
  if (!allowed || !shouldRetryStatus(status, headers.get('x-should-retry'))) return null;
  const retry = isRateLimit ? ++tries.rateLimited : ++tries.failures;
  const retryAfterMs = parseRetryAfter(headers.get('retry-after'), nowMs);
  return Math.max(retryAfterMs ?? 0, backoffDelay(retry, limits.backoff, limits.random));
}
