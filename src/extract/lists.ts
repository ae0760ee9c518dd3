// Lists several streams need (organizations, each organization's roles, groups), read once per run; the
// pages are kept so the stream that stores them still records their request ids. The ids of the projects
// updated in a window are kept for project_attachments and project_collaborators.
import { type Group, MAX_PROJECT_PAGE, type Organization, type PageOf, type Project, type Role } from '../api/index.js';
import { cachedPages } from './snapshot.js';
import type { SyncContext } from './stream.js';
import type { UpdatedWindow } from './updated-window.js';

export function organizationPages(ctx: SyncContext): Promise<PageOf<Organization>[]> {
  return cachedPages(ctx, 'organizations', () => ctx.client.organizations.pages({ limit: 1000 }));
}

export function rolePages(ctx: SyncContext, orgUuid: string): Promise<PageOf<Role>[]> {
  return cachedPages(ctx, `roles:${orgUuid}`, () => ctx.client.roles.pages(orgUuid, { limit: 1000 }));
}

export function groupPages(ctx: SyncContext): Promise<PageOf<Group>[]> {
  return cachedPages(ctx, 'groups', () => ctx.client.groups.pages({ limit: 1000 }));
}

export async function organizationList(ctx: SyncContext): Promise<Organization[]> {
  return (await organizationPages(ctx)).flatMap((p) => p.data);
}

export async function roleList(ctx: SyncContext, orgUuid: string): Promise<Role[]> {
  return (await rolePages(ctx, orgUuid)).flatMap((p) => p.data);
}

export async function groupList(ctx: SyncContext): Promise<Group[]> {
  return (await groupPages(ctx)).flatMap((p) => p.data);
}

/**
 * The ids of the projects updated in the window, in list order. The list is read once per run and window:
 * project_attachments and project_collaborators share it (their windows are the same on every first run and
 * whenever both ran last time together).
 */
export async function projectIdsUpdatedIn(ctx: SyncContext, w: UpdatedWindow): Promise<string[]> {
  const query = { ...(w.fromIso ? { 'updated_at.gte': w.fromIso } : {}), 'updated_at.lt': w.toIso, limit: MAX_PROJECT_PAGE };
  // only the ids are kept between the two streams (20 000 projects' records would hold tens of MB for the run)
  const key = `project ids ${JSON.stringify(query)}`;
  const hit = ctx.cache.get(key) as string[] | undefined;
  if (hit) return hit;
  const ids = new Set<string>();
  for await (const page of ctx.client.projects.pages(query)) for (const p of page.data as Project[]) if (typeof p?.id === 'string') ids.add(p.id);
  const list = [...ids];
  ctx.cache.set(key, list);
  return list;
}
