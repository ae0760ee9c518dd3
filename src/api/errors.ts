// Typed errors of the Compliance API client: what failed, where, with which request id, and what to do.
//
// Secrets never reach an error: messages are built from safe parts only (method, path, status, the
// API's own message), and every text taken from a response or a cause is scrubbed of the client's key
// and of anything shaped like an Anthropic key (design.md invariant 6).

const KEY_PATTERN = /sk-ant-[A-Za-z0-9_-]+/g;
const REDACTED = '[redacted]';

/** Remove `secrets` (exact strings) and anything that looks like an Anthropic key from `text`. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    // Very short "keys" would shred ordinary words; real keys are far longer.
    if (secret.length >= 8 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out.replace(KEY_PATTERN, REDACTED);
}

export interface ErrorContext {
  status?: number | null;
  errorType?: string | null;
  /** The API's own `error.message` (or our description when there is none). */
  apiMessage?: string | null;
  requestId?: string | null;
  method?: string | null;
  /** Path with query string, no host. */
  path?: string | null;
  attempts?: number;
  cause?: unknown;
  /** Strings to scrub from everything this error carries (the client's API key). */
  secrets?: readonly string[];
}

export class ComplianceApiError extends Error {
  readonly status: number | null;
  readonly errorType: string | null;
  readonly apiMessage: string | null;
  readonly hint: string | null;
  readonly requestId: string | null;
  readonly method: string | null;
  readonly path: string | null;
  readonly attempts: number;

  constructor(ctx: ErrorContext, hint: string | null = null) {
    const secrets = ctx.secrets ?? [];
    const apiMessage = ctx.apiMessage == null ? null : redact(ctx.apiMessage, secrets);
    const path = ctx.path == null ? null : redact(ctx.path, secrets);
    hint = hint === null ? null : redact(hint, secrets);
    const cause = safeCause(ctx.cause, secrets);
    super(composeMessage(ctx, apiMessage, path, hint), cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.status = ctx.status ?? null;
    this.errorType = ctx.errorType ?? null;
    this.apiMessage = apiMessage;
    this.hint = hint;
    this.requestId = ctx.requestId ?? null;
    this.method = ctx.method ?? null;
    this.path = path;
    this.attempts = ctx.attempts ?? 0;
  }

  toJSON(): Record<string, unknown> {
    const cause = this.cause instanceof Error ? { name: this.cause.name, message: this.cause.message } : undefined;
    const json: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) {
      if (k !== 'rawBody' && k !== 'cause') json[k] = v;
    }
    return { name: this.name, message: this.message, ...json, ...(cause ? { cause } : {}) };
  }
}

/** 401: the key is missing, unknown, revoked or expired. */
export class AuthenticationError extends ComplianceApiError {
  constructor(ctx: ErrorContext) {
    super(
      ctx,
      'check ANTHROPIC_COMPLIANCE_API_KEY: the key is missing, invalid, revoked or expired. ' +
        'Use a Compliance Access Key (claude.ai › Organization settings › API) or, for the activity feed ' +
        'only, an Admin API key; Claude API keys are not accepted.',
    );
  }
}

export interface ScopeMessage {
  scopesHeld: string[];
  scopesNeeded: string[];
  /** `Needed one of: [...]`: any single needed scope suffices. */
  anyOfNeeded: boolean;
}

/**
 * Parse `Missing required scopes. Got: ['a', 'b'] Needed: ['c']` (also `Needed one of: [...]`),
 * Python-list formatting (compliance-api.md §1.3). Null when the message has neither list.
 */
export function parseScopeMessage(message: string | null | undefined): ScopeMessage | null {
  if (!message) return null;
  const got = /Got:\s*\[([^\]]*)\]/.exec(message);
  const needed = /Needed(\s+one\s+of)?:\s*\[([^\]]*)\]/i.exec(message);
  if (!got && !needed) return null;
  return {
    scopesHeld: got ? parsePythonList(got[1]) : [],
    scopesNeeded: needed ? parsePythonList(needed[2]) : [],
    anyOfNeeded: Boolean(needed?.[1]),
  };
}

function parsePythonList(inner: string): string[] {
  return inner
    .split(',')
    .map((item) => item.trim().replace(/^['"]|['"]$/g, ''))
    .filter((item) => item.length > 0);
}

/** 403: the key lacks a scope, or the request names an organization outside the key's reach. */
export class PermissionError extends ComplianceApiError {
  readonly scopesHeld: string[];
  readonly scopesNeeded: string[];
  readonly anyOfNeeded: boolean;

  constructor(ctx: ErrorContext) {
    const message = redact(ctx.apiMessage ?? '', ctx.secrets);
    const scopes = parseScopeMessage(message);
    super(ctx, permissionHint(scopes, message));
    this.scopesHeld = scopes?.scopesHeld ?? [];
    this.scopesNeeded = scopes?.scopesNeeded ?? [];
    this.anyOfNeeded = scopes?.anyOfNeeded ?? false;
  }
}

function permissionHint(scopes: ScopeMessage | null, message: string): string {
  if (!scopes) {
    if (/outside this API key's scope/i.test(message)) {
      return 'organization_ids[] names an organization this key cannot read; use a key created by the parent organization, or drop that id.';
    }
    return 'the key is not allowed to read this endpoint; check its scopes in claude.ai › Organization settings › API.';
  }
  const needed = scopes.scopesNeeded.join(scopes.anyOfNeeded ? ' or ' : ' and ') || 'the required scope';
  const feedOnly = scopes.scopesNeeded.length > 0 && scopes.scopesNeeded.every((s) => s === 'read:compliance_activities');
  const held = scopes.scopesHeld.length ? scopes.scopesHeld.join(', ') : 'none';
  const keyKind = feedOnly
    ? 'a Compliance Access Key with it, or an Admin API key created while the Compliance API was enabled'
    : 'a Compliance Access Key created in claude.ai › Organization settings › API with it (scopes are fixed at creation: create a new key); Admin API keys reach only the activity feed';
  return `the key holds ${held} but this endpoint needs ${needed}: use ${keyKind}.`;
}

/** 404: the id does not exist, was deleted, or is outside the key's organizations. */
export class NotFoundError extends ComplianceApiError {
  constructor(ctx: ErrorContext) {
    super(ctx, 'the resource does not exist, was deleted, or is outside this key\'s organizations.');
  }
}

/** 400 and 422: the server rejected the parameters. Not retried. */
export class InvalidRequestError extends ComplianceApiError {
  constructor(ctx: ErrorContext) {
    super(ctx, 'the server rejected the request parameters; fix them (retrying will not help).');
  }
}

/** 409: the resource's state forbids the operation. */
export class ConflictError extends ComplianceApiError {
  constructor(ctx: ErrorContext) {
    super(ctx, 'the resource is in a state that forbids this operation; resolve it first.');
  }
}

/** 429 after every retry was spent. */
export class RateLimitedError extends ComplianceApiError {
  readonly retryAfterMs: number | null;

  constructor(ctx: ErrorContext & { retryAfterMs?: number | null }) {
    super(
      ctx,
      'the shared budget (600 requests per minute per parent organization) is exhausted; slow down or ' +
        'stop other clients using the same organization.',
    );
    this.retryAfterMs = ctx.retryAfterMs ?? null;
  }
}

/** 5xx and 529 after every retry was spent. */
export class ServerError extends ComplianceApiError {
  constructor(ctx: ErrorContext) {
    super(ctx, 'the API failed on its side; try again later and quote the request id to Anthropic support.');
  }
}

/** Connection failure or timeout after every retry was spent. */
export class NetworkError extends ComplianceApiError {
  readonly timedOut: boolean;

  constructor(ctx: ErrorContext & { timedOut: boolean }, hint?: string) {
    super(
      ctx,
      hint ??
        (ctx.timedOut
          ? 'the request timed out; the API can take seconds per page, raise timeoutMs or lower limit.'
          : 'could not reach the API; check the base URL, network, proxy and TLS settings.'),
    );
    this.timedOut = ctx.timedOut;
  }
}

/**
 * The client could not connect at all: refused, host not resolved, TLS/certificate rejected, connect timeout.
 * `configuration` is true when this server never answered this client: the base URL (host, port, scheme) or
 * the TLS trust is wrong, so it is reported at once instead of retried for minutes. A server that answered
 * before and then stops is retried first, and only then reported with `configuration` false.
 */
export class ConnectionError extends NetworkError {
  readonly configuration: boolean;
  /** What kind of failure: `refused`, `dns`, `tls`, `connect-timeout`, `unreachable`, `reset`, `other`. */
  readonly reason: string;
  /** The system or TLS code behind it (`ECONNREFUSED`, `ENOTFOUND`, `DEPTH_ZERO_SELF_SIGNED_CERT`). */
  readonly code: string | null;
  /** The base URL the client was configured with (never carries a key: credentials are refused there). */
  readonly baseUrl: string;

  constructor(ctx: ErrorContext & { configuration: boolean; reason: string; code: string | null; baseUrl: string; description: string }) {
    const baseUrl = redact(ctx.baseUrl, ctx.secrets);
    super(
      { ...ctx, timedOut: false, apiMessage: `cannot connect to ${baseUrl}: ${ctx.description}` },
      ctx.configuration
        ? 'this server never answered: check --base-url / COMPLIANCE_API_BASE_URL (host, port, http or https), DNS, proxy and TLS trust (NODE_EXTRA_CA_CERTS); nothing was read and no cursor moved.'
        : 'the server answered earlier and then stopped answering, and every retry failed; nothing was lost and the cursor did not move: run the sync again when the server is back.',
    );
    this.configuration = ctx.configuration;
    this.reason = ctx.reason;
    this.code = ctx.code;
    this.baseUrl = baseUrl;
  }
}

/** A 2xx whose body is not the JSON this endpoint returns (invalid, truncated or the wrong shape). */
export class MalformedResponseError extends ComplianceApiError {
  /** The endpoint path without query, e.g. `/v1/compliance/activities`. */
  readonly endpoint: string;
  /** The first 200 characters of the body. */
  readonly bodyPreview: string;
  /** The whole body, so the caller can quarantine it. Excluded from toJSON(). */
  readonly rawBody: string;

  constructor(ctx: ErrorContext & { endpoint: string; rawBody: string }) {
    const secrets = ctx.secrets ?? [];
    const rawBody = redact(ctx.rawBody, secrets);
    const bodyPreview = rawBody.slice(0, 200);
    super(
      { ...ctx, apiMessage: `${ctx.apiMessage ?? 'malformed response body'}; body starts ${JSON.stringify(bodyPreview)}` },
      'the response could not be used; it was retried; quarantine rawBody and report the request id.',
    );
    this.endpoint = ctx.endpoint;
    this.bodyPreview = bodyPreview;
    this.rawBody = rawBody;
  }
}

/** Rejected by the client before any request: the server would answer 400. */
export class ClientValidationError extends ComplianceApiError {
  /** The offending parameter (wire name), when there is one. */
  readonly param: string | null;

  constructor(message: string, param: string | null = null, ctx: ErrorContext = {}) {
    super({ ...ctx, errorType: 'client_validation_error', apiMessage: message }, null);
    this.param = param;
  }
}

export interface ParsedErrorBody {
  errorType: string | null;
  message: string | null;
  requestId: string | null;
}

/** Lenient read of `{"type":"error","error":{type,message},"request_id"}`, `{"error":{...}}` or plain text. */
export function parseErrorBody(text: string): ParsedErrorBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const plain = text.trim().slice(0, 300);
    return { errorType: null, message: plain.length ? plain : null, requestId: null };
  }
  if (body === null || typeof body !== 'object') return { errorType: null, message: null, requestId: null };
  const b = body as Record<string, unknown>;
  const err = b.error;
  let errorType: string | null = null;
  let message: string | null = null;
  if (err && typeof err === 'object') {
    const e = err as Record<string, unknown>;
    errorType = typeof e.type === 'string' ? e.type : null;
    message = typeof e.message === 'string' ? e.message : null;
  } else if (typeof err === 'string') {
    message = err;
  }
  if (message === null && typeof b.message === 'string') message = b.message;
  const requestId = typeof b.request_id === 'string' ? b.request_id : null;
  return { errorType, message, requestId };
}

/** The typed error for a final non-2xx response. */
export function errorForStatus(
  status: number,
  ctx: ErrorContext & { retryAfterMs?: number | null },
): ComplianceApiError {
  const full = { ...ctx, status };
  if (status === 401) return new AuthenticationError(full);
  if (status === 403) return new PermissionError(full);
  if (status === 404) return new NotFoundError(full);
  if (status === 400 || status === 422) return new InvalidRequestError(full);
  if (status === 409) return new ConflictError(full);
  if (status === 429) return new RateLimitedError(full);
  if (status >= 500) return new ServerError(full);
  return new ComplianceApiError(full, null);
}

function composeMessage(ctx: ErrorContext, apiMessage: string | null, path: string | null, hint: string | null): string {
  const head = [ctx.status ?? null, ctx.errorType ?? null].filter((p) => p !== null).join(' ');
  const where = [
    ctx.method && path ? `${ctx.method} ${path}` : path,
    ctx.requestId ? `request-id ${ctx.requestId}` : null,
    ctx.attempts ? `${ctx.attempts} attempt${ctx.attempts === 1 ? '' : 's'}` : null,
  ].filter(Boolean);
  let text = head ? `${head}: ${apiMessage ?? 'request failed'}` : (apiMessage ?? 'request failed');
  if (hint) text += ` — ${hint}`;
  if (where.length) text += ` (${where.join(', ')})`;
  return text;
}

// A cause is someone else's object; if its text carries a secret, keep only a scrubbed copy.
function safeCause(cause: unknown, secrets: readonly string[]): unknown {
  if (cause === undefined || cause === null) return undefined;
  if (cause instanceof Error) {
    const text = `${cause.message}\n${cause.stack ?? ''}`;
    if (redact(text, secrets) === text && !hasSecretDeep(cause.cause, secrets)) return cause;
    const copy = new Error(redact(cause.message, secrets));
    copy.name = cause.name;
    copy.stack = redact(cause.stack ?? '', secrets);
    return copy;
  }
  return redact(String(cause), secrets);
}

function hasSecretDeep(cause: unknown, secrets: readonly string[], depth = 0): boolean {
  if (cause === undefined || cause === null || depth > 4) return false;
  const text = cause instanceof Error ? `${cause.message}\n${cause.stack ?? ''}` : String(cause);
  if (redact(text, secrets) !== text) return true;
  return cause instanceof Error ? hasSecretDeep(cause.cause, secrets, depth + 1) : false;
}
