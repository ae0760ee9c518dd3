// A mapping thread of src/siem/mapping.ts: reader rows in, framed events out, in the order asked. A slice is built
// in one of the shared buffers the main thread lent (workerData.shared) and answered with its index; one that does
// not fit goes back as a buffer of its own.
import { parentPort, workerData } from 'node:worker_threads';
import { type MappingSetup, SLICE_BUFFER_BYTES, contiguous, mapRows } from './mapping.js';
import { OcsfMapper } from './ocsf.js';
import { LineBuffer } from './output.js';

const setup = workerData as MappingSetup & { shared: SharedArrayBuffer[] };
const mapper = setup.ocsf ? new OcsfMapper() : null;
const shared = setup.shared.map((b) => Buffer.from(b));
/** Indices of the shared buffers this thread may write. */
const free: number[] = shared.map((_, i) => i);

parentPort!.on('message', (m: { seq: number; texts: string[]; give: number[] }) => {
  for (const i of m.give) free.push(i);
  const index = free.pop();
  try {
    // a slice past the shared buffer goes on in buffers of its own (keep 0: none is kept)
    const out = new LineBuffer(SLICE_BUFFER_BYTES, index === undefined ? [] : [shared[index]], 0);
    const mapped = mapRows(m.texts, mapper, setup.frame, out);
    const parts = out.finish();
    // the ids and times as one JSON text each: cloning arrays of short strings cost more than the text
    const keys = JSON.stringify([mapped.ids, mapped.createdAts]);
    if (index !== undefined && parts.length === 1 && parts[0].buffer === shared[index].buffer) {
      parentPort!.postMessage({ seq: m.seq, index, length: parts[0].length, ends: mapped.ends, keys }, [mapped.ends.buffer as ArrayBuffer]);
      return;
    }
    if (index !== undefined) free.push(index);
    const bytes = contiguous(parts);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
    parentPort!.postMessage({ seq: m.seq, buffer, length: bytes.length, ends: mapped.ends, keys }, [buffer, mapped.ends.buffer as ArrayBuffer]);
  } catch (err) {
    if (index !== undefined && !free.includes(index)) free.push(index);
    parentPort!.postMessage({ seq: m.seq, error: (err as Error).message });
  }
});
