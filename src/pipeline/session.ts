// One API session per process: one client and one rate budget that every stream, job and run shares
// (design.md invariant 4), the server's clock read from every response's `date` header (invariant 3), and
// the key's kind. A run attaches its request accounting for as long as it runs.
import { ComplianceClient, type ComplianceClientOptions, type Logger, type RequestInfo } from '../api/index.js';
import { type KeyKind, keyKindOf } from './keys.js';

export interface SessionOptions {
  apiKey: string;
  baseUrl: string;
  requestsPerMinute: number;
  maxRetries?: number;
  fetch?: typeof fetch;
  /** Extra client options (tests pass a simulated sleep and clock; the daemon a stoppable sleep). */
  clientOptions?: Partial<ComplianceClientOptions>;
  logger?: Logger;
}

export interface ApiSession {
  client: ComplianceClient;
  keyKind: KeyKind;
  /** The server's clock (latest `date` header seen), else the local clock. */
  serverNow(): number;
  /** Sends the client's request reports to `listener` until the returned function is called. */
  attach(listener: (info: RequestInfo) => void): () => void;
}

export function openSession(options: SessionOptions): ApiSession {
  let serverOffsetMs = 0;
  let listener: ((info: RequestInfo) => void) | null = null;
  const baseFetch = options.fetch ?? globalThis.fetch;
  const fetchWithClock: typeof fetch = async (input, init) => {
    const res = await baseFetch(input, init);
    const ms = Date.parse(res.headers.get('date') ?? '');
    if (!Number.isNaN(ms)) serverOffsetMs = ms - Date.now();
    return res;
  };
  const client = new ComplianceClient({
    apiKey: options.apiKey,
    baseUrl: options.baseUrl,
    fetch: fetchWithClock,
    requestsPerMinute: options.requestsPerMinute,
    maxRetries: options.maxRetries,
    logger: options.logger,
    onRequest: (info) => listener?.(info),
    ...options.clientOptions,
  });
  return {
    client,
    keyKind: keyKindOf(options.apiKey),
    serverNow: () => Date.now() + serverOffsetMs,
    attach(next) {
      listener = next;
      return () => {
        if (listener === next) listener = null;
      };
    },
  };
}
