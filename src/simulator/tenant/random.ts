// Seeded randomness and identifiers: the same seed always yields the same tenant, bucket by bucket.

/** 32-bit mix of several integers (murmur3 finaliser); seeds per-bucket and per-entity generators. */
export function hash32(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    let k = Math.imul((p | 0) ^ Math.floor(p / 0x1_0000_0000), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return hash32(h);
}

/** mulberry32: small, fast, good enough for synthetic data. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  between(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  /** Index drawn by weight from a cumulative-weight table. */
  weighted(cumulative: Float64Array): number {
    const x = this.next() * cumulative[cumulative.length - 1];
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
  /** Poisson draw (normal approximation above 30, Knuth below). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 30) {
      const u = 1 - this.next();
      const v = this.next();
      const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      return Math.max(0, Math.round(mean + z * Math.sqrt(mean)));
    }
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }
}

// Base58 (Bitcoin alphabet) is in ASCII order, so fixed-width base58 strings sort like the numbers
// they encode: ids that start with an encoded timestamp sort by time.
export const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const BASE58_INDEX = new Map([...BASE58].map((c, i) => [c, i]));

export function base58Fixed(value: number, width: number): string {
  let out = '';
  let v = Math.floor(value);
  for (let i = 0; i < width; i++) {
    out = BASE58[v % 58] + out;
    v = Math.floor(v / 58);
  }
  return out;
}

export function decodeBase58(s: string): number | undefined {
  let v = 0;
  for (const c of s) {
    const d = BASE58_INDEX.get(c);
    if (d === undefined) return undefined;
    v = v * 58 + d;
  }
  return v;
}

export function randomBase58(rng: Rng, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) out += BASE58[Math.floor(rng.next() * 58)];
  return out;
}

/** `<prefix>_01` + 22 base58 chars, as in the reference's examples (`activity_01XyDMpzjS89pFZXqSFUBDr6`). */
export function entityId(prefix: string, rng: Rng): string {
  return `${prefix}_01${randomBase58(rng, 22)}`;
}

const TIME_WIDTH = 9; // 58^9 > 2^52: enough for microseconds since the epoch

/** Activity ids carry their created_at (microseconds) in the first 9 chars, so `get(id)` is cheap. */
export function activityId(us: number, rng: Rng): string {
  // Built from character codes in one call, so the id is a flat string: thousands are made and
  // serialised per page, and concatenated (cons) strings make JSON.stringify markedly slower.
  const codes = ID_CODES;
  let v = Math.floor(us);
  for (let i = TIME_WIDTH - 1; i >= 0; i--) {
    codes[ID_PREFIX.length + i] = BASE58_CODES[v % 58];
    v = Math.floor(v / 58);
  }
  for (let i = ID_PREFIX.length + TIME_WIDTH; i < codes.length; i++) codes[i] = BASE58_CODES[Math.floor(rng.next() * 58)];
  return String.fromCharCode.apply(null, codes);
}

const ID_PREFIX = 'activity_01';
const BASE58_CODES = [...BASE58].map((c) => c.charCodeAt(0));
const ID_CODES: number[] = [...ID_PREFIX].map((c) => c.charCodeAt(0)).concat(new Array<number>(22).fill(0));

export function activityIdTime(id: string): number | undefined {
  if (!id.startsWith('activity_01') || id.length !== 33) return undefined;
  return decodeBase58(id.slice(11, 11 + TIME_WIDTH));
}

/** A v4-shaped UUID from the generator. */
export function uuid(rng: Rng): string {
  const hex = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += Math.floor(rng.next() * 16).toString(16);
    return s;
  };
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[rng.int(4)]}${hex(3)}-${hex(12)}`;
}

export function md5Like(rng: Rng): string {
  let s = '';
  for (let i = 0; i < 32; i++) s += Math.floor(rng.next() * 16).toString(16);
  return s;
}
