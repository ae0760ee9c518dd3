// Code Artifacts: the list (sorted by id, pages that can be short or empty while `next_page` is set) and version
// downloads (503 while an upload is in flight) (compliance-api.md §2.7).
import {
  DEFAULT_CODE_ARTIFACT_PAGE,
  MAX_APPS_ORGANIZATION_IDS,
  MAX_CODE_ARTIFACT_PAGE,
  MAX_CODE_ARTIFACT_USER_IDS,
} from '../../../api/limits.js';
import { decodePageToken, encodePageToken } from '../cursors.js';
import { ApiError, MESSAGES, invalidRequest, notFound } from '../errors.js';
import { inRange, recordTimeUs } from '../params.js';
import type { RouteContext, RouteResult } from '../router.js';
import { streamStored } from './downloads.js';
import { matchesOrganization, resolveOrganizations } from './shared.js';

const LIST_PARAMS: ReadonlySet<string> = new Set([
  'organization_ids[]',
  'user_ids[]',
  ...['gte', 'gt', 'lte', 'lt'].map((op) => `updated_at.${op}`),
  'limit',
  'page',
]);

/**
 * A page is `limit` artifacts of the id-sorted index, filtered afterwards: so pages are short or empty while
 * `next_page` is set, and `has_more` (documented as "whether next_page is set") is false on an empty page.
 * Artifacts with `updated_at: null` never match an `updated_at` filter (compliance-api.md §2.7).
 */
export function listCodeArtifacts(ctx: RouteContext): RouteResult {
  const { query } = ctx;
  query.allowOnly(LIST_PARAMS);
  const limit = query.limit(DEFAULT_CODE_ARTIFACT_PAGE, MAX_CODE_ARTIFACT_PAGE);
  const userIds = query.list('user_ids[]');
  const orgIds = query.list('organization_ids[]');
  if (userIds.length > MAX_CODE_ARTIFACT_USER_IDS) {
    throw invalidRequest(`\`user_ids[]\` accepts at most ${MAX_CODE_ARTIFACT_USER_IDS} values. Got ${userIds.length}.`);
  }
  if (orgIds.length > MAX_APPS_ORGANIZATION_IDS) {
    throw invalidRequest(`\`organization_ids[]\` accepts at most ${MAX_APPS_ORGANIZATION_IDS} values. Got ${orgIds.length}.`);
  }
  const range = query.timeRange('updated_at');
  const filtered = query.hasAny('updated_at');
  const orgs = resolveOrganizations(ctx, orgIds);
  const users = new Set(userIds);
  const fingerprint = query.fingerprint(ctx.pattern);
  const token = query.one('page');
  const offset = token === undefined ? 0 : decodePageToken(token, fingerprint);
  const all = ctx.tenant.content.codeArtifacts(ctx.nowMs);
  const window = all.slice(offset, offset + limit);
  const data = window.filter(
    (a) =>
      (users.size === 0 || (a.owner_user_id !== null && users.has(a.owner_user_id))) &&
      (!orgs || matchesOrganization(orgs, undefined, a.organization_uuid)) &&
      (!filtered || (a.updated_at !== null && inRange(recordTimeUs(a.updated_at), range))),
  );
  const end = offset + window.length;
  const next = end < all.length ? encodePageToken(end, fingerprint) : null;
  return { body: { data, has_more: next !== null && data.length > 0, next_page: next } };
}

export function getCodeArtifactVersion(ctx: RouteContext): RouteResult {
  ctx.query.allowOnly(new Set());
  const { artifact_id: artifactId, version_id: versionId } = ctx.params;
  if (!ctx.tenant.content.codeArtifacts(ctx.nowMs).some((a) => a.id === artifactId)) throw notFound(MESSAGES.codeArtifactNotFound);
  const found = ctx.tenant.content.codeArtifactVersion(artifactId, versionId, ctx.nowMs);
  if (!found) throw notFound(MESSAGES.codeArtifactVersionNotFound);
  if (found.state === 'uploading') throw new ApiError(503, 'overloaded_error', MESSAGES.codeArtifactUploading);
  return streamStored(ctx, found.stored);
}
