// How much V8 lets the heap grow between full collections, while a stream makes many small requests.
//
// Every request through fetch leaves some kilobytes that outlive a scavenge and are promoted; they die soon
// after, but V8 lets the old generation grow to up to four times its live size before it collects it. Through
// the 40 000 per-project requests of a large tenant that was 30 MB live in a 160 MB heap, and the sync's peak
// RSS (BENCHMARKS.md, issue 11: "A full sync of every stream on a large tenant"). Growing by half the live size
// instead keeps the heap near 75 MB for the same work and about the same CPU; it is not the default for
// every stream because the feed's 2.6 MB pages made collections that frequent cost 7 % more CPU there.
import v8 from 'node:v8';

/** The old generation may grow to (1 + this / 100) × its live size before the next full collection. */
export const COMPACT_HEAP_GROWING_PERCENT = 50;

let holders = 0;

/** Runs `work` with the heap kept compact (see above); V8's own heuristic again once no caller needs it. */
export async function withCompactHeap<T>(work: () => Promise<T>): Promise<T> {
  if (holders++ === 0) v8.setFlagsFromString(`--heap-growing-percent=${COMPACT_HEAP_GROWING_PERCENT}`);
  try {
    return await work();
  } finally {
    // 0 is V8's default: a factor chosen from the collector's speed
    if (--holders === 0) v8.setFlagsFromString('--heap-growing-percent=0');
  }
}
