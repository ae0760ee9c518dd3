// Writing events to a stream with backpressure (a slow reader slows the lake read, memory stays flat) and an
// end that is not an error when the reader goes away (`events | head`: EPIPE).
import type { Writable } from 'node:stream';
import { OcsfMapper } from './ocsf.js';
import type { LakeActivity } from './events.js';

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

  /** Writes `text`; resolves when the stream can take more (false: the reader is gone, stop). */
  async write(text: string): Promise<boolean> {
    if (this.#closed) return false;
    if (this.out.write(text)) return true;
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

/** The text of events (one per line) of `rows` in `format`. */
export function eventLines(rows: readonly LakeActivity[], format: EventFormat, mapper: OcsfMapper | null): string {
  let text = '';
  for (const r of rows) {
    if (format === 'ndjson') text += JSON.stringify(r.activity) + '\n';
    else {
      const raw = JSON.stringify(r.activity);
      text += JSON.stringify(mapper!.toOcsf(r.activity, r.user, raw)) + '\n';
    }
  }
  return text;
}
