// Writing events to a stream with backpressure (a slow reader slows the lake read, memory stays flat) and an
// end that is not an error when the reader goes away (`events | head`: EPIPE).
import type { Writable } from 'node:stream';
import { OcsfMapper } from './ocsf.js';
import { type LakeActivity, userOf } from './events.js';
import { ocsfRowText } from './ocsf-row.js';
import { servedRecord } from './served.js';

export type EventFormat = 'ndjson' | 'ocsf';
export const EVENT_FORMATS: readonly EventFormat[] = ['ndjson', 'ocsf'];

export class LineSink {
  #closed = false;
  #waiters: (() => void)[] = [];

  constructor(private readonly out: Writable) {
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
      this.#close();
    });
    out.on('close', () => this.#close());
  }

  /** Whether the reader went away. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Writes `text`; resolves when the stream can take more (false: the reader is gone, stop). `written` is called
   * once the stream is done with `text` (a buffer can then be reused).
   */
  async write(text: string | Buffer, written?: () => void): Promise<boolean> {
    if (this.#closed) return false;
    if (this.out.write(text, written && (() => written()))) return true;
    await new Promise<void>((resolve) => {
      this.#waiters.push(resolve);
      this.out.once('drain', () => {
        this.#waiters = this.#waiters.filter((w) => w !== resolve);
        resolve();
      });
    });
    return !this.#closed;
  }

  #close(): void {
    this.#closed = true;
    for (const w of this.#waiters) w();
    this.#waiters = [];
  }
}

/** The events (one per line) of `rows` in `format`, as UTF-8. */
export function eventBytes(rows: readonly LakeActivity[], format: EventFormat, mapper: OcsfMapper | null, out = new LineBuffer()): Buffer[] {
  if (format === 'ndjson') for (const r of rows) out.line(servedRecord(r.values())?.raw ?? r.json, r.ascii);
  else for (const r of rows) eventLine(r, r.values(), mapper!, out);
  return out.take();
}

/** Appends the OCSF event of `r` (its row's `values`): from the row's text when it can be, else through toOcsf. */
export function eventLine(r: LakeActivity, values: readonly unknown[], mapper: OcsfMapper, out: LineBuffer): void {
  const { text, ascii } = eventText(r, values, mapper);
  out.line(text, ascii);
}

/** The OCSF event of `r` as JSON text (`ascii`: it is ASCII only): in one pass from the row (src/siem/ocsf-row.ts) when it can be. */
export function eventText(r: LakeActivity, values: readonly unknown[], mapper: OcsfMapper): { text: string; ascii: boolean } {
  const text = ocsfRowText(mapper, values, userOf(values), r.ascii && r.text.indexOf('\\') < 0);
  if (text !== null) return { text, ascii: r.ascii && mapper.asciiType(values[3] as string) };
  return formerEventText(r, values, mapper);
}

/** The same through the served record (src/siem/served.ts) or toOcsf: the reference ocsfRowText is held to. */
export function formerEventText(r: LakeActivity, values: readonly unknown[], mapper: OcsfMapper): { text: string; ascii: boolean } {
  const served = servedRecord(values);
  if (served) return { text: mapper.ocsfText(served, userOf(values)), ascii: r.ascii && mapper.asciiType(served.type) };
  return { text: JSON.stringify(mapper.toOcsf(r.activity, r.user, r.json)), ascii: false };
}

/**
 * Lines encoded into UTF-8 buffers as they come: the text of a chunk of events is never one string (a rope of
 * thousands of pieces, flattened and encoded at once, cost more than building the events: BENCHMARKS.md,
 * issue 14 §1).
 */
export class LineBuffer {
  #buffers: Buffer[] = [];
  /** Buffers given back (`release`): new ones would each count as external memory, and V8 answers a growing
   * external memory with full collections (most of the time spent writing, before the pool). */
  readonly #free: Buffer[];
  #buf: Buffer;
  #pos = 0;
  #bytes = 0;

  /** `pool`: the buffers given back, shared by the writers that pass the same array; it keeps at most `keep`. */
  constructor(
    private readonly size = 1 << 20,
    pool: Buffer[] = [],
    private readonly keep = 16,
  ) {
    this.#free = pool;
    this.#buf = pool.pop() ?? Buffer.allocUnsafeSlow(size);
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#bytes + this.#pos;
  }

  /** Appends `text` and a newline; `ascii`: the caller knows `text` is ASCII only (copied, not encoded). */
  line(text: string, ascii = false): void {
    // at most 3 bytes per UTF-16 unit (a surrogate pair is 4 bytes for 2 units), and the newline
    const room = (ascii ? text.length : text.length * 3) + 1;
    if (this.#buf.length - this.#pos < room) {
      this.#seal();
      if (room > this.size) {
        this.#buffers.push(Buffer.from(text + '\n'));
        this.#bytes += this.#buffers[this.#buffers.length - 1].length;
        return;
      }
    }
    this.#pos += ascii ? this.#buf.write(text, this.#pos, 'latin1') : this.#buf.write(text, this.#pos);
    this.#buf[this.#pos++] = 10;
  }

  /** Appends text without a newline (a body's framing); `ascii` as for `line`. */
  text(text: string, ascii = false): void {
    const room = ascii ? text.length : text.length * 3;
    if (this.#buf.length - this.#pos < room) {
      this.#seal();
      if (room > this.size) {
        this.#buffers.push(Buffer.from(text));
        this.#bytes += this.#buffers[this.#buffers.length - 1].length;
        return;
      }
    }
    this.#pos += ascii ? this.#buf.write(text, this.#pos, 'latin1') : this.#buf.write(text, this.#pos);
  }

  /** Appends bytes (lines encoded already). */
  append(b: Uint8Array): void {
    let from = 0;
    while (from < b.length) {
      if (this.#pos === this.#buf.length) this.#seal();
      const n = Math.min(b.length - from, this.#buf.length - this.#pos);
      this.#buf.set(b.subarray(from, from + n), this.#pos);
      this.#pos += n;
      from += n;
    }
  }

  /** The buffers written so far; the writer starts over. */
  take(): Buffer[] {
    this.#seal();
    const out = this.#buffers;
    this.#buffers = [];
    this.#bytes = 0;
    return out;
  }

  /** The buffers written so far; the writer's own buffer goes back to the pool, and it takes no more text. */
  finish(): Buffer[] {
    // sealed without taking a next buffer (take() would take one from the pool, or allocate one, only to give it back)
    if (this.#pos > 0) {
      this.#buffers.push(this.#buf.subarray(0, this.#pos));
      this.#bytes += this.#pos;
    } else this.release(this.#buf);
    this.#buf = Buffer.alloc(0);
    this.#pos = 0;
    const out = this.#buffers;
    this.#buffers = [];
    this.#bytes = 0;
    return out;
  }

  /** Gives back a buffer of `take` that was written and is no longer used. */
  release(b: Buffer): void {
    if (b.buffer.byteLength === this.size && b.byteOffset === 0 && this.#free.length < this.keep) this.#free.push(Buffer.from(b.buffer, 0, this.size));
  }

  #seal(): void {
    if (this.#pos === 0) return;
    this.#buffers.push(this.#buf.subarray(0, this.#pos));
    this.#bytes += this.#pos;
    this.#buf = this.#free.pop() ?? Buffer.allocUnsafeSlow(this.size);
    this.#pos = 0;
  }
}
