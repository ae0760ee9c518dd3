// One object to S3, checked: the bytes are hashed as they are read and must be the bytes expected, the PUT
// carries their SHA-256 (the server rejects a body that differs), and HeadObject afterwards must show the
// server stored exactly them (schema/publish.md §4). Retries live here too: a streamed body cannot be
// replayed by the SDK, so every attempt reopens the file.
import { type Hash, createHash } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { PublishError, type S3Target, errorCode, httpStatus, isTransient, remoteKey, s3Failure } from './target.js';

export type LockMode = 'COMPLIANCE' | 'GOVERNANCE';

export interface UploadSettings {
  client: S3Client;
  target: S3Target;
  /** Files of at least this many bytes go up in parts. */
  multipartThresholdBytes: number;
  partSizeBytes: number;
  /** Attempts per request (1 = no retry). */
  attempts: number;
  lock: { mode: LockMode; retainUntil: Date } | null;
  signal?: AbortSignal;
  /** Called before each retry (for the report). */
  onRetry?: (key: string, reason: string) => void;
}

/** The local file a remote object mirrors. */
export interface UploadSource {
  /** Relative to the data dir, with `/`: the key under the prefix. */
  path: string;
  abs: string;
  /** Hex SHA-256 the bytes must have (a lake file's manifest record); undefined: hash the file first. */
  sha256?: string;
  bytes?: number;
  contentType?: string;
  /** Send Object Lock headers (everything but the marker). */
  locked?: boolean;
}

export interface UploadResult {
  path: string;
  sha256: string;
  bytes: number;
  /** false: an object with the same size and SHA-256 was already there. */
  sent: boolean;
}

/** The local bytes are not what the manifest says: never retried, never completed remotely. */
export class LocalMismatchError extends PublishError {
  override name = 'LocalMismatchError';
}

/** The server stored something else than what was sent (or cannot show what it stored). */
class UnconfirmedError extends PublishError {
  override name = 'UnconfirmedError';
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason ?? new Error('aborted'))), { once: true });
  });

/** Runs `attempt` until it succeeds, retrying transient failures with exponential backoff (0.5 s doubling, at most 8 s). */
export async function withRetry<T>(s: Pick<UploadSettings, 'attempts' | 'signal' | 'onRetry'>, key: string, attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (s.signal?.aborted) throw err;
      const retry = (isTransient(err) || err instanceof UnconfirmedError) && n < s.attempts;
      if (!retry) throw err;
      s.onRetry?.(key, err instanceof UnconfirmedError ? err.message : (errorCode(err) ?? 'error'));
      await sleep(Math.min(8_000, 500 * 2 ** (n - 1)), s.signal);
    }
  }
}

/** HeadObject, or null when there is no such object. */
export async function headObject(s: UploadSettings, key: string): Promise<HeadObjectCommandOutput | null> {
  try {
    return await withRetry(s, key, () => s.client.send(new HeadObjectCommand({ Bucket: s.target.bucket, Key: key, ChecksumMode: 'ENABLED' }), { abortSignal: s.signal }));
  } catch (err) {
    if (httpStatus(err) === 404 || errorCode(err) === 'NotFound' || errorCode(err) === 'NoSuchKey') return null;
    throw err;
  }
}

/** SHA-256 (hex) of an open file, streamed. */
export async function sha256OfFd(fd: number, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  if (bytes > 0) {
    for await (const chunk of createReadStream('', { fd, start: 0, end: bytes - 1, autoClose: false, highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/**
 * Sends one file unless the same bytes are already there. The file is opened once: what is hashed is what
 * is sent, even if a models build renames a new file over the path meanwhile.
 */
export async function uploadFile(s: UploadSettings, src: UploadSource, options: { remote?: { size: number } | null } = {}): Promise<UploadResult> {
  const key = remoteKey(s.target, src.path);
  const fd = openSync(src.abs, 'r');
  try {
    const bytes = fstatSync(fd).size;
    if (src.bytes !== undefined && bytes !== src.bytes) {
      throw new LocalMismatchError(`${src.path}: ${bytes} bytes on disk, the manifest says ${src.bytes}; nothing was sent for it. Run \`compliance-lake verify\` and restore the file from a backup.`);
    }
    // A file without a manifest record (a mart) is hashed first, from this descriptor: what is sent next is read
    // from it again, so its SHA-256 need not be computed a second time (its size and MD5 still are).
    const hashedHere = src.sha256 === undefined;
    const sha256 = src.sha256 ?? (await sha256OfFd(fd, bytes));
    // the listing says what is there: only an object of the same size is worth a HeadObject (its sha256 metadata)
    if (options.remote === undefined || options.remote?.size === bytes) {
      const head = await headObject(s, key);
      if (head && head.ContentLength === bytes && head.Metadata?.sha256 === sha256) return { path: src.path, sha256, bytes, sent: false };
    }
    const common = {
      Bucket: s.target.bucket,
      Key: key,
      ContentType: src.contentType ?? 'application/octet-stream',
      Metadata: { sha256 },
      ...(src.locked !== false && s.lock ? { ObjectLockMode: s.lock.mode, ObjectLockRetainUntilDate: s.lock.retainUntil } : {}),
    };
    if (bytes >= s.multipartThresholdBytes) await putMultipart(s, src.path, key, fd, bytes, sha256, common, hashedHere);
    else await withRetry(s, key, () => putSingle(s, src.path, key, fd, bytes, sha256, common, hashedHere));
    return { path: src.path, sha256, bytes, sent: true };
  } catch (err) {
    if (err instanceof PublishError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EACCES') throw err;
    if (s.lock && src.locked !== false && errorCode(err) === 'InvalidRequest') {
      // real S3 answers a PUT with Object Lock headers on a bucket without Object Lock this way
      throw new PublishError(
        `uploading ${src.path} with Object Lock (${s.lock.mode}) to bucket "${s.target.bucket}" was refused (InvalidRequest): the bucket has no Object Lock, ` +
          'or it does not allow this mode. Publish to a bucket created with Object Lock, or drop --object-lock.',
      );
    }
    throw s3Failure(s.target, `uploading ${src.path}`, err);
  } finally {
    closeSync(fd);
  }
}

/** A small object held in memory (the marker, a manifest entry). */
export async function uploadBuffer(s: UploadSettings, path: string, body: Buffer, contentType: string, locked: boolean): Promise<UploadResult> {
  const key = remoteKey(s.target, path);
  const sha256 = createHash('sha256').update(body).digest('hex');
  const md5 = createHash('md5').update(body).digest('hex');
  try {
    await withRetry(s, key, async () => {
      const answer = await s.client.send(
        new PutObjectCommand({
          Bucket: s.target.bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
          ContentType: contentType,
          ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
          Metadata: { sha256 },
          ...(locked && s.lock ? { ObjectLockMode: s.lock.mode, ObjectLockRetainUntilDate: s.lock.retainUntil } : {}),
        }),
        { abortSignal: s.signal },
      );
      confirm(path, answer, { sha256, md5 });
    });
  } catch (err) {
    if (err instanceof PublishError) throw err;
    throw s3Failure(s.target, `uploading ${path}`, err);
  }
  return { path, sha256, bytes: body.length, sent: true };
}

type Common = Omit<ConstructorParameters<typeof PutObjectCommand>[0], 'Body' | 'ContentLength'>;

async function putSingle(s: UploadSettings, path: string, key: string, fd: number, bytes: number, sha256: string, common: Common, hashedHere: boolean): Promise<void> {
  const check = new HashCheck(path, bytes, hashedHere ? null : sha256);
  const body = bytes === 0 ? Buffer.alloc(0) : createReadStream('', { fd, start: 0, end: bytes - 1, autoClose: false, highWaterMark: 1 << 20 }).pipe(check);
  let answer: { ETag?: string; ChecksumSHA256?: string };
  try {
    answer = await s.client.send(new PutObjectCommand({ ...common, Body: body, ContentLength: bytes, ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64') }), { abortSignal: s.signal });
  } catch (err) {
    if (check.mismatch) throw check.mismatch;
    throw err;
  }
  if (check.mismatch) throw check.mismatch;
  confirm(path, answer, { sha256, md5: bytes === 0 ? createHash('md5').digest('hex') : check.md5() });
}

async function putMultipart(s: UploadSettings, path: string, key: string, fd: number, bytes: number, sha256: string, common: Common, hashedHere: boolean): Promise<void> {
  const created = await withRetry(s, key, () => s.client.send(new CreateMultipartUploadCommand({ ...common, ChecksumAlgorithm: 'SHA256' }), { abortSignal: s.signal }));
  const uploadId = created.UploadId!;
  const whole = hashedHere ? null : createHash('sha256');
  const wholeMd5 = createHash('md5');
  const parts: { PartNumber: number; ETag: string; ChecksumSHA256: string }[] = [];
  const partShas: Buffer[] = [];
  const partMd5s: Buffer[] = [];
  let completed: { ETag?: string; ChecksumSHA256?: string };
  try {
    const buffer = Buffer.allocUnsafe(s.partSizeBytes);
    for (let offset = 0, number = 1; offset < bytes; offset += s.partSizeBytes, number++) {
      const length = Math.min(s.partSizeBytes, bytes - offset);
      let read = 0;
      while (read < length) {
        const n = readSync(fd, buffer, read, length - read, offset + read);
        if (n === 0) throw new LocalMismatchError(`${path} ended at ${offset + read} bytes while being sent (${bytes} expected); it changed on disk. Run \`compliance-lake verify\`.`);
        read += n;
      }
      const part = buffer.subarray(0, length);
      whole?.update(part);
      wholeMd5.update(part);
      const partSha = createHash('sha256').update(part).digest();
      partShas.push(partSha);
      partMd5s.push(createHash('md5').update(part).digest());
      if (whole && offset + length >= bytes && whole.copy().digest('hex') !== sha256) {
        // the last part is not sent: the upload is aborted below and no object appears
        throw new LocalMismatchError(`${path}: its SHA-256 on disk is ${whole.digest('hex').slice(0, 16)}…, the manifest says ${sha256.slice(0, 16)}…; it was not published. Run \`compliance-lake verify\` and restore it from a backup.`);
      }
      const checksum = partSha.toString('base64');
      const answer = await withRetry(s, key, () =>
        s.client.send(new UploadPartCommand({ Bucket: s.target.bucket, Key: key, UploadId: uploadId, PartNumber: number, Body: part, ContentLength: length, ChecksumSHA256: checksum }), { abortSignal: s.signal }),
      );
      parts.push({ PartNumber: number, ETag: answer.ETag!, ChecksumSHA256: checksum });
    }
    completed = await withRetry(s, key, () =>
      s.client.send(new CompleteMultipartUploadCommand({ Bucket: s.target.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }), { abortSignal: s.signal }),
    );
  } catch (err) {
    await s.client.send(new AbortMultipartUploadCommand({ Bucket: s.target.bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    throw err;
  }
  confirm(path, completed, { sha256, md5: wholeMd5.digest('hex'), partShas, partMd5s });
}

/**
 * The server's answer to the PUT (or CompleteMultipartUpload) must show the bytes it stored are the bytes
 * sent: its SHA-256 (whole or composite) when it keeps one, else its ETag as the MD5 (whole, or of the parts'
 * MD5s with `-N`). Anything else is not a confirmation.
 */
function confirm(path: string, head: { ETag?: string; ChecksumSHA256?: string }, sent: { sha256: string; md5: string; partShas?: Buffer[]; partMd5s?: Buffer[] }): void {
  const shaB64 = Buffer.from(sent.sha256, 'hex').toString('base64');
  if (head.ChecksumSHA256) {
    const got = head.ChecksumSHA256;
    const n = sent.partShas?.length ?? 0;
    const composite = n ? `${createHash('sha256').update(Buffer.concat(sent.partShas!)).digest('base64')}-${n}` : null;
    if (got === shaB64 || (composite && (got === composite || got === composite.replace(/-\d+$/, '')))) return;
    throw new UnconfirmedError(`${path}: the server's SHA-256 checksum ${got} is not the one of the bytes sent (${composite ?? shaB64})`);
  }
  const etag = (head.ETag ?? '').replace(/"/g, '').toLowerCase();
  if (/^[0-9a-f]{32}$/.test(etag)) {
    if (etag === sent.md5) return;
    throw new UnconfirmedError(`${path}: the server's ETag ${etag} is not the MD5 of the bytes sent (${sent.md5})`);
  }
  const multi = /^([0-9a-f]{32})-(\d+)$/.exec(etag);
  if (multi && sent.partMd5s) {
    const expected = createHash('md5').update(Buffer.concat(sent.partMd5s)).digest('hex');
    if (multi[1] === expected && Number(multi[2]) === sent.partMd5s.length) return;
    throw new UnconfirmedError(`${path}: the server's multipart ETag ${etag} does not match the parts sent (${expected}-${sent.partMd5s.length})`);
  }
  // not retried usefully, but a retry costs little and a proxy may have stripped a header once
  throw new UnconfirmedError(
    `${path}: the server returned neither a SHA-256 checksum nor an MD5 ETag (ETag ${etag || 'none'}), so the upload cannot be confirmed; ` +
      'use a store that supports S3 checksums (x-amz-checksum-sha256) or MD5 ETags',
  );
}

/**
 * Passes bytes through, hashing them; refuses to pass the last chunk when the whole is not what was expected.
 * `sha256` null: the caller has just hashed these bytes from the same descriptor; only the size is checked.
 */
class HashCheck extends Transform {
  readonly #sha: Hash | null;
  readonly #md5 = createHash('md5');
  #seen = 0;
  #pending: Buffer | null = null;
  mismatch: LocalMismatchError | null = null;

  constructor(
    readonly path: string,
    readonly bytes: number,
    readonly sha256: string | null,
  ) {
    super();
    this.#sha = sha256 === null ? null : createHash('sha256');
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.#sha?.update(chunk);
    this.#md5.update(chunk);
    this.#seen += chunk.length;
    // hold one chunk back, so that the last one is only passed once the whole file is known to be right
    const previous = this.#pending;
    this.#pending = chunk;
    done(null, previous ?? undefined);
  }

  override _flush(done: TransformCallback): void {
    const sha = this.#sha?.digest('hex') ?? null;
    if (this.#seen !== this.bytes || sha !== this.sha256) {
      this.mismatch = new LocalMismatchError(
        `${this.path}: ${this.#seen !== this.bytes ? `${this.#seen} bytes read, ${this.bytes} expected` : `its SHA-256 on disk is ${sha?.slice(0, 16)}…, the manifest says ${this.sha256?.slice(0, 16)}…`}; ` +
          'it was not published. Run `compliance-lake verify` and restore it from a backup.',
      );
      return done(this.mismatch);
    }
    done(null, this.#pending ?? undefined);
  }

  md5(): string {
    return this.#md5.digest('hex');
  }
}
