// Harness for the end-to-end correlation test: the real stack (simulator -> sync -> models build -> GraphQL
// over loopback HTTP with a bearer token) next to the simulator's ground truth. Times are microseconds since
// the epoch (numbers: every instant here fits in 2^53) unless a name says ms.
import { type CatalogEntry, loadCatalog } from '../../src/models/catalog.js';
import type { ActivityCursor } from '../../src/extract/activities.js';
import { type GraphqlServer, startGraphqlServer } from '../../src/graphql/server.js';
import type { Simulator } from '../../src/simulator/server/app.js';
import type { SimUser } from '../../src/simulator/tenant/directory.js';
import type { SyntheticTenant } from '../../src/simulator/tenant/index.js';
import { StateStore } from '../../src/state/index.js';
import { type Transport, control } from './sim-harness.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const DAY_US = DAY_MS * 1000;

export const usOf = (iso: string): number => {
  // Date.parse drops microseconds: add them back from the text.
  const ms = Date.parse(iso);
  const frac = /\.(\d+)/.exec(iso)?.[1] ?? '';
  const micros = frac.length > 3 ? Number(frac.slice(3, 6).padEnd(3, '0')) : 0;
  return ms * 1000 + micros;
};
export const isoOf = (us: number): string => {
  const ms = Math.floor(us / 1000);
  const micros = us - ms * 1000;
  const base = new Date(ms).toISOString();
  return micros === 0 ? base : `${base.slice(0, -1)}${String(micros).padStart(3, '0')}Z`;
};
export const usOrNull = (iso: string | null | undefined): number | null => (iso === null || iso === undefined ? null : usOf(iso));

// ---- GraphQL over loopback ----------------------------------------------------------------------

export interface GqlBody {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export interface Gql {
  url: string;
  token: string;
  /** One POST with the bearer token. */
  post(query: string, variables?: Record<string, unknown>, operationName?: string): Promise<{ status: number; body: GqlBody }>;
  /** One POST that must succeed without errors; returns `data`. */
  data(query: string, variables?: Record<string, unknown>): Promise<Record<string, any>>;
  /** Every edge of a connection, page by page with first/after to the end; `pages` counts the requests, `totalCount` is the first page's. */
  walk<T = any>(
    query: string,
    variables: Record<string, unknown>,
    select: (data: Record<string, any>) => Connection<T>,
  ): Promise<{ edges: T[]; pages: number; totalCount: number | undefined }>;
  server: GraphqlServer;
  close(): Promise<void>;
}

export interface Connection<T> {
  totalCount?: number;
  edges: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export async function startGql(dataDir: string, token: string): Promise<Gql> {
  const server = await startGraphqlServer({ dataDir, port: 0, host: '127.0.0.1', token, warehouse: { threads: 2, memoryLimit: '512MB' } });
  const post: Gql['post'] = async (query, variables = {}, operationName) => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables, ...(operationName ? { operationName } : {}) }),
    });
    return { status: res.status, body: (await res.json()) as GqlBody };
  };
  const data: Gql['data'] = async (query, variables) => {
    const { status, body } = await post(query, variables);
    if (status !== 200 || body.errors || !body.data) throw new Error(`HTTP ${status}: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
  return {
    url: server.url,
    token,
    post,
    data,
    async walk(query, variables, select) {
      const edges: any[] = [];
      let after: string | null = null;
      let totalCount: number | undefined;
      for (let pages = 1; pages <= 10_000; pages++) {
        const conn = select(await data(query, { ...variables, after }));
        if (pages === 1) totalCount = conn.totalCount;
        else if (conn.totalCount !== totalCount) throw new Error(`totalCount changed from ${totalCount} to ${conn.totalCount} on page ${pages}`);
        edges.push(...conn.edges);
        if (!conn.pageInfo.hasNextPage) return { edges, pages, totalCount };
        after = conn.pageInfo.endCursor;
      }
      throw new Error('the walk did not end');
    },
    server,
    close: () => server.close(),
  };
}

// ---- the lake's coverage ------------------------------------------------------------------------

/** The activities cursor: the lake holds every activity created before this (ms). */
export function coveredUntilMs(dataDir: string): number {
  const state = StateStore.open(dataDir, { readonly: true });
  try {
    return Date.parse(state.cursor<ActivityCursor>('activities')!.covered_until);
  } finally {
    state.close();
  }
}

// ---- ground truth -------------------------------------------------------------------------------

/** One membership interval of /_sim/truth/memberships: [fromUs, toUs), toUs null while it holds. */
export interface TruthMembership {
  groupId: string;
  userId: string;
  fromUs: number;
  toUs: number | null;
}

export async function truthMemberships(t: Transport): Promise<TruthMembership[]> {
  const json = await control(t, 'GET', '/_sim/truth/memberships');
  return (json.data as { group_id: string; user_id: string; valid_from: string; valid_to: string | null }[]).map((i) => ({
    groupId: i.group_id,
    userId: i.user_id,
    fromUs: usOf(i.valid_from),
    toUs: usOrNull(i.valid_to),
  }));
}

/** A membership holds at `us` when fromUs <= us < toUs. */
export const holdsAt = (m: { fromUs: number; toUs: number | null }, us: number): boolean => m.fromUs <= us && (m.toUs === null || us < m.toUs);

/** An activity of the truth feed, reduced to what the correlation needs. */
export interface TruthActivity {
  id: string;
  us: number;
  type: string;
  /** From the catalog; types it does not know are 'other'. */
  category: string;
  actorUserId: string | null;
  actorApiKeyId: string | null;
  /** actor.email_address as sent (unauthenticated actors have one too). */
  actorEmail: string | null;
  orgUuid: string | null;
}

export function categoryOf(catalog: readonly CatalogEntry[] = loadCatalog()): (type: string) => string {
  const byType = new Map(catalog.map((e) => [e.type, e.category as string]));
  return (type) => byType.get(type) ?? 'other';
}

/** Every activity visible at the simulator's clock with created_at < untilUs, in (created_at, id) order. */
export function truthActivities(sim: Simulator, untilUs: number): TruthActivity[] {
  const category = categoryOf();
  const found = sim.tenant.feed.scan({ direction: 'forward', nowMs: sim.clock.now(), maxUs: untilUs, limit: Number.MAX_SAFE_INTEGER });
  return found.map((a) => {
    const actor = a.record.actor as { user_id?: string | null; api_key_id?: string | null; email_address?: string | null };
    return {
      id: a.id,
      us: a.us,
      type: a.record.type,
      category: category(a.record.type),
      actorUserId: typeof actor.user_id === 'string' ? actor.user_id : null,
      actorApiKeyId: typeof actor.api_key_id === 'string' ? actor.api_key_id : null,
      actorEmail: typeof actor.email_address === 'string' ? actor.email_address : null,
      orgUuid: a.record.organization_uuid ?? null,
    };
  });
}

/** A tenant user's state at an instant (ms): null when not a member of their organization then. */
export function userAt(tenant: SyntheticTenant, u: SimUser, ms: number): { email: string; role: string } | null {
  if (!(u.joinedMs <= ms && ms < u.leftMs)) return null;
  return { email: u.email, role: tenant.timeline.roleAt(u, ms) };
}

// ---- the headline question by brute force --------------------------------------------------------

export interface RecentMemberQuery {
  groupId: string;
  addedWithinDays: number;
  /** Inclusive (µs). */
  sinceUs?: number;
  /** Exclusive (µs). */
  untilUs?: number;
}

export interface RecentMemberHit {
  activity: TruthActivity;
  membership: TruthMembership;
}

/**
 * adminActionsByRecentGroupMembers from the truth: every admin activity (catalog category) in [since, until)
 * whose actor held a membership m of the group at created_at (m.from <= created_at < m.to) that began at most
 * addedWithinDays × 24 h before it (created_at - m.from <= N days). Newest first, ties by id descending.
 */
export function bruteForceRecentMembers(activities: readonly TruthActivity[], memberships: readonly TruthMembership[], q: RecentMemberQuery): RecentMemberHit[] {
  const byUser = new Map<string, TruthMembership[]>();
  for (const m of memberships) {
    if (m.groupId !== q.groupId) continue;
    const list = byUser.get(m.userId) ?? [];
    list.push(m);
    byUser.set(m.userId, list);
  }
  const hits: RecentMemberHit[] = [];
  for (const a of activities) {
    if (a.category !== 'admin' || a.actorUserId === null) continue;
    if (q.sinceUs !== undefined && a.us < q.sinceUs) continue;
    if (q.untilUs !== undefined && a.us >= q.untilUs) continue;
    const m = byUser.get(a.actorUserId)?.find((x) => holdsAt(x, a.us));
    if (m && a.us - m.fromUs <= q.addedWithinDays * DAY_US) hits.push({ activity: a, membership: m });
  }
  return hits.sort((x, y) => y.activity.us - x.activity.us || (x.activity.id < y.activity.id ? 1 : x.activity.id > y.activity.id ? -1 : 0));
}

// ---- the model's memberships --------------------------------------------------------------------

/** A row of marts.group_memberships, times in µs. */
export interface ModelMembership {
  group_id: string;
  user_id: string;
  valid_from: number | null;
  valid_to: number | null;
  valid_to_earliest: number | null;
  valid_to_latest: number | null;
  valid_from_source: string;
  valid_to_source: string | null;
}

export const MODEL_MEMBERSHIPS_SQL = `select group_id, user_id, epoch_us(valid_from) as valid_from, epoch_us(valid_to) as valid_to,
       epoch_us(valid_to_earliest) as valid_to_earliest, epoch_us(valid_to_latest) as valid_to_latest,
       valid_from_source, valid_to_source
from marts.group_memberships`;

// ---- what the lake can know of a true membership ---------------------------------------------------

/** The instants (µs) of the feed's group_member_added / _removed events, by `type|group|user|ms`. */
export function membershipEvents(sim: Simulator, nowMs: number): Map<string, number> {
  const found = sim.tenant.feed.scan({
    direction: 'forward',
    nowMs,
    limit: Number.MAX_SAFE_INTEGER,
    filter: (a) => a.record.type === 'group_member_added' || a.record.type === 'group_member_removed',
  });
  const out = new Map<string, number>();
  for (const a of found) {
    for (const userId of a.record.member_ids as string[]) out.set(`${a.record.type}|${String(a.record.group_id)}|${userId}|${Math.floor(a.us / 1000)}`, a.us);
  }
  return out;
}

/**
 * What the lake can know of one true membership, from the truth, the sync schedule and the feed alone (never
 * from the model), following schema/models.md:
 * - start: the membership's created_at (the directory's millisecond) when a snapshot listed it; else the
 *   instant of its group_member_added event when the lake holds it (µs: within the truth's millisecond);
 *   else unknown (began before the history, gone before the first snapshot);
 * - end: the instant of its group_member_removed event when the lake holds it; else, when it ended, only
 *   snapshots bound it: after the last snapshot that listed it (or its start), at or before the first
 *   snapshot that did not (valid_to is that snapshot's time).
 */
export interface LakeView {
  visible: boolean;
  from: number | null;
  fromSource: 'created_at' | 'event' | 'unknown';
  to: number | null;
  toSource: 'event' | 'snapshot' | null;
  /** For a snapshot end: the true end lies in (toEarliest, toLatest]. */
  toEarliest: number | null;
  toLatest: number | null;
}

export interface LakeSchedule {
  epochUs: number;
  coveredUs: number;
  /** The simulator's clock at each group_members snapshot (what it listed). */
  snapshotsMs: readonly number[];
  /** The snapshot_at each of them carries in the lake (µs; the sync keeps stamps unique and ordered). */
  stampsUs: readonly number[];
  events: Map<string, number>;
}

export function lakeView(m: TruthMembership, s: LakeSchedule): LakeView {
  const snaps = s.snapshotsMs.map((x) => x * 1000);
  const listedBy = snaps.map((x, i) => (holdsAt(m, x) ? s.stampsUs[i] : null)).filter((x): x is number => x !== null);
  const startInFeed = m.fromUs >= s.epochUs && m.fromUs < s.coveredUs;
  const endInFeed = m.toUs !== null && m.toUs < s.coveredUs;
  const event = (type: string, us: number) => s.events.get(`${type}|${m.groupId}|${m.userId}|${Math.floor(us / 1000)}`);
  const view: LakeView = {
    visible: listedBy.length > 0 || startInFeed || endInFeed,
    from: null,
    fromSource: 'unknown',
    to: null,
    toSource: null,
    toEarliest: null,
    toLatest: null,
  };
  if (listedBy.length > 0) {
    view.from = m.fromUs;
    view.fromSource = 'created_at';
  } else if (startInFeed) {
    view.from = event('group_member_added', m.fromUs) ?? null;
    view.fromSource = 'event';
  }
  if (m.toUs === null) return view;
  if (endInFeed) {
    view.to = event('group_member_removed', m.toUs) ?? null;
    view.toSource = 'event';
    view.toEarliest = view.to;
    view.toLatest = view.to;
  } else {
    const i = snaps.findIndex((x) => x >= m.toUs!);
    const missing = i < 0 ? undefined : s.stampsUs[i];
    view.to = missing ?? null;
    view.toSource = 'snapshot';
    view.toEarliest = Math.max(view.from ?? -Infinity, ...listedBy);
    view.toLatest = missing ?? null;
  }
  return view;
}

/** Why the lake cannot decide exactly whether an activity at `us` falls in the membership (and within N days). */
export type Doubt = 'snapshot-end' | 'unknown-start' | 'sub-ms-start' | 'sub-ms-end' | 'sub-ms-window';

/** Slack after a snapshot's time for its completion (valid_to_latest adds the snapshot's duration). */
export const SNAPSHOT_SLACK_US = 60_000_000;

/**
 * The lake's doubt about an activity at `us` in membership `m`, for "added within `days`" (Infinity: any
 * member; `needStart` false: membership alone, no recency):
 * - snapshot-end: inside [last evidence, first snapshot that missed it (+ its duration)];
 * - unknown-start: the truth says a recent member, the lake cannot know when they were added;
 * - sub-ms-*: the truth's millisecond and the event's microsecond put it on different sides of a bound
 *   (a start, an end, or the N-day edge).
 */
export function doubtAt(m: TruthMembership, v: LakeView, us: number, days: number, needStart = true): Doubt | undefined {
  const between = (a: number, b: number) => Math.min(a, b) <= us && us < Math.max(a, b);
  if (v.toSource === 'snapshot' && v.toEarliest !== null && us >= v.toEarliest && (v.toLatest === null || us <= v.toLatest + SNAPSHOT_SLACK_US)) return 'snapshot-end';
  if (needStart && v.fromSource === 'unknown' && holdsAt(m, us) && us - m.fromUs <= days * DAY_US) return 'unknown-start';
  if (v.from !== null && v.from !== m.fromUs) {
    if (between(m.fromUs, v.from)) return 'sub-ms-start';
    const edge = days * DAY_US;
    if (Number.isFinite(edge) && Math.min(m.fromUs, v.from) + edge < us && us <= Math.max(m.fromUs, v.from) + edge) return 'sub-ms-window';
  }
  if (v.toSource === 'event' && v.to !== null && m.toUs !== null && v.to !== m.toUs && between(m.toUs, v.to)) return 'sub-ms-end';
  return undefined;
}
