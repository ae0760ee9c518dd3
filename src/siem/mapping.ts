// The events of the reader's rows, framed for a destination, built on mapping threads (src/siem/map-worker.ts)
// while the main thread reads the lake and sends: on one thread the mapping was most of a forward's time, and
// two cores stayed half idle (BENCHMARKS.md, issue 14 "forward17"). Slices come back in the order they were
// given; a slice's bytes are byte for byte what EventBatch.add would have framed from the same rows.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type Frame, frameEvent } from './frame.js';
import { lakeActivity } from './events.js';
import { OcsfMapper } from './ocsf.js';
import { lakeMs } from './ocsf-row.js';
import { LineBuffer, eventText } from './output.js';
import { servedRecord } from './served.js';

/** The buffers slices are built in (handed back and forth between the threads, so that none is allocated per slice). */
export const SLICE_BUFFER_BYTES = 1 << 20;

export interface MappingSetup {
  /** OCSF events (else the activity as served). */
  ocsf: boolean;
  frame: Frame;
}

/** One slice's events, framed: event i ends at byte `ends[i]`. */
export interface MappedSlice {
  bytes: Uint8Array;
  ends: Uint32Array;
  ids: string[];
  createdAts: string[];
  /** The caller is done with `bytes`. */
  done(): void;
}

/** Frames the events of `texts` (reader rows) into `out`; the caller takes the bytes. */
export function mapRows(texts: readonly string[], mapper: OcsfMapper | null, frame: Frame, out: LineBuffer): Omit<MappedSlice, 'bytes' | 'done'> {
  const ends = new Uint32Array(texts.length);
  const ids: string[] = new Array(texts.length);
  const createdAts: string[] = new Array(texts.length);
  for (let i = 0; i < texts.length; i++) {
    const r = lakeActivity(texts[i]);
    const values = r.values();
    const id = values[0] as string;
    const createdAt = values[1] as string;
    if (mapper) {
      const { text, ascii } = eventText(r, values, mapper);
      frameEvent(frame, id, timeOf(createdAt), text, ascii, out);
    } else {
      const served = servedRecord(values);
      frameEvent(frame, id, timeOf(createdAt), served ? served.raw : r.json, r.ascii, out);
    }
    ends[i] = out.bytes;
    ids[i] = id;
    createdAts[i] = createdAt;
  }
  return { ends, ids, createdAts };
}

/** Date.parse of a reader row's created_at. */
function timeOf(createdAt: string): number {
  const ms = lakeMs(createdAt, 6);
  return Number.isNaN(ms) ? Date.parse(createdAt) : ms;
}

/** One contiguous buffer of `parts` (one of them already, or a new one). */
export function contiguous(parts: Buffer[]): Buffer {
  if (parts.length === 1) return parts[0];
  const all = Buffer.from(new ArrayBuffer(parts.reduce((n, p) => n + p.length, 0)));
  let at = 0;
  for (const p of parts) at += p.copy(all, at);
  return all;
}

export interface MappingPool {
  map(texts: string[]): Promise<MappedSlice>;
  close(): Promise<void>;
}

/** Slices (of up to 256 rows) handed to the threads before the oldest is taken: bounds memory, keeps them busy. */
const SLICES_AHEAD = 8;

/** The slices of `rows` mapped by `pool`, in order; a slice's failure is thrown when it is its turn. */
export async function* mapInOrder(pool: MappingPool, rows: AsyncIterable<string[]>): AsyncGenerator<MappedSlice> {
  const ahead: Promise<MappedSlice>[] = [];
  for await (const texts of rows) {
    const slice = pool.map(texts);
    // not an unhandled rejection while it waits for its turn
    slice.catch(() => undefined);
    ahead.push(slice);
    if (ahead.length >= SLICES_AHEAD) yield await ahead.shift()!;
  }
  while (ahead.length) yield await ahead.shift()!;
}

/**
 * The mapping threads to start by default: one core per thread but one, which the main thread (reading, decoding,
 * sending) and DuckDB's threads share; none on one core. On two cores one thread and two measured the same
 * (BENCHMARKS.md, issue 14 "forward17"), and one holds less memory.
 */
export function defaultMappingThreads(): number {
  return Math.max(0, Math.min(4, availableParallelism() - 1));
}

const WORKER = new URL('./map-worker.js', import.meta.url);

/**
 * A pool of `threads` mapping threads, or the mapping on this thread when `threads` is 0 or the compiled worker is
 * not there (the sources run under a TypeScript loader, as in the tests).
 */
export function openMappingPool(setup: MappingSetup, threads = defaultMappingThreads()): MappingPool {
  if (threads <= 0 || !existsSync(fileURLToPath(WORKER))) return inlinePool(setup);
  return new ThreadPool(setup, threads);
}

function inlinePool(setup: MappingSetup): MappingPool {
  const mapper = setup.ocsf ? new OcsfMapper() : null;
  const free: Buffer[] = [];
  return {
    async map(texts) {
      const out = new LineBuffer(SLICE_BUFFER_BYTES, free, SLICES_AHEAD + 2);
      const mapped = mapRows(texts, mapper, setup.frame, out);
      const parts = out.finish();
      const bytes = contiguous(parts);
      return { ...mapped, bytes, done: () => parts.forEach((p) => out.release(p)) };
    },
    async close() {},
  };
}

interface Reply {
  seq: number;
  error?: string;
  /** The slice is in the shared buffer of this index (else in `buffer`, its own). */
  index?: number;
  buffer?: ArrayBuffer;
  length?: number;
  ends?: Uint32Array;
  /** JSON of [ids, createdAts]. */
  keys?: string;
}

/**
 * Shared buffers lent to each mapping thread: the slices ahead, one the caller holds, and room. Slices are built in
 * them and answered by index: a 1 MiB ArrayBuffer transferred each way per slice was new external memory on every
 * arrival, and V8 answered with collections (BENCHMARKS.md, issue 14 "forward18").
 */
const SHARED_SLICES = SLICES_AHEAD + 4;

interface Slot {
  worker: Worker;
  views: Uint8Array[];
  /** Indices of shared buffers the caller is done with, given back with the next slice. */
  giveBack: number[];
}

class ThreadPool implements MappingPool {
  readonly #workers: Slot[] = [];
  readonly #waiting = new Map<number, { resolve: (s: MappedSlice) => void; reject: (e: Error) => void }>();
  #seq = 0;
  #failed: Error | null = null;

  constructor(setup: MappingSetup, threads: number) {
    for (let i = 0; i < threads; i++) {
      const shared = Array.from({ length: SHARED_SLICES }, () => new SharedArrayBuffer(SLICE_BUFFER_BYTES));
      const worker = new Worker(WORKER, { workerData: { ...setup, shared } });
      const slot: Slot = { worker, views: shared.map((b) => new Uint8Array(b)), giveBack: [] };
      worker.on('message', (m: Reply) => this.#reply(slot, m));
      worker.on('error', (err) => this.#fail(new Error(`a mapping thread failed: ${err.message}`)));
      worker.on('exit', (code) => {
        if (code !== 0) this.#fail(new Error(`a mapping thread exited with code ${code}`));
      });
      this.#workers.push(slot);
    }
  }

  map(texts: string[]): Promise<MappedSlice> {
    if (this.#failed) return Promise.reject(this.#failed);
    const seq = this.#seq++;
    const slot = this.#workers[seq % this.#workers.length];
    const give = slot.giveBack;
    slot.giveBack = [];
    return new Promise<MappedSlice>((resolve, reject) => {
      this.#waiting.set(seq, { resolve, reject });
      slot.worker.postMessage({ seq, texts, give });
    });
  }

  #reply(slot: Slot, m: Reply): void {
    const waiter = this.#waiting.get(m.seq);
    if (!waiter) return;
    this.#waiting.delete(m.seq);
    if (m.error !== undefined) return waiter.reject(new Error(m.error));
    const [ids, createdAts] = JSON.parse(m.keys!) as [string[], string[]];
    const index = m.index;
    waiter.resolve({
      bytes: index !== undefined ? slot.views[index].subarray(0, m.length) : new Uint8Array(m.buffer!, 0, m.length),
      ends: m.ends!,
      ids,
      createdAts,
      done: () => {
        if (index !== undefined) slot.giveBack.push(index);
      },
    });
  }

  #fail(err: Error): void {
    this.#failed ??= err;
    for (const w of this.#waiting.values()) w.reject(err);
    this.#waiting.clear();
  }

  async close(): Promise<void> {
    this.#failed ??= new Error('the mapping threads were closed');
    await Promise.all(this.#workers.map((w) => w.worker.terminate()));
  }
}
