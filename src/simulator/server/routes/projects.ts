// Project collaborators and project documents (compliance-api.md §2.4 #25–#27).
import { DEFAULT_COLLABORATOR_PAGE, MAX_COLLABORATOR_PAGE } from '../../../api/limits.js';
import { MESSAGES, notFound } from '../errors.js';
import type { RouteContext, RouteResult } from '../router.js';
import { tokenPage } from './shared.js';

const NONE: ReadonlySet<string> = new Set();
const PAGED: ReadonlySet<string> = new Set(['limit', 'page']);

/** Page tokens, 20/100, sorted by granted_at then role assignment (the tenant sorts). */
export function listProjectCollaborators(ctx: RouteContext): RouteResult {
  ctx.query.allowOnly(PAGED);
  ctx.query.limit(DEFAULT_COLLABORATOR_PAGE, MAX_COLLABORATOR_PAGE);
  const items = ctx.tenant.content.projectCollaborators(ctx.params.project_id, ctx.nowMs);
  if (!items) throw notFound(MESSAGES.projectNotFound);
  return { body: tokenPage(ctx, items, DEFAULT_COLLABORATOR_PAGE, MAX_COLLABORATOR_PAGE) };
}

export function getProjectDocument(ctx: RouteContext): RouteResult {
  ctx.query.allowOnly(NONE);
  const found = ctx.tenant.content.projectDocument(ctx.params.document_id, ctx.nowMs);
  if (!found) throw notFound(MESSAGES.projectDocumentNotFound);
  return { body: found.document };
}

export function getProjectDocumentMetadata(ctx: RouteContext): RouteResult {
  ctx.query.allowOnly(NONE);
  const found = ctx.tenant.content.projectDocument(ctx.params.document_id, ctx.nowMs);
  if (!found) throw notFound(MESSAGES.projectDocumentNotFound);
  return { body: found.metadata };
}
