// An hour bucket of the feed kept as JSON bytes in a reusable off-heap slab (no string the size of a bucket or a
// page on the V8 heap), byte offsets of each activity in it, and the few fields scans and filters read.
// Why off-heap and per bucket: BENCHMARKS.md, issue 11 ("Simulator page at 50 M").
import type { Activity } from '../../api/types.js';
import type { ActivityFacets, ActivityJson, FeedPosition, SimActivity } from '../model.js';
import type { Placed, PlacedJson } from './placed.js';

/** Bytes of one slab; a bucket that does not fit (over about 3 500 activities) gets a buffer of its own. */
export const SLAB_BYTES = 2 * 1024 * 1024;

export interface TextBucket {
  /** Each activity's `JSON.stringify(record)`, UTF-8, back to back in (created_at, id) order. */
  bytes: Buffer;
  /** True when `bytes` is a pooled slab, returned to the pool when the bucket leaves the cache. */
  slab: boolean;
  /** Every byte is ASCII (then Latin-1 decoding, much faster than UTF-8, reads it the same). */
  ascii: boolean;
  /** Activity i is `bytes[starts[i], ends[i])`, exactly `JSON.stringify(record)`. */
  starts: Uint32Array;
  ends: Uint32Array;
  us: Float64Array;
  visibleAt: Float64Array;
  ids: string[];
  types: unknown[];
  actorUserIds: unknown[];
  organizationIds: unknown[];
  organizationUuids: unknown[];
}

/**
 * The activities' JSON, each `JSON.stringify(record)` written straight into `slab` (a buffer of its own when the
 * slab is absent or too small): small strings that die young, no string the size of the bucket. `consume`
 * drops each item from `items` once written (for a list nothing else holds).
 */
export function textBucketOf(items: readonly SimActivity[], slab?: Buffer, consume = false): TextBucket {
  const w = new TextBucketWriter(slab, items.length);
  for (let i = 0; i < items.length; i++) {
    w.add(items[i]);
    // a record written is garbage at once: fewer live records for the scavenges of this bucket to copy and promote
    if (consume) (items as (SimActivity | undefined)[])[i] = undefined;
  }
  return w.finish();
}

/**
 * Writes a bucket's activities one at a time, in order, as they are generated: each record is garbage as soon as
 * it is written, so generating a bucket keeps no more than one activity alive (BENCHMARKS.md, "Simulator page at
 * 50 M": the scavenges of whole generated buckets were most of a page's time).
 */
export class TextBucketWriter {
  private n = 0;
  private pos = 0;
  private ascii = true;
  private bytes: Buffer;
  private starts: Uint32Array;
  private ends: Uint32Array;
  private us: Float64Array;
  private visibleAt: Float64Array;
  private readonly ids: string[] = [];
  private readonly types: unknown[] = [];
  private readonly actorUserIds: unknown[] = [];
  private readonly organizationIds: unknown[] = [];
  private readonly organizationUuids: unknown[] = [];

  /** `capacity`: the expected number of activities (the arrays grow past it). */
  constructor(
    private readonly slab?: Buffer,
    capacity = 1024,
  ) {
    const c = Math.max(1, capacity);
    this.bytes = slab ?? Buffer.allocUnsafeSlow(Math.max(1024, c * 640));
    this.starts = new Uint32Array(c);
    this.ends = new Uint32Array(c);
    this.us = new Float64Array(c);
    this.visibleAt = new Float64Array(c);
  }

  add(a: SimActivity): void {
    const r = a.record;
    this.put(a.us, a.id, a.visibleAt, JSON.stringify(r), r.type, (r.actor as { user_id?: unknown } | null | undefined)?.user_id, r.organization_id, r.organization_uuid);
  }

  /** A generated activity, its JSON written from its parts (placed.ts): exactly what `add` of its record writes. */
  addPlaced(p: Placed, json: PlacedJson): void {
    const d = p.draft;
    const org = p.org;
    this.put(p.us, p.id, p.visibleAt, json.of(p), d.type, (d.actor as { user_id?: unknown } | null | undefined)?.user_id, org ? org.tagged : null, org ? org.uuid : null);
  }

  private put(us: number, id: string, visibleAt: number, json: string, type: unknown, actorUserId: unknown, organizationId: unknown, organizationUuid: unknown): void {
    const i = this.n;
    if (i === this.starts.length) this.grow();
    let pos = this.pos;
    if (pos + 3 * json.length > this.bytes.length) this.bytes = grown(this.bytes, pos, pos + 3 * json.length);
    const written = this.bytes.write(json, pos, 'utf8');
    // a UTF-8 character outside ASCII takes more bytes than its one character
    if (written !== json.length) this.ascii = false;
    this.starts[i] = pos;
    this.ends[i] = pos += written;
    this.pos = pos;
    this.us[i] = us;
    this.visibleAt[i] = visibleAt;
    this.ids.push(id);
    this.types.push(type);
    this.actorUserIds.push(actorUserId);
    this.organizationIds.push(organizationId);
    this.organizationUuids.push(organizationUuid);
    this.n = i + 1;
  }

  finish(): TextBucket {
    const n = this.n;
    return {
      bytes: this.bytes,
      slab: this.bytes === this.slab,
      ascii: this.ascii,
      starts: this.starts.subarray(0, n),
      ends: this.ends.subarray(0, n),
      us: this.us.subarray(0, n),
      visibleAt: this.visibleAt.subarray(0, n),
      ids: this.ids,
      types: this.types,
      actorUserIds: this.actorUserIds,
      organizationIds: this.organizationIds,
      organizationUuids: this.organizationUuids,
    };
  }

  private grow(): void {
    this.starts = grow(this.starts);
    this.ends = grow(this.ends);
    this.us = growFloat(this.us);
    this.visibleAt = growFloat(this.visibleAt);
  }
}

/** The two sorted buckets as one (the static text and the few dynamic activities of the same hour). */
export function mergeTextBuckets(x: TextBucket, y: TextBucket): TextBucket {
  const n = x.ids.length + y.ids.length;
  const out = allocate(n);
  const bytes = Buffer.allocUnsafeSlow(Math.max(1, lastEnd(x) + lastEnd(y)));
  let pos = 0;
  let i = 0;
  let j = 0;
  for (let k = 0; k < n; k++) {
    const fromX = j >= y.ids.length || (i < x.ids.length && comparePositions(x.us[i], x.ids[i], y.us[j], y.ids[j]) <= 0);
    const src = fromX ? x : y;
    const s = fromX ? i++ : j++;
    out.starts[k] = pos;
    out.ends[k] = pos += src.bytes.copy(bytes, pos, src.starts[s], src.ends[s]);
    out.us[k] = src.us[s];
    out.visibleAt[k] = src.visibleAt[s];
    out.ids[k] = src.ids[s];
    out.types[k] = src.types[s];
    out.actorUserIds[k] = src.actorUserIds[s];
    out.organizationIds[k] = src.organizationIds[s];
    out.organizationUuids[k] = src.organizationUuids[s];
  }
  out.bytes = bytes;
  out.ascii = x.ascii && y.ascii;
  return out;
}

const lastEnd = (b: TextBucket) => (b.ids.length === 0 ? 0 : b.ends[b.ids.length - 1]);

function grown(bytes: Buffer, used: number, atLeast: number): Buffer {
  const bigger = Buffer.allocUnsafeSlow(Math.max(2 * bytes.length, atLeast));
  bytes.copy(bigger, 0, 0, used);
  return bigger;
}

/** Activity i's JSON text (a copy: the slab may be reused once the bucket leaves the cache). */
export function itemText(b: TextBucket, i: number): string {
  return b.bytes.toString(b.ascii ? 'latin1' : 'utf8', b.starts[i], b.ends[i]);
}

/** Fills `f` with activity i's facets (one object reused across a scan). */
export function readFacets(b: TextBucket, i: number, f: ActivityFacets): ActivityFacets {
  f.type = b.types[i];
  f.actorUserId = b.actorUserIds[i];
  f.organizationId = b.organizationIds[i];
  f.organizationUuid = b.organizationUuids[i];
  return f;
}

export function activityJson(b: TextBucket, i: number): ActivityJson {
  return { us: b.us[i], id: b.ids[i], visibleAt: b.visibleAt[i], facets: readFacets(b, i, newFacets()), json: itemText(b, i) };
}

export function newFacets(): ActivityFacets {
  return { type: undefined, actorUserId: undefined, organizationId: undefined, organizationUuid: undefined };
}

export function comparePositions(aUs: number, aId: string, bUs: number, bId: string): number {
  if (aUs !== bUs) return aUs < bUs ? -1 : 1;
  return aId < bId ? -1 : aId > bId ? 1 : 0;
}

/** First index whose position is >= p. */
export function lowerBoundText(b: TextBucket, p: FeedPosition): number {
  let lo = 0;
  let hi = b.ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (comparePositions(b.us[mid], b.ids[mid], p.us, p.id) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose position is > p. */
export function upperBoundText(b: TextBucket, p: FeedPosition): number {
  let lo = 0;
  let hi = b.ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (comparePositions(b.us[mid], b.ids[mid], p.us, p.id) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function allocate(n: number): TextBucket {
  return {
    bytes: EMPTY,
    slab: false,
    ascii: true,
    starts: new Uint32Array(n),
    ends: new Uint32Array(n),
    us: new Float64Array(n),
    visibleAt: new Float64Array(n),
    ids: new Array<string>(n),
    types: new Array<unknown>(n),
    actorUserIds: new Array<unknown>(n),
    organizationIds: new Array<unknown>(n),
    organizationUuids: new Array<unknown>(n),
  };
}

const EMPTY = Buffer.alloc(0);


/**
 * A scan's activities as JSON bytes, in scan order, separated by commas, off the V8 heap: the page is copied
 * here as it is scanned (the slab of a bucket may be reused before the scan ends) and copied once into the
 * response's body. One per feed, reused by the next scan.
 */
export class JsonItems {
  length = 0;
  private ascii = true;
  private bytes = Buffer.allocUnsafeSlow(4 * 1024 * 1024);
  private starts: Uint32Array = new Uint32Array(8192);
  private ends: Uint32Array = new Uint32Array(8192);
  private pos = 0;

  reset(): this {
    this.length = 0;
    this.pos = 0;
    this.ascii = true;
    return this;
  }

  push(src: TextBucket, i: number): void {
    const start = src.starts[i];
    const end = src.ends[i];
    if (!src.ascii) this.ascii = false;
    const n = this.length;
    if (n === this.starts.length) {
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
    }
    const at = n === 0 ? 0 : this.pos + 1;
    if (at + end - start > this.bytes.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(2 * this.bytes.length, at + end - start));
      this.bytes.copy(bigger, 0, 0, this.pos);
      this.bytes = bigger;
    }
    if (n > 0) this.bytes[this.pos] = 0x2c; // ','
    src.bytes.copy(this.bytes, at, start, end);
    this.starts[n] = at;
    this.ends[n] = this.pos = at + end - start;
    this.length = n + 1;
  }

  /** Item i's JSON text. */
  text(i: number): string {
    return this.bytes.toString(this.ascii ? 'latin1' : 'utf8', this.starts[i], this.ends[i]);
  }

  /**
   * `before` + items [0, count) joined by commas (scan order or reversed) + `after`, as UTF-8 bytes in a buffer
   * of their own: the transports send it as it is (no string the size of the page, no second encoding), and it
   * stays valid while the socket drains, when this object already serves the next scan.
   */
  body(before: string, count: number, reverse: boolean, after: string): Buffer {
    const size = count === 0 ? 0 : this.ends[count - 1];
    const out = Buffer.allocUnsafeSlow(Buffer.byteLength(before) + size + Buffer.byteLength(after));
    let at = out.write(before, 0, 'utf8');
    if (!reverse) at += this.bytes.copy(out, at, 0, size);
    else {
      for (let i = count - 1; i >= 0; i--) {
        at += this.bytes.copy(out, at, this.starts[i], this.ends[i]);
        if (i > 0) out[at++] = 0x2c;
      }
    }
    at += out.write(after, at, 'utf8');
    return out;
  }

  /** Items [0, count) joined by commas, in scan order or reversed. */
  joined(count: number, reverse: boolean): string {
    if (count === 0) return '';
    const encoding = this.ascii ? 'latin1' : 'utf8';
    if (!reverse) return this.bytes.toString(encoding, 0, this.ends[count - 1]);
    const out = Buffer.allocUnsafeSlow(this.ends[count - 1]);
    let at = 0;
    for (let i = count - 1; i >= 0; i--) {
      if (at > 0) out[at++] = 0x2c;
      at += this.bytes.copy(out, at, this.starts[i], this.ends[i]);
    }
    return out.toString(encoding, 0, at);
  }
}

function grow(a: Uint32Array): Uint32Array {
  const b = new Uint32Array(a.length * 2);
  b.set(a);
  return b;
}

function growFloat(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}
