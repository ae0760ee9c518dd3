// The bytes behind downloadable files: generated on the fly from a seed, in blocks, so a 50 MB file is never held
// in memory, and the md5 that metadata reports is the md5 of exactly the bytes served (compliance-api.md §2.3).
import { createHash } from 'node:crypto';

/** A downloadable body: `key` seeds the bytes, `size` is their count, `text` keeps them printable. */
export interface Blob {
  key: number;
  size: number;
  text: boolean;
}

export const BLOCK_BYTES = 64 * 1024;

function baseBlock(blob: Blob): Buffer {
  const block = Buffer.allocUnsafe(BLOCK_BYTES);
  let x = blob.key || 0x1234567;
  for (let i = 0; i < BLOCK_BYTES; i++) {
    // xorshift32: cheap and deterministic
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const b = x & 0xff;
    block[i] = blob.text ? (i % 73 === 72 ? 10 : 32 + (b % 95)) : b;
  }
  return block;
}

/** The blob's bytes in blocks of at most BLOCK_BYTES; each block differs (its index is stamped in). */
export function* blobChunks(blob: Blob): Generator<Buffer, void, undefined> {
  const base = baseBlock(blob);
  for (let offset = 0, k = 0; offset < blob.size; offset += BLOCK_BYTES, k++) {
    const n = Math.min(BLOCK_BYTES, blob.size - offset);
    const chunk = Buffer.from(base.subarray(0, n));
    const stamp = blob.text ? `${k}`.padStart(8, '0') : undefined;
    if (stamp) chunk.write(stamp.slice(0, n), 0, 'latin1');
    else if (n >= 4) chunk.writeUInt32LE((k ^ chunk.readUInt32LE(0)) >>> 0, 0);
    yield chunk;
  }
}

/** Lowercase hex md5 of a blob's bytes, computed once per blob. */
export class BlobDigests {
  private readonly cache = new Map<string, string>();

  md5(blob: Blob): string {
    const id = `${blob.key}:${blob.size}:${blob.text}`;
    let hex = this.cache.get(id);
    if (hex === undefined) {
      const hash = createHash('md5');
      for (const chunk of blobChunks(blob)) hash.update(chunk);
      hex = hash.digest('hex');
      this.cache.set(id, hex);
    }
    return hex;
  }
}

export const md5Hex = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
