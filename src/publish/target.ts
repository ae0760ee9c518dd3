// Where a publish goes: the parsed `s3://bucket/prefix` and S3 failures turned into messages that name the bucket and the endpoint,
// never a key, a signature or a presigned URL (schema/publish.md §8).
import { ConfigError } from '../cli/config.js';

export interface S3Target {
  bucket: string;
  /** Without leading or trailing slash; '' for the bucket's root. */
  prefix: string;
  endpoint?: string;
  region: string;
}

export class PublishError extends Error {
  override name = 'PublishError';
}

/** Parses `s3://bucket[/prefix]`; a ConfigError (exit 2) names what is wrong. */
export function parseS3Url(flag: string, url: string | undefined): { bucket: string; prefix: string } {
  if (!url) throw new ConfigError(`${flag} is required: s3://bucket/prefix (the bucket must exist)`);
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url.trim());
  if (!m) throw new ConfigError(`${flag} must look like s3://bucket/prefix; got "${url}"`);
  const bucket = m[1];
  // S3 bucket naming rules: 3-63 characters, lowercase letters, digits, dots and hyphens
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new ConfigError(`${flag}: "${bucket}" is not a valid bucket name (3-63 lowercase letters, digits, dots and hyphens)`);
  }
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((part) => part === '.' || part === '..')) throw new ConfigError(`${flag}: the prefix "${prefix}" may not contain . or .. segments`);
  return { bucket, prefix };
}

export function parseEndpoint(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`--endpoint must be a URL such as http://127.0.0.1:9000 or https://<account>.r2.cloudflarestorage.com; got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`--endpoint must be http or https; got "${url.protocol}"`);
  if (url.username || url.password) throw new ConfigError('--endpoint must not carry credentials; they come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or an AWS profile');
  return url.origin + url.pathname.replace(/\/+$/, '');
}

/** The remote key of a path relative to the data dir. */
export function remoteKey(target: Pick<S3Target, 'prefix'>, relPath: string): string {
  return target.prefix ? `${target.prefix}/${relPath}` : relPath;
}

/** The path relative to the data dir of a remote key under the prefix (null: not under it). */
export function relativeKey(target: Pick<S3Target, 'prefix'>, key: string): string | null {
  if (!target.prefix) return key;
  return key.startsWith(`${target.prefix}/`) ? key.slice(target.prefix.length + 1) : null;
}

export function describeTarget(target: S3Target): string {
  return `s3://${target.bucket}${target.prefix ? `/${target.prefix}` : ''}${target.endpoint ? ` at ${target.endpoint}` : ''}`;
}

/** The S3 error code of a failure, or the network error code (ECONNREFUSED ...), or null. */
export function errorCode(err: unknown): string | null {
  // an S3ServiceException of the SDK (told by its fields, so that this module does not load the SDK: client.ts does)
  if (isServiceException(err)) return err.name === 'Unknown' || err.name === 'UnknownError' ? `HTTP ${err.$metadata?.httpStatusCode ?? '?'}` : err.name;
  const e = err as { code?: string; name?: string; cause?: { code?: string } } | null;
  return e?.code ?? e?.cause?.code ?? (e?.name && e.name !== 'Error' ? e.name : null);
}

function isServiceException(err: unknown): err is { name: string; $fault: string; $metadata?: { httpStatusCode?: number } } {
  return typeof err === 'object' && err !== null && '$fault' in err && '$metadata' in err && typeof (err as { name?: unknown }).name === 'string';
}

export function httpStatus(err: unknown): number | null {
  return (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode ?? null;
}

/** Network failures, timeouts, throttling and 5xx: worth another attempt. */
export function isTransient(err: unknown): boolean {
  const status = httpStatus(err);
  if (status !== null && (status >= 500 || status === 429)) return true;
  const code = errorCode(err) ?? '';
  if (/^(SlowDown|RequestTimeout|RequestTimeTooSkewed|InternalError|ServiceUnavailable|ThrottlingException|TimeoutError|RequestTimeoutException)$/.test(code)) return true;
  if (/^(ECONNRESET|EPIPE|ETIMEDOUT|ECONNABORTED|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|UND_ERR_SOCKET|ERR_STREAM_PREMATURE_CLOSE)$/.test(code)) return true;
  const message = err instanceof Error ? err.message : '';
  return /socket hang up|aborted|premature close|other side closed|write after end|ECONNRESET|EPIPE/i.test(message);
}

/**
 * A failure of one S3 operation as a user reads it: what failed, on which bucket and endpoint, and what to do.
 * Built from the error code and status only: the SDK's message may quote the request (signatures, URLs).
 */
export function s3Failure(target: S3Target, what: string, err: unknown): PublishError {
  const code = errorCode(err);
  const status = httpStatus(err);
  const where = describeTarget(target);
  const endpoint = target.endpoint ?? `the AWS S3 endpoint of region ${target.region}`;
  let advice: string;
  switch (code) {
    case 'NoSuchBucket':
      advice = `the bucket "${target.bucket}" does not exist at ${endpoint}; create it (with Object Lock enabled if you need legal hold) or fix --to/--endpoint`;
      break;
    case 'InvalidAccessKeyId':
    case 'SignatureDoesNotMatch':
    case 'AuthorizationHeaderMalformed':
    case 'ExpiredToken':
    case 'InvalidToken':
    case 'CredentialsProviderError':
      advice = `the credentials were refused by ${endpoint} (${code}); check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or AWS_PROFILE (and --region)`;
      break;
    case 'AccessDenied':
    case 'Forbidden':
      advice = `access to bucket "${target.bucket}" was denied at ${endpoint}; the credentials need s3:PutObject, s3:GetObject, s3:ListBucket (and s3:DeleteObject for --delete-extraneous, s3:GetBucketObjectLockConfiguration for --object-lock)`;
      break;
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'TimeoutError':
      advice = `cannot reach ${endpoint} (${code}); check --endpoint and the network`;
      break;
    default:
      advice = status === 403 ? `access to bucket "${target.bucket}" was refused at ${endpoint} (HTTP 403); check the credentials and the bucket policy`
        : status === 404 ? `bucket "${target.bucket}" was not found at ${endpoint} (HTTP 404); check --to and --endpoint`
        : `${endpoint} answered ${code ?? 'an error'}${status ? ` (HTTP ${status})` : ''}`;
  }
  if (code === 'CredentialsProviderError') advice = 'no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE';
  return new PublishError(`${what} on ${where} failed: ${advice}`);
}
