// Binary and raw-text GETs (file, generated-file and code-artifact downloads, legacy artifact text): streamed to a
// temp file beside the destination, hashed on the way, checked against Content-MD5 and the sizes, fsynced and
// renamed into place; a mismatch deletes the temp file and throws (compliance-api.md §2.3, §2.7).
import { createHash } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ComplianceApiError, NetworkError, errorForStatus, parseErrorBody, redact, type ErrorContext } from './errors.js';
import type { TransportOptions } from './http.js';
import { ANTHROPIC_VERSION } from './limits.js';
import { backoffDelay, isTransientNetworkError, parseRetryAfter, statusRetryWait, type RetryTries } from './retry.js';

/** What the caller already knows about the bytes (the metadata's `md5`/`size_bytes`); null or absent = unknown. */
export interface ExpectedContent {
  md5?: string | null;
  size_bytes?: number | null;
}

export interface DownloadOptions {
  expect?: ExpectedContent;
}

export interface DownloadResult {
  /** The final path (renamed into place only after every check passed). */
  path: string;
  bytes: number;
  /** Lowercase hex md5 of the bytes written. */
  md5: string;
  /** The `Content-MD5` header (base64) when the server sent one. */
  contentMd5: string | null;
  contentType: string | null;
  /** The name from `Content-Disposition` (RFC 5987 `filename*` or plain `filename`), when given. */
  filename: string | null;
  requestId: string | null;
  attempts: number;
  endpoint: string;
}

/** The served bytes do not match what the server or the metadata said: nothing was kept. */
export class DownloadIntegrityError extends ComplianceApiError {
  readonly resourceId: string;
  readonly check: 'md5' | 'size';
  readonly expected: string;
  readonly actual: string;

  constructor(resourceId: string, check: 'md5' | 'size', expected: string, actual: string, ctx: ErrorContext) {
    super(
      { ...ctx, errorType: 'download_integrity_error', apiMessage: `${resourceId}: ${check} mismatch, expected ${expected}, got ${actual}` },
      'the downloaded bytes were discarded; download again, and report the request id if it repeats.',
    );
    this.resourceId = resourceId;
    this.check = check;
    this.expected = expected;
    this.actual = actual;
  }
}

/** `filename*=utf-8''…` (RFC 5987) wins over `filename="…"` (the PDF-era form). */
export function dispositionFilename(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[2].trim());
    } catch {
      // fall through to the plain form
    }
  }
  const plain = /filename\s*=\s*"((?:[^"\\]|\\.)*)"|filename\s*=\s*([^;]+)/i.exec(header);
  if (plain) return (plain[1] ?? plain[2]).replace(/\\(.)/g, '$1').trim();
  return null;
}

const base64ToHex = (b64: string) => Buffer.from(b64.trim(), 'base64').toString('hex');

/** Attempts of one download, and the retries spent (the allowances of retry.ts). */
interface Tries extends RetryTries {
  attempt: number;
}

interface Opened {
  res: Response;
  requestId: string | null;
  attempts: number;
  /** Re-arms the idle timeout; called per chunk while the body streams. */
  touch(): void;
  done(): void;
  /** True once the idle timeout fired. */
  timedOut(): boolean;
}

/** Raw GETs with the client's key, budget and retry rules; the JSON path lives in http.ts. */
export class Downloader {
  readonly #apiKey: string;
  readonly #o: Omit<TransportOptions, 'apiKey'>;

  constructor(options: TransportOptions) {
    const { apiKey, ...rest } = options;
    this.#apiKey = apiKey;
    this.#o = rest;
  }

  #context(endpoint: string, attempts: number): ErrorContext {
    return { method: 'GET', path: redact(endpoint, [this.#apiKey]), attempts, secrets: [this.#apiKey] };
  }

  /** A 2xx response whose body is still unread, after retrying 429/5xx and connection failures. */
  async #open(endpoint: string, accept: string, tries: Tries): Promise<Opened> {
    const o = this.#o;
    const headers = { 'x-api-key': this.#apiKey, 'anthropic-version': ANTHROPIC_VERSION, 'user-agent': o.userAgent, accept };
    for (;;) {
      const attempt = ++tries.attempt;
      await o.budget.acquire();
      const started = o.now();
      const controller = new AbortController();
      // an idle timeout, not a total one: a large download may take longer than timeoutMs as long as bytes flow
      let timer = setTimeout(() => controller.abort(new Error(`no data within ${o.timeoutMs} ms`)), o.timeoutMs);
      const touch = () => {
        clearTimeout(timer);
        timer = setTimeout(() => controller.abort(new Error(`no data within ${o.timeoutMs} ms`)), o.timeoutMs);
      };
      const done = () => clearTimeout(timer);
      let res: Response;
      try {
        res = await o.fetch(o.baseUrl + endpoint, { method: 'GET', headers, signal: controller.signal });
      } catch (err) {
        done();
        await this.#networkRetry(err, controller.signal.aborted, endpoint, tries, null);
        continue;
      }
      o.budget.observe(res.headers);
      const requestId = res.headers.get('request-id') || res.headers.get('x-request-id') || null;
      o.onRequest?.({ method: 'GET', url: redact(o.baseUrl + endpoint, [this.#apiKey]), status: res.status, requestId, attempt, durationMs: o.now() - started });
      if (res.ok) return { res, requestId, attempts: attempt, touch, done, timedOut: () => controller.signal.aborted };
      let text = '';
      try {
        text = await res.text();
      } catch {
        // the status decides; a lost error body only loses the message
      }
      done();
      const error = parseErrorBody(text);
      // a 429 is always waited out, whatever x-should-retry says (design.md invariant 4)
      const waitMs = statusRetryWait(res.status, res.headers, o.now(), tries, o);
      if (waitMs !== null) {
        o.logger?.warn({ method: 'GET', path: endpoint, status: res.status, requestId, attempt, waitMs }, 'compliance api: retrying download');
        if (res.status === 429) o.budget.pauseFor(waitMs);
        else await o.sleep(waitMs);
        continue;
      }
      throw errorForStatus(res.status, {
        ...this.#context(endpoint, attempt),
        errorType: error.errorType,
        apiMessage: error.message,
        requestId: requestId ?? error.requestId,
        retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), o.now()),
      });
    }
  }

  async #networkRetry(err: unknown, timedOut: boolean, endpoint: string, tries: Tries, requestId: string | null): Promise<void> {
    const o = this.#o;
    const attempt = tries.attempt;
    if (tries.failures >= o.maxRetries || !(timedOut || isTransientNetworkError(err))) {
      throw new NetworkError({
        ...this.#context(endpoint, attempt),
        requestId,
        apiMessage: timedOut ? `no data within ${o.timeoutMs} ms` : 'connection failed during download',
        timedOut,
        cause: err,
      });
    }
    const waitMs = backoffDelay(++tries.failures, o.backoff, o.random);
    o.logger?.warn({ method: 'GET', path: endpoint, attempt, waitMs, reason: timedOut ? 'timeout' : 'network' }, 'compliance api: retrying download');
    await o.sleep(waitMs);
  }

  /** The body as text (small bodies only: legacy raw artifact content). */
  async getText(endpoint: string): Promise<{ text: string; contentType: string | null; requestId: string | null; attempts: number }> {
    const tries: Tries = { attempt: 0, failures: 0, rateLimited: 0 };
    for (;;) {
      const opened = await this.#open(endpoint, 'application/json, text/plain;q=0.9, */*;q=0.8', tries);
      try {
        const text = await opened.res.text();
        opened.done();
        return { text, contentType: opened.res.headers.get('content-type'), requestId: opened.requestId, attempts: opened.attempts };
      } catch (err) {
        opened.done();
        await this.#networkRetry(err, opened.timedOut(), endpoint, tries, opened.requestId);
      }
    }
  }

  /**
   * Streams `endpoint` into `destPath`. A connection lost mid-body is retried from the start (the partial temp
   * file is removed); a checksum or size mismatch is not retried: it throws DownloadIntegrityError.
   */
  async toFile(endpoint: string, resourceId: string, destPath: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    const dir = dirname(destPath);
    await mkdir(dir, { recursive: true });
    const tries: Tries = { attempt: 0, failures: 0, rateLimited: 0 };
    for (;;) {
      const opened = await this.#open(endpoint, '*/*', tries);
      const temp = join(dir, `.${basename(destPath)}.${randomBytes(6).toString('hex')}.part`);
      try {
        const written = await this.#write(opened, temp);
        opened.done();
        const result = this.#verify(opened, endpoint, resourceId, written, options.expect);
        await rename(temp, destPath);
        await syncDir(dir);
        return { ...result, path: destPath };
      } catch (err) {
        opened.done();
        await rm(temp, { force: true });
        if (err instanceof ComplianceApiError) throw err;
        const timedOut = opened.timedOut();
        if (!timedOut && (err as NodeJS.ErrnoException)?.code && !isTransientNetworkError(err)) throw err; // a disk error: not ours to retry
        await this.#networkRetry(err, timedOut, endpoint, tries, opened.requestId);
      }
    }
  }

  async #write(opened: Opened, temp: string): Promise<{ bytes: number; md5: string }> {
    const hash = createHash('md5');
    let bytes = 0;
    const fh = await open(temp, 'wx');
    try {
      const body = opened.res.body;
      if (body) {
        for await (const chunk of body) {
          opened.touch();
          hash.update(chunk);
          bytes += chunk.byteLength;
          // awaiting each write keeps at most one chunk in flight: memory stays flat whatever the size
          await fh.write(chunk);
        }
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    return { bytes, md5: hash.digest('hex') };
  }

  #verify(opened: Opened, endpoint: string, resourceId: string, written: { bytes: number; md5: string }, expect?: ExpectedContent) {
    const h = opened.res.headers;
    const ctx = { ...this.#context(endpoint, opened.attempts), requestId: opened.requestId, status: opened.res.status };
    const contentMd5 = h.get('content-md5');
    // Content-MD5 describes the served bytes and is authoritative over the metadata's md5 (compliance-api.md §2.3)
    const expectedMd5 = contentMd5 ? base64ToHex(contentMd5) : expect?.md5 ? expect.md5.toLowerCase() : null;
    if (expectedMd5 !== null && expectedMd5 !== written.md5) throw new DownloadIntegrityError(resourceId, 'md5', expectedMd5, written.md5, ctx);
    const length = h.get('content-length');
    const sizes = [length === null ? null : Number(length), expect?.size_bytes ?? null];
    for (const size of sizes) {
      if (size !== null && Number.isFinite(size) && size !== written.bytes) {
        throw new DownloadIntegrityError(resourceId, 'size', String(size), String(written.bytes), ctx);
      }
    }
    return {
      bytes: written.bytes,
      md5: written.md5,
      contentMd5,
      contentType: h.get('content-type'),
      filename: dispositionFilename(h.get('content-disposition')),
      requestId: opened.requestId,
      attempts: opened.attempts,
      endpoint,
    };
  }
}

/** The rename is durable only once the directory entry is (POSIX); some platforms cannot open a directory. */
async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // best effort: Windows and some filesystems refuse fsync on a directory
  } finally {
    await fh?.close();
  }
}
