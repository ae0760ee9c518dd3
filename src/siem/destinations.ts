// The SIEM destinations of `forward` (schema/ocsf.md §5): each sends one batch and resolves only once the
// destination accepted all of it, or throws DeliveryError (src/delivery: messages never carry a URL, a token
// or a response body). The activity id (or the alert id) is the event id everywhere.
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DeliveryError, attemptSignal, networkFailure } from '../delivery/destinations/sender.js';
import type { ElasticConfig, FileConfig, ForwardDestination, HecConfig, HttpsConfig } from './forward-config.js';
import { type Frame, frameEvent, hecFrame } from './frame.js';
import { LineBuffer } from './output.js';
import { type PostAnswer, Poster } from './post.js';

export type ForwardKind = 'activities' | 'alerts';

export interface EventSender {
  /** How the destination frames an event in its body. */
  readonly frame: Frame;
  /** A new batch: the events added to it are framed into its request body at once, nothing per event is kept. */
  batch(): EventBatch;
  /** Sends `batch` (again, after a failure: its body is kept until it is accepted). */
  send(batch: EventBatch, signal: AbortSignal): Promise<void>;
  /** What the cursor records after an accepted batch (the file destination's file and size), or undefined. */
  position?(): unknown;
  /** Called once before a pass with what the cursor recorded (undefined: nothing). */
  resume?(position: unknown): void;
  close?(): void;
}

export function eventSender(config: ForwardDestination, kind: ForwardKind): EventSender {
  switch (config.type) {
    case 'hec':
      return hecSender(config, kind);
    case 'elasticsearch':
      return elasticSender(config, kind);
    case 'https':
      return httpsSender(config, kind);
    case 'file':
      return fileSender(config, kind);
  }
}

const LINE: Frame = { kind: 'line' };

/** 1 MiB buffers a sender keeps for its bodies: two batches of 5 000 OCSF events (one in flight, one being built). */
const POOLED_BUFFERS = 48;

/**
 * A batch's request body of NDJSON lines, built straight into pooled buffers as events are added (src/siem/output.ts
 * LineBuffer): holding a batch's events as strings until it was full kept thousands of them alive into V8's old
 * generation, and a batch's text as one string was a rope flattened and encoded at once. The buffers go back to
 * the pool only once the batch was accepted (a failed request may have left them with the socket).
 */
export class EventBatch {
  count = 0;
  firstId = '';
  lastId = '';
  readonly #lines: LineBuffer;
  #body: Buffer[] | null = null;

  constructor(
    pool: Buffer[],
    private readonly frame: Frame,
  ) {
    this.#lines = new LineBuffer(1 << 20, pool, POOLED_BUFFERS);
  }

  /** Adds one event: `json` is its JSON text (one line), `ascii` whether the caller knows it is ASCII only. */
  add(id: string, timeMs: number, json: string, ascii = false): void {
    if (this.#body) throw new Error('EventBatch: the batch was sealed; start another');
    frameEvent(this.frame, id, timeMs, json, ascii, this.#lines);
    this.#count(1, id, id);
  }

  /** Adds `count` events framed already (by frameEvent with this batch's frame), from `firstId` to `lastId`. */
  addFramed(bytes: Uint8Array, count: number, firstId: string, lastId: string): void {
    if (this.#body) throw new Error('EventBatch: the batch was sealed; start another');
    this.#lines.append(bytes);
    this.#count(count, firstId, lastId);
  }

  #count(count: number, firstId: string, lastId: string): void {
    if (this.count === 0) this.firstId = firstId;
    this.lastId = lastId;
    this.count += count;
  }

  /** The request body; no event can be added after. */
  body(): Buffer[] {
    return (this.#body ??= this.#lines.finish());
  }

  /** The destination accepted the batch: its buffers serve the next ones. */
  accepted(): void {
    for (const b of this.body()) this.#lines.release(b);
    this.#body = [];
  }
}

function statusProblem(status: number, what: string): DeliveryError {
  if (status === 401 || status === 403) return new DeliveryError(`${what} refused the credentials (HTTP ${status}); check the token or key the config file names`);
  return new DeliveryError(`${what} answered HTTP ${status}`);
}

async function post(poster: Poster, url: string, batch: EventBatch, headers: Record<string, string>, timeoutMs: number, signal: AbortSignal, what: string): Promise<PostAnswer> {
  try {
    return await poster.post(url, batch.body(), headers, attemptSignal(signal, timeoutMs));
  } catch (err) {
    throw networkFailure(err, timeoutMs, what);
  }
}

/** Splunk HTTP Event Collector, event endpoint: one JSON object per line, `{"code":0}` on success. */
export function hecSender(config: HecConfig, kind: ForwardKind): EventSender {
  const url = `${config.url}/services/collector/event`;
  const host = hostname();
  const what = `HEC destination "${config.name}"`;
  const sourcetype = kind === 'alerts' ? 'compliance-lake:alert' : config.sourcetype;
  const frame = hecFrame(`,"host":${JSON.stringify(host)},"source":${JSON.stringify(config.source)},"sourcetype":${JSON.stringify(sourcetype)}${config.index ? `,"index":${JSON.stringify(config.index)}` : ''},"event":`);
  const pool: Buffer[] = [];
  const poster = new Poster();
  return {
    frame,
    batch: () => new EventBatch(pool, frame),
    async send(batch, signal) {
      const { status, text } = await post(poster, url, batch, { Authorization: `Splunk ${config.token.reveal()}`, 'Content-Type': 'application/json' }, config.timeoutMs, signal, what);
      if (status !== 200) throw statusProblem(status, what);
      let code: unknown;
      try {
        code = (JSON.parse(text) as { code?: unknown }).code;
      } catch {
        throw new DeliveryError(`${what} answered 200 with a body that is not HEC's JSON acknowledgement`);
      }
      if (code !== 0) throw new DeliveryError(`${what} did not accept the batch (HEC code ${String(code)})`);
      batch.accepted();
    },
    close: () => poster.close(),
  };
}

/** Elasticsearch `_bulk` with `create` and `_id` = the event id: a repeat is a 409, which counts as accepted. */
export function elasticSender(config: ElasticConfig, kind: ForwardKind): EventSender {
  const index = kind === 'alerts' ? config.alertsIndex : config.index;
  const what = `Elasticsearch destination "${config.name}"`;
  const headers: Record<string, string> = { 'Content-Type': 'application/x-ndjson' };
  if (config.apiKey) headers.Authorization = `ApiKey ${config.apiKey.reveal()}`;
  if (config.username && config.password) headers.Authorization = `Basic ${Buffer.from(`${config.username}:${config.password.reveal()}`).toString('base64')}`;
  const frame: Frame = { kind: 'bulk', action: `{"create":{"_index":${JSON.stringify(index)},"_id":` };
  const pool: Buffer[] = [];
  const poster = new Poster();
  return {
    frame,
    batch: () => new EventBatch(pool, frame),
    async send(batch, signal) {
      const { status, text } = await post(poster, `${config.url}/_bulk`, batch, headers, config.timeoutMs, signal, what);
      if (status !== 200) throw statusProblem(status, what);
      let parsed: { errors?: boolean; items?: Record<string, { _id?: string; status?: number; error?: { type?: string; reason?: string } }>[] };
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new DeliveryError(`${what} answered 200 with a body that is not a _bulk response`);
      }
      if (!Array.isArray(parsed.items) || parsed.items.length !== batch.count) {
        throw new DeliveryError(`${what}: the _bulk response has ${parsed.items?.length ?? 'no'} items for ${batch.count} documents`);
      }
      if (parsed.errors) {
        const failed = parsed.items.map((it) => Object.values(it)[0]).filter((r) => r && r.status !== 201 && r.status !== 200 && r.status !== 409);
        if (failed.length) {
          const first = failed[0];
          throw new DeliveryError(`${what} rejected ${failed.length} of ${batch.count} documents (first: ${first._id ?? '?'}: HTTP ${first.status}, ${first.error?.type ?? 'error'}); they are sent again`);
        }
      }
      batch.accepted();
    },
    close: () => poster.close(),
  };
}

/** A generic HTTPS endpoint: NDJSON POST with an idempotency key that is the same when the batch is repeated. */
export function httpsSender(config: HttpsConfig, kind: ForwardKind): EventSender {
  const what = `HTTPS destination "${config.name}"`;
  const pool: Buffer[] = [];
  const poster = new Poster();
  return {
    frame: LINE,
    batch: () => new EventBatch(pool, LINE),
    async send(batch, signal) {
      const headers: Record<string, string> = {
        'Content-Type': 'application/x-ndjson',
        'Idempotency-Key': `${kind}:${batch.firstId}:${batch.lastId}:${batch.count}`,
        'X-Compliance-Lake-Kind': kind,
      };
      if (config.headerName && config.headerValue) headers[config.headerName] = config.headerValue.reveal();
      const { status } = await post(poster, config.url.reveal(), batch, headers, config.timeoutMs, signal, what);
      if (status < 200 || status > 299) throw statusProblem(status, what);
      batch.accepted();
    },
    close: () => poster.close(),
  };
}

interface FilePosition {
  file: string;
  bytes: number;
}

/**
 * Rotating gzip NDJSON files: each batch is one gzip member appended and fsynced. The cursor records the file
 * and its size; resuming truncates the file to that size, so a batch written but not recorded is replaced.
 */
export function fileSender(config: FileConfig, kind: ForwardKind): EventSender {
  const prefix = kind === 'alerts' ? 'alerts' : 'events';
  let current: FilePosition | null = null;
  const what = `file destination "${config.name}"`;
  const pool: Buffer[] = [];
  const newFile = (): FilePosition => {
    const stamp = new Date().toISOString().replace(/[-:]/g, '');
    let name = `${prefix}-${stamp}.ndjson.gz`;
    for (let n = 2; existsSync(join(config.path, name)); n++) name = `${prefix}-${stamp}-${n}.ndjson.gz`;
    return { file: name, bytes: 0 };
  };
  return {
    frame: LINE,
    batch: () => new EventBatch(pool, LINE),
    resume(position) {
      mkdirSync(config.path, { recursive: true });
      const p = position as FilePosition | undefined;
      if (!p || typeof p.file !== 'string') return;
      const abs = join(config.path, p.file);
      if (!existsSync(abs)) return;
      const fd = openSync(abs, 'r+');
      try {
        if (fstatSync(fd).size > p.bytes) {
          ftruncateSync(fd, p.bytes);
          fsyncSync(fd);
        }
      } finally {
        closeSync(fd);
      }
      current = { ...p };
    },
    async send(batch) {
      mkdirSync(config.path, { recursive: true });
      if (!current || current.bytes >= config.rotateBytes) current = newFile();
      const member = gzipSync(Buffer.concat(batch.body()));
      let fd: number;
      try {
        fd = openSync(join(config.path, current.file), 'a');
      } catch (err) {
        throw new DeliveryError(`${what}: cannot open ${join(config.path, current.file)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      try {
        writeSync(fd, member);
        fsyncSync(fd);
      } catch (err) {
        throw new DeliveryError(`${what}: cannot write ${join(config.path, current.file)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      } finally {
        closeSync(fd);
      }
      current.bytes += member.length;
      batch.accepted();
    },
    position() {
      return current ? { ...current } : undefined;
    },
  };
}

/** The files a file destination wrote, oldest first (tests and `forward --status`). */
export function forwardedFiles(dir: string, kind: ForwardKind): string[] {
  if (!existsSync(dir)) return [];
  const prefix = kind === 'alerts' ? 'alerts-' : 'events-';
  return readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.ndjson.gz')).sort().map((f) => join(dir, f));
}
