// Lists several streams need (organizations, each organization's roles, groups), read once per run; the
// pages are kept so the stream that stores them still records their request ids.
import type { Group, Organization, PageOf, Role } from '../api/index.js';
import { cachedPages } from './snapshot.js';
import type { SyncContext } from './stream.js';

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
