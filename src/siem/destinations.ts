// The SIEM destinations of `forward` (schema/ocsf.md §5): each sends one batch and resolves only once the
// destination accepted all of it, or throws DeliveryError (src/delivery: messages never carry a URL, a token
// or a response body). The activity id (or the alert id) is the event id everywhere.
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DeliveryError, attemptSignal, networkFailure } from '../delivery/destinations/sender.js';
import type { ElasticConfig, FileConfig, ForwardDestination, HecConfig, HttpsConfig } from './forward-config.js';
import { LineBuffer } from './output.js';

export type ForwardKind = 'activities' | 'alerts';

export interface ForwardEvent {
  /** The activity id or the alert id. */
  id: string;
  /** Epoch ms of the activity (or the alert's creation). */
  timeMs: number;
  /** The event as JSON text (one line). */
  json: string;
  /** The caller knows `json` is ASCII only (it is then copied into the body, not encoded). */
  ascii?: boolean;
}

export interface EventSender {
  send(events: readonly ForwardEvent[], signal: AbortSignal): Promise<void>;
  /** What the cursor records after an accepted batch (the file destination's file and size), or undefined. */
  position?(): unknown;
  /** Called once before a pass with what the cursor recorded (undefined: nothing). */
  resume?(position: unknown): void;
  close?(): void;
}

export interface SenderOptions {
  fetch?: typeof fetch;
}

export function eventSender(config: ForwardDestination, kind: ForwardKind, options: SenderOptions = {}): EventSender {
  switch (config.type) {
    case 'hec':
      return hecSender(config, kind, options);
    case 'elasticsearch':
      return elasticSender(config, kind, options);
    case 'https':
      return httpsSender(config, kind, options);
    case 'file':
      return fileSender(config, kind);
  }
}

/**
 * A request body of NDJSON lines built straight into reused buffers (src/siem/output.ts LineBuffer): a batch's
 * text as one string was a rope of thousands of pieces, flattened and encoded at once. The body's buffer is
 * reused by the next batch, which is built only once this one was answered; after a failed request it is
 * dropped (a server that answered early might still be reading it).
 */
class Body {
  readonly #lines = new LineBuffer();
  #body: Buffer | null = null;

  build(events: readonly ForwardEvent[], line: (e: ForwardEvent, out: LineBuffer) => void): Buffer {
    for (const e of events) line(e, this.#lines);
    const size = this.#lines.bytes;
    if (!this.#body || this.#body.length < size) this.#body = Buffer.allocUnsafeSlow(Math.max(size, this.#body ? this.#body.length * 2 : 0));
    let at = 0;
    for (const p of this.#lines.take()) {
      at += p.copy(this.#body, at);
      this.#lines.release(p);
    }
    return this.#body.subarray(0, at);
  }

  /** The last body may still be in use: the next gets a buffer of its own. */
  drop(): void {
    this.#body = null;
  }
}

async function post(
  f: typeof fetch,
  url: string,
  body: string | Buffer,
  headers: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal,
  what: string,
): Promise<{ status: number; text: string }> {
  let res: Response;
  try {
    res = await f(url, { method: 'POST', headers, body, signal: attemptSignal(signal, timeoutMs) });
  } catch (err) {
    throw networkFailure(err, timeoutMs, what);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    throw networkFailure(err, timeoutMs, what);
  }
  return { status: res.status, text };
}

function dropping(body: Body): (err: unknown) => never {
  return (err) => {
    body.drop();
    throw err;
  };
}

function statusProblem(status: number, what: string, body?: Body): DeliveryError {
  body?.drop();
  if (status === 401 || status === 403) return new DeliveryError(`${what} refused the credentials (HTTP ${status}); check the token or key the config file names`);
  return new DeliveryError(`${what} answered HTTP ${status}`);
}

/** Splunk HTTP Event Collector, event endpoint: one JSON object per line, `{"code":0}` on success. */
export function hecSender(config: HecConfig, kind: ForwardKind, options: SenderOptions = {}): EventSender {
  const f = options.fetch ?? fetch;
  const url = `${config.url}/services/collector/event`;
  const host = hostname();
  const what = `HEC destination "${config.name}"`;
  const sourcetype = kind === 'alerts' ? 'compliance-lake:alert' : config.sourcetype;
  const meta = `"host":${JSON.stringify(host)},"source":${JSON.stringify(config.source)},"sourcetype":${JSON.stringify(sourcetype)}${config.index ? `,"index":${JSON.stringify(config.index)}` : ''}`;
  const builder = new Body();
  return {
    async send(events, signal) {
      const body = builder.build(events, (e, out) => {
        out.text(`{"time":${(e.timeMs / 1000).toFixed(3)},${meta},"event":`);
        out.text(e.json, e.ascii);
        out.line('}');
      });
      const { status, text } = await post(f, url, body, { Authorization: `Splunk ${config.token.reveal()}`, 'Content-Type': 'application/json' }, config.timeoutMs, signal, what).catch(dropping(builder));
      if (status !== 200) throw statusProblem(status, what, builder);
      let code: unknown;
      try {
        code = (JSON.parse(text) as { code?: unknown }).code;
      } catch {
        throw new DeliveryError(`${what} answered 200 with a body that is not HEC's JSON acknowledgement`);
      }
      if (code !== 0) throw new DeliveryError(`${what} did not accept the batch (HEC code ${String(code)})`);
    },
  };
}

/** Elasticsearch `_bulk` with `create` and `_id` = the event id: a repeat is a 409, which counts as accepted. */
export function elasticSender(config: ElasticConfig, kind: ForwardKind, options: SenderOptions = {}): EventSender {
  const f = options.fetch ?? fetch;
  const index = kind === 'alerts' ? config.alertsIndex : config.index;
  const what = `Elasticsearch destination "${config.name}"`;
  const headers: Record<string, string> = { 'Content-Type': 'application/x-ndjson' };
  if (config.apiKey) headers.Authorization = `ApiKey ${config.apiKey.reveal()}`;
  if (config.username && config.password) headers.Authorization = `Basic ${Buffer.from(`${config.username}:${config.password.reveal()}`).toString('base64')}`;
  const builder = new Body();
  return {
    async send(events, signal) {
      const body = builder.build(events, (e, out) => {
        out.line(`{"create":{"_index":${JSON.stringify(index)},"_id":${JSON.stringify(e.id)}}}`);
        out.line(e.json, e.ascii);
      });
      const { status, text } = await post(f, `${config.url}/_bulk`, body, headers, config.timeoutMs, signal, what).catch(dropping(builder));
      if (status !== 200) throw statusProblem(status, what, builder);
      let parsed: { errors?: boolean; items?: Record<string, { _id?: string; status?: number; error?: { type?: string; reason?: string } }>[] };
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new DeliveryError(`${what} answered 200 with a body that is not a _bulk response`);
      }
      if (!Array.isArray(parsed.items) || parsed.items.length !== events.length) {
        throw new DeliveryError(`${what}: the _bulk response has ${parsed.items?.length ?? 'no'} items for ${events.length} documents`);
      }
      if (!parsed.errors) return;
      const failed = parsed.items.map((it) => Object.values(it)[0]).filter((r) => r && r.status !== 201 && r.status !== 200 && r.status !== 409);
      if (failed.length) {
        const first = failed[0];
        throw new DeliveryError(`${what} rejected ${failed.length} of ${events.length} documents (first: ${first._id ?? '?'}: HTTP ${first.status}, ${first.error?.type ?? 'error'}); they are sent again`);
      }
    },
  };
}

/** A generic HTTPS endpoint: NDJSON POST with an idempotency key that is the same when the batch is repeated. */
export function httpsSender(config: HttpsConfig, kind: ForwardKind, options: SenderOptions = {}): EventSender {
  const f = options.fetch ?? fetch;
  const what = `HTTPS destination "${config.name}"`;
  const builder = new Body();
  return {
    async send(events, signal) {
      const body = builder.build(events, (e, out) => out.line(e.json, e.ascii));
      const headers: Record<string, string> = {
        'Content-Type': 'application/x-ndjson',
        'Idempotency-Key': `${kind}:${events[0].id}:${events[events.length - 1].id}:${events.length}`,
        'X-Compliance-Lake-Kind': kind,
      };
      if (config.headerName && config.headerValue) headers[config.headerName] = config.headerValue.reveal();
      const { status } = await post(f, config.url.reveal(), body, headers, config.timeoutMs, signal, what).catch(dropping(builder));
      if (status < 200 || status > 299) throw statusProblem(status, what, builder);
    },
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
  const newFile = (): FilePosition => {
    const stamp = new Date().toISOString().replace(/[-:]/g, '');
    let name = `${prefix}-${stamp}.ndjson.gz`;
    for (let n = 2; existsSync(join(config.path, name)); n++) name = `${prefix}-${stamp}-${n}.ndjson.gz`;
    return { file: name, bytes: 0 };
  };
  return {
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
    async send(events) {
      mkdirSync(config.path, { recursive: true });
      if (!current || current.bytes >= config.rotateBytes) current = newFile();
      const member = gzipSync(events.map((e) => e.json).join('\n') + '\n');
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
