// Helpers shared by the routes: organization resolution, page-token pages, and per-moment caches.
import type { Chat, TokenPage } from '../../../api/types.js';
import type { Tenant } from '../../model.js';
import { decodePageToken, encodePageToken } from '../cursors.js';
import { MESSAGES, permissionDenied } from '../errors.js';
import { recordTimeUs } from '../params.js';
import type { RouteContext } from '../router.js';

/** A chat with its sort keys read once. */
export interface IndexedChat {
  chat: Chat;
  createdUs: number;
  updatedUs: number;
}

/** Lists that are expensive to rebuild per request, keyed by the moment they describe. */
export class ServerCache {
  /** Organization `org_…` tagged form → bare UUID, learned from records that carry both. */
  readonly taggedToUuid = new Map<string, string>();
  private chats: { bucketMs: number; byCreated: IndexedChat[]; byUpdated?: IndexedChat[] } | undefined;

  /**
   * Chats sorted ascending by `key`, ties by id (compliance-api.md §2.3). The tenant's list is unsorted and can be
   * ~50k long, so the sorted lists are kept per second of simulated time.
   */
  sortedChats(tenant: Tenant, nowMs: number, key: 'created_at' | 'updated_at'): IndexedChat[] {
    const bucketMs = Math.floor(nowMs / 1000) * 1000;
    if (!this.chats || this.chats.bucketMs !== bucketMs) {
      const indexed = tenant.content.chats(bucketMs).map((chat) => ({
        chat,
        createdUs: recordTimeUs(chat.created_at),
        updatedUs: recordTimeUs(chat.updated_at),
      }));
      for (const c of indexed) this.learnOrganization(c.chat.organization_id, c.chat.organization_uuid);
      this.chats = { bucketMs, byCreated: indexed.sort((a, b) => a.createdUs - b.createdUs || compareIds(a.chat.id, b.chat.id)) };
    }
    if (key === 'created_at') return this.chats.byCreated;
    this.chats.byUpdated ??= [...this.chats.byCreated].sort((a, b) => a.updatedUs - b.updatedUs || compareIds(a.chat.id, b.chat.id));
    return this.chats.byUpdated;
  }

  learnOrganization(tagged: unknown, uuid: unknown): void {
    if (typeof tagged === 'string' && typeof uuid === 'string' && !this.taggedToUuid.has(tagged)) this.taggedToUuid.set(tagged, uuid);
  }
}

export const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface OrganizationFilter {
  uuids: Set<string>;
  tagged: Set<string>;
}

/**
 * `organization_ids[]` accepts the bare UUID or the `org_…` form (compliance-api.md §1.4). A value that is not one of
 * the tenant's organizations is outside the key's scope: 403 (WIRE). Returns undefined when no filter is set.
 */
export function resolveOrganizations(ctx: RouteContext, values: string[]): OrganizationFilter | undefined {
  if (values.length === 0) return undefined;
  const { tenant, nowMs, cache } = ctx;
  const orgs = tenant.directory.organizations(nowMs);
  const known = new Set(orgs.map((o) => o.uuid.toLowerCase()));
  known.add(tenant.directory.parentOrganizationUuid.toLowerCase());
  const filter: OrganizationFilter = { uuids: new Set(), tagged: new Set() };
  for (const value of values) {
    if (value.startsWith('org_')) {
      const uuid = taggedUuid(ctx, value, orgs);
      if (uuid === undefined || !known.has(uuid.toLowerCase())) throw permissionDenied(MESSAGES.foreignOrganization);
      filter.tagged.add(value);
      filter.uuids.add(uuid);
    } else {
      const org = orgs.find((o) => o.uuid.toLowerCase() === value.toLowerCase());
      const uuid = org?.uuid ?? (known.has(value.toLowerCase()) ? tenant.directory.parentOrganizationUuid : undefined);
      if (uuid === undefined) throw permissionDenied(MESSAGES.foreignOrganization);
      filter.uuids.add(uuid);
      for (const [tagged, u] of cache.taggedToUuid) if (u === uuid) filter.tagged.add(tagged);
    }
  }
  return filter;
}

const TAGGED_LOOKBACK_MS = 7 * 86_400_000;

/**
 * The directory's organization records carry only the UUID, so the `org_…` form is learned from records that
 * carry both: the organization record's own `organization_id` if present, projects, chats, then the feed.
 */
function taggedUuid(ctx: RouteContext, tagged: string, orgs: { uuid: string; [k: string]: unknown }[]): string | undefined {
  const { cache, tenant, nowMs } = ctx;
  const cached = cache.taggedToUuid.get(tagged);
  if (cached) return cached;
  for (const o of orgs) cache.learnOrganization(o.organization_id ?? o.tagged, o.uuid);
  for (const p of tenant.content.projects(nowMs)) cache.learnOrganization(p.organization_id, p.organization_uuid);
  if (cache.taggedToUuid.has(tagged)) return cache.taggedToUuid.get(tagged);
  // bounded: an unknown value must not make the feed generate years of history just to say 403
  const [hit] = tenant.feed.scan({
    direction: 'backward',
    nowMs,
    minUs: (nowMs - TAGGED_LOOKBACK_MS) * 1000,
    limit: 1,
    filter: (a) => a.record.organization_id === tagged && a.record.organization_uuid !== null,
  });
  if (hit) cache.learnOrganization(tagged, hit.record.organization_uuid);
  return cache.taggedToUuid.get(tagged);
}

export function matchesOrganization(filter: OrganizationFilter, organizationId: unknown, organizationUuid: unknown): boolean {
  return (
    (typeof organizationUuid === 'string' && filter.uuids.has(organizationUuid)) ||
    (typeof organizationId === 'string' && filter.tagged.has(organizationId))
  );
}

/**
 * One page of a page-token list. Tokens hold an offset bound to the query (cursors.ts); the simulator keeps no
 * snapshot, so a list that changes between pages shifts like a live one would.
 */
export function tokenPage<T>(ctx: RouteContext, items: readonly T[], defaultLimit: number, maxLimit: number): TokenPage<T> {
  const limit = ctx.query.limit(defaultLimit, maxLimit);
  const fingerprint = ctx.query.fingerprint(ctx.pattern + JSON.stringify(ctx.params));
  const token = ctx.query.one('page');
  const offset = token === undefined ? 0 : decodePageToken(token, fingerprint);
  const data = items.slice(offset, offset + limit);
  const end = offset + data.length;
  // faults (compliance-api.md §2.7, §7.2): an empty page whose next_page leads back to this offset, and a
  // full page that claims the end while more follow
  if (data.length > 0 && ctx.pageFault('empty-has-more')) return { data: [], has_more: true, next_page: encodePageToken(offset, fingerprint) };
  if (end < items.length && data.length >= limit && ctx.pageFault('full-no-more')) return { data, has_more: false, next_page: null };
  if (end < items.length) return { data, has_more: true, next_page: encodePageToken(end, fingerprint) };
  // fault: a terminal page that claims more; the token it hands out leads to an empty last page
  if (data.length > 0 && ctx.pageFault('phantom-has-more')) return { data, has_more: true, next_page: encodePageToken(end, fingerprint) };
  return { data, has_more: false, next_page: null };
}
