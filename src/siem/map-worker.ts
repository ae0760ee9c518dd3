// A mapping thread of src/siem/mapping.ts: reader rows in, framed events out, in the order asked.
import { parentPort, workerData } from 'node:worker_threads';
import { type MappingSetup, SLICE_BUFFER_BYTES, contiguous, mapRows } from './mapping.js';
import { OcsfMapper } from './ocsf.js';
import { LineBuffer } from './output.js';

const setup = workerData as MappingSetup;
const mapper = setup.ocsf ? new OcsfMapper() : null;
const free: Buffer[] = [];

parentPort!.on('message', (m: { seq: number; texts: string[]; give: ArrayBuffer[] }) => {
  for (const b of m.give) free.push(Buffer.from(b));
  try {
    const out = new LineBuffer(SLICE_BUFFER_BYTES, free, 16);
    const mapped = mapRows(m.texts, mapper, setup.frame, out);
    const parts = out.finish();
    const bytes = contiguous(parts);
    if (parts.length > 1) for (const p of parts) out.release(p);
    // the whole buffer goes to the main thread, which gives it back once it copied the slice
    const buffer = bytes.byteOffset === 0 && bytes.buffer.byteLength === SLICE_BUFFER_BYTES ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
    // the ids and times as one JSON text each: cloning arrays of short strings cost more than the text
    const keys = JSON.stringify([mapped.ids, mapped.createdAts]);
    parentPort!.postMessage({ seq: m.seq, buffer, length: bytes.length, ends: mapped.ends, keys }, [buffer as ArrayBuffer, mapped.ends.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort!.postMessage({ seq: m.seq, error: (err as Error).message });
  }
});
