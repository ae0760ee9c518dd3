// The S3 client of a publish target (official AWS SDK, credentials from its default chain only). Apart from
// target.ts so that commands which only parse a target do not load the SDK.
import { S3Client } from '@aws-sdk/client-s3';
import type { S3Target } from './target.js';

export interface ClientOptions {
  /** Per request: a request that has not answered by then fails (and is retried by our own loop). */
  requestTimeoutMs?: number;
  /** Socket cap per client (uploads run `concurrency` at a time). */
  maxSockets?: number;
}

/**
 * The S3 client. Credentials: the SDK's default chain. The SDK's own retries are off (maxAttempts 1): a
 * streamed body cannot be replayed, so each upload and request is retried by publish itself with a fresh
 * stream (retry.ts). The SDK's default CRC32 trailer checksums are off (schema/publish.md §4).
 */
export function createS3Client(target: S3Target, options: ClientOptions = {}): S3Client {
  // The SDK warns on every process under Node 22 about its own future releases (a notice about updates, not
  // about this program); its documented switch turns off that one notice unless the user set it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    region: target.region,
    ...(target.endpoint ? { endpoint: target.endpoint, forcePathStyle: true } : {}),
    maxAttempts: 1,
    logger: sdkLogger,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { requestTimeout: options.requestTimeoutMs ?? 120_000, connectionTimeout: 10_000, httpAgent: { keepAlive: true, maxSockets: options.maxSockets ?? 16 }, httpsAgent: { keepAlive: true, maxSockets: options.maxSockets ?? 16 } },
  });
}

/**
 * The SDK's logger. Its errors are each failed command with its input: publish reports failures itself, by
 * code and without the request (s3Failure), so they are dropped. Its one warning with maxAttempts 1, that a
 * streamed upload cannot be retried by the SDK, is expected (upload.ts retries with a fresh stream); any
 * other warning goes to stderr.
 */
const sdkLogger = {
  debug: () => {},
  info: () => {},
  warn: (...args: unknown[]) => {
    if (!/non-retryable streaming request/.test(String(args[0]))) console.warn(...args);
  },
  error: () => {},
};

