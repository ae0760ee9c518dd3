// The activity feed: timeline events, hourly background buckets and the events of API calls, in the API's
// total order (created_at, then id), with each activity visible only once it has been "indexed".
import type { Activity } from '../../api/types.js';
import type { ActivityFacets, ActivityFeed, ActivityJson, ApiAccessEvent, FeedPosition, JsonScanOptions, ScanOptions, SimActivity } from '../model.js';
import type { BackgroundGenerator, Draft } from './background.js';
import { FUTURE_TYPES } from './background.js';
import { REFERENCE_ACTIVITY_TYPES } from './activity-types.js';
import {
  JsonItems,
  type TextBucket,
  activityJson,
  lowerBoundText,
  mergeTextBuckets,
  newFacets,
  readFacets,
  SLAB_BYTES,
  TextBucketWriter,
  textBucketOf,
  upperBoundText,
} from './feed-text.js';
import type { SimOrg, TimelineEvent } from './directory.js';
import { type Placed, PlacedJson, recordOf } from './placed.js';
import type { TenantShape } from './options.js';
import { Rng, activityId, activityIdTime, hash32 } from './random.js';
import { DAY, HOUR, MINUTE, isoMicros } from './time.js';

export function comparePosition(a: FeedPosition, b: FeedPosition): number {
  if (a.us !== b.us) return a.us < b.us ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const bucketOf = (us: number) => Math.floor(us / 1000 / HOUR);

/** Activities kept materialised at most (about 1 KB each); older buckets are regenerated on demand. */
const CACHE_ACTIVITIES = 60_000;
/** Buckets kept as text (each in a slab of SLAB_BYTES, off the V8 heap); older ones are written again on demand. */
const TEXT_CACHE_BUCKETS = 12;

export interface FeedOptions {
  /** Delay before the event of an API call becomes visible (the real API: about a second). */
  selfEventDelayMs: number;
}

export class Feed implements ActivityFeed {
  readonly knownTypes: ReadonlySet<string>;
  private readonly timeline: SimActivity[];
  private readonly cache = new Map<number, SimActivity[]>();
  private cached = 0;
  private readonly textCache = new Map<number, TextBucket>();
  private readonly freeSlabs: Buffer[] = [];
  private readonly page = new JsonItems();
  private readonly placedJson = new PlacedJson();
  private readonly dynamic = new Map<number, SimActivity[]>();
  private readonly dynamicById = new Map<string, SimActivity>();
  private dynamicMinUs = Infinity;
  private dynamicMaxUs = -Infinity;
  private readonly dynamicRng: Rng;
  /** Activities in an average hour bucket: the text writer's first capacity. */
  private readonly expectedBucketSize: number;

  constructor(
    private readonly shape: TenantShape,
    private readonly orgs: SimOrg[],
    timelineEvents: TimelineEvent[],
    private readonly background: BackgroundGenerator,
    private readonly options: FeedOptions,
  ) {
    this.knownTypes = new Set([...REFERENCE_ACTIVITY_TYPES.map(([t]) => t), ...FUTURE_TYPES]);
    const rng = new Rng(hash32(shape.seed, 50));
    this.timeline = timelineEvents
      .map((e) => this.materialise(rng, { us: e.ms * 1000 + rng.int(1000), orgIndex: e.orgIndex, actor: e.actor, type: e.type, fields: e.fields }))
      .sort(comparePosition);
    this.dynamicRng = new Rng(hash32(shape.seed, 60));
    this.expectedBucketSize = Math.ceil((2 * shape.activitiesPerDay) / 24) + 64;
  }

  /** Draft -> record. */
  private materialise(rng: Rng, d: Draft): SimActivity {
    return recordOf(this.place(rng, d));
  }

  /** A draft's id, visibility and organization. Draws a fixed number of values so later activities do not shift. */
  private place(rng: Rng, d: Draft): Placed {
    const id = activityId(d.us, rng);
    const createdMs = Math.floor(d.us / 1000);
    const late = rng.next() < this.shape.lateShare;
    const u = rng.next();
    const delay = late
      ? 2 * MINUTE * Math.pow((3 * DAY) / (2 * MINUTE), u) // log-uniform between two minutes and three days
      : u * u * MINUTE; // indexed within the documented minute, mostly within seconds
    const plusOffset = this.shape.timestampStyle === 'reference' && rng.next() < 1 / 7;
    let createdAt = isoMicros(d.us);
    if (plusOffset) createdAt = `${createdAt.slice(0, -1)}+00:00`;
    return { us: d.us, id, visibleAt: createdMs + Math.floor(delay), createdAt, org: d.orgIndex === null ? null : this.orgs[d.orgIndex], draft: d };
  }

  private staticBucket(b: number): SimActivity[] {
    const hit = this.cache.get(b);
    if (hit) {
      this.cache.delete(b);
      this.cache.set(b, hit);
      return hit;
    }
    const items = this.generate(b);
    this.cache.set(b, items);
    this.cached += items.length;
    while (this.cached > CACHE_ACTIVITIES && this.cache.size > 1) {
      const [oldest, list] = this.cache.entries().next().value as [number, SimActivity[]];
      this.cache.delete(oldest);
      this.cached -= list.length;
    }
    return items;
  }

  private bucketItems(b: number): SimActivity[] {
    const base = this.staticBucket(b);
    const extra = this.dynamic.get(b);
    if (!extra || extra.length === 0) return base;
    return mergeSorted(base, extra);
  }

  /** The feed's extent in buckets for a scan at nowMs. */
  private extent(nowMs: number): [number, number] {
    const end = this.shape.live ? nowMs : this.shape.startMs;
    const lo = Math.min(this.shape.epochStartMs * 1000, this.dynamicMinUs);
    const hi = Math.max(end * 1000, this.dynamicMaxUs);
    return [bucketOf(lo), bucketOf(hi)];
  }

  /** The buckets a scan visits, inclusive. */
  private scanBuckets(o: ScanOptions | JsonScanOptions): [number, number] {
    let [first, last] = this.extent(o.nowMs);
    if (o.minUs !== undefined) first = Math.max(first, bucketOf(o.minUs));
    if (o.maxUs !== undefined) last = Math.min(last, bucketOf(o.maxUs - 1));
    const forward = o.direction === 'forward';
    if (o.from) {
      const fb = bucketOf(o.from.us);
      if (forward) first = Math.max(first, fb);
      else last = Math.min(last, fb);
    }
    return [first, last];
  }

  scan(o: ScanOptions): SimActivity[] {
    const out: SimActivity[] = [];
    if (o.limit <= 0) return out;
    const [first, last] = this.scanBuckets(o);
    const forward = o.direction === 'forward';
    const minUs = o.minUs ?? -Infinity;
    const maxUs = o.maxUs ?? Infinity;
    for (let b = forward ? first : last; forward ? b <= last : b >= first; b += forward ? 1 : -1) {
      const items = this.bucketItems(b);
      if (items.length === 0) continue;
      let i: number;
      if (forward) {
        i = o.from ? upperBoundPosition(items, o.from) : 0;
        for (; i < items.length; i++) {
          const a = items[i];
          if (a.us >= maxUs) return out;
          if (a.us < minUs || a.visibleAt > o.nowMs || (o.filter && !o.filter(a))) continue;
          out.push(a);
          if (out.length >= o.limit) return out;
        }
      } else {
        i = o.from ? lowerBoundPosition(items, o.from) - 1 : items.length - 1;
        for (; i >= 0; i--) {
          const a = items[i];
          if (a.us < minUs) return out;
          if (a.us >= maxUs || a.visibleAt > o.nowMs || (o.filter && !o.filter(a))) continue;
          out.push(a);
          if (out.length >= o.limit) return out;
        }
      }
    }
    return out;
  }

  get(id: string): SimActivity | undefined {
    const dyn = this.dynamicById.get(id);
    if (dyn) return dyn;
    const us = activityIdTime(id);
    if (us === undefined) return undefined;
    const items = this.staticBucket(bucketOf(us));
    const i = lowerBoundPosition(items, { us, id });
    return items[i]?.id === id ? items[i] : undefined;
  }

  /** The static bucket as text: written from the generator once, then served by slicing (BENCHMARKS.md, issue 11). */
  private textBucket(b: number): TextBucket {
    const hit = this.textCache.get(b);
    if (hit) {
      this.textCache.delete(b);
      this.textCache.set(b, hit);
      return hit;
    }
    if (this.textCache.size >= TEXT_CACHE_BUCKETS) {
      const [oldest, old] = this.textCache.entries().next().value as [number, TextBucket];
      this.textCache.delete(oldest);
      if (old.slab) this.freeSlabs.push(old.bytes);
    }
    const slab = this.freeSlabs.pop() ?? Buffer.allocUnsafeSlow(SLAB_BYTES);
    const records = this.cache.get(b);
    let text: TextBucket;
    if (records) text = textBucketOf(records, slab);
    else {
      const writer = new TextBucketWriter(slab, this.expectedBucketSize);
      this.generateEach(
        b,
        (p) => writer.addPlaced(p, this.placedJson),
        (a) => writer.add(a),
      );
      text = writer.finish();
    }
    if (!text.slab) this.freeSlabs.push(slab);
    this.textCache.set(b, text);
    return text;
  }

  /** Bucket b's activities, as staticBucket makes them, without keeping them. */
  private generate(b: number): SimActivity[] {
    const items: SimActivity[] = [];
    this.generateEach(
      b,
      (p) => items.push(recordOf(p)),
      (a) => items.push(a),
    );
    return items;
  }

  /**
   * Bucket b's activities in (created_at, id) order, each handed over as soon as its place is known (`placed`: a
   * background draft, `timeline`: a directory or content event): only the activities of one microsecond wait,
   * since ids order them. A bucket written as text so never has its activities alive at once (BENCHMARKS.md,
   * "Simulator page at 50 M").
   */
  private generateEach(b: number, placed: (p: Placed) => void, fromTimeline: (a: SimActivity) => void): void {
    const rng = new Rng(hash32(this.shape.seed, 101, b));
    const timeline = this.timeline;
    let t = lowerBound(timeline, b * HOUR * 1000);
    const end = lowerBound(timeline, (b + 1) * HOUR * 1000);
    const ties: Placed[] = [];
    const flush = () => {
      if (ties.length > 1) ties.sort(comparePosition);
      for (const p of ties) {
        while (t < end && comparePosition(timeline[t], p) < 0) fromTimeline(timeline[t++]);
        placed(p);
      }
      ties.length = 0;
    };
    // the background's drafts come in time order (background.ts), so a new time closes the previous one's ties
    this.background.bucket(b, (d) => {
      const p = this.place(rng, d);
      if (ties.length > 0 && ties[0].us !== p.us) flush();
      ties.push(p);
    });
    flush();
    while (t < end) fromTimeline(timeline[t++]);
  }

  private bucketText(b: number): TextBucket {
    const base = this.textBucket(b);
    const extra = this.dynamic.get(b);
    if (!extra || extra.length === 0) return base;
    // written again on every scan: a dynamic activity's visibleAt may change after it was added (app.ts)
    return mergeTextBuckets(base, textBucketOf(extra));
  }

  scanJson(o: JsonScanOptions): JsonItems {
    const out = this.page.reset();
    if (o.limit <= 0) return out;
    const [first, last] = this.scanBuckets(o);
    const forward = o.direction === 'forward';
    const minUs = o.minUs ?? -Infinity;
    const maxUs = o.maxUs ?? Infinity;
    const { filter, nowMs } = o;
    const facets: ActivityFacets = newFacets();
    for (let b = forward ? first : last; forward ? b <= last : b >= first; b += forward ? 1 : -1) {
      const t = this.bucketText(b);
      const n = t.ids.length;
      if (n === 0) continue;
      const { us, visibleAt } = t;
      if (forward) {
        for (let i = o.from ? upperBoundText(t, o.from) : 0; i < n; i++) {
          if (us[i] >= maxUs) return out;
          if (us[i] < minUs || visibleAt[i] > nowMs || (filter && !filter(readFacets(t, i, facets)))) continue;
          out.push(t, i);
          if (out.length >= o.limit) return out;
        }
      } else {
        for (let i = o.from ? lowerBoundText(t, o.from) - 1 : n - 1; i >= 0; i--) {
          if (us[i] < minUs) return out;
          if (us[i] >= maxUs || visibleAt[i] > nowMs || (filter && !filter(readFacets(t, i, facets)))) continue;
          out.push(t, i);
          if (out.length >= o.limit) return out;
        }
      }
    }
    return out;
  }

  getJson(id: string): ActivityJson | undefined {
    const dyn = this.dynamicById.get(id);
    if (dyn) return activityJson(textBucketOf([dyn]), 0);
    const us = activityIdTime(id);
    if (us === undefined) return undefined;
    const t = this.textBucket(bucketOf(us));
    const i = lowerBoundText(t, { us, id });
    return t.ids[i] === id ? activityJson(t, i) : undefined;
  }

  private addDynamic(a: SimActivity): void {
    const b = bucketOf(a.us);
    let list = this.dynamic.get(b);
    if (!list) this.dynamic.set(b, (list = []));
    // API calls arrive in time order, so this is nearly always an append
    let i = list.length;
    while (i > 0 && comparePosition(list[i - 1], a) > 0) i--;
    list.splice(i, 0, a);
    if (a.id) this.dynamicById.set(a.id, a);
    this.dynamicMinUs = Math.min(this.dynamicMinUs, a.us);
    this.dynamicMaxUs = Math.max(this.dynamicMaxUs, a.us);
  }

  recordApiAccess(e: ApiAccessEvent): SimActivity {
    const us = e.nowMs * 1000 + this.dynamicRng.int(1000);
    const id = activityId(us, this.dynamicRng);
    const record: Activity = {
      id,
      created_at: isoMicros(us),
      organization_id: null,
      organization_uuid: null,
      actor: { type: 'api_actor', api_key_id: e.apiKeyId, ip_address: e.ipAddress, user_agent: e.userAgent },
      type: 'compliance_api_accessed',
      request_id: e.requestId,
      url: e.url,
      request_method: e.method,
      status_code: e.statusCode,
      request_body: null,
    };
    const a: SimActivity = { us, id, visibleAt: e.nowMs + this.options.selfEventDelayMs, record };
    this.addDynamic(a);
    return a;
  }

  inject(records: Activity[], visibleAtMs: number): SimActivity[] {
    return records.map((record) => {
      const created = typeof record.created_at === 'string' ? parseLenient(record.created_at) : undefined;
      if (created === undefined) throw new Error(`injected activity ${String(record.id)} has no parseable created_at`);
      const a: SimActivity = { us: created, id: typeof record.id === 'string' ? record.id : '', visibleAt: visibleAtMs, record };
      this.addDynamic(a);
      return a;
    });
  }
}

/** Microseconds since the epoch from an RFC 3339 timestamp (offset optional, fraction up to 9 digits). */
export function parseLenient(s: string): number | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)?$/i.exec(s.trim());
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3] && m[3].toUpperCase() !== 'Z' ? m[3] : 'Z'}`);
  if (Number.isNaN(ms)) return undefined;
  const frac = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return ms * 1000 + Number(frac);
}

function lowerBound(items: SimActivity[], us: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid].us < us) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose position is >= p. */
function lowerBoundPosition(items: SimActivity[], p: FeedPosition): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (comparePosition(items[mid], p) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose position is > p. */
function upperBoundPosition(items: SimActivity[], p: FeedPosition): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (comparePosition(items[mid], p) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function mergeSorted(a: SimActivity[], b: SimActivity[]): SimActivity[] {
  const out: SimActivity[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = comparePosition(a[i], b[j]) <= 0 ? a[i++] : b[j++];
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out;
}
