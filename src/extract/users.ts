// Users: a snapshot of every organization's current members (a removed user simply disappears).
import type { OrganizationUser } from '../api/index.js';
import { TABLES } from '../lake/tables.js';
import { organizationList } from './lists.js';
import { commitSnapshot } from './snapshot.js';
import type { Stream } from './stream.js';

export const usersStream: Stream = {
  name: 'users',
  table: TABLES.users,
  // the organizations are listed first (org data), then each one's users (user data)
  scopes: ['read:compliance_org_data', 'read:compliance_user_data'],
  dependsOn: ['organizations'],
  cursor: { kind: 'snapshot', timeKey: 'snapshot_at' },
  job: 'directory',
  async run(ctx, stats) {
    const orgs = await organizationList(ctx);
    const parts = orgs.map((org) => ({
      pages: ctx.client.users.pages(org.uuid, { limit: 1000 }),
      row: (u: OrganizationUser) => ({
        organization_uuid: org.uuid,
        id: u.id,
        email: u.email ?? null,
        full_name: u.full_name ?? null,
        organization_role: u.organization_role ?? null,
        created_at: u.created_at ?? null,
      }),
    }));
    await commitSnapshot(ctx, stats, TABLES.users, '/v1/compliance/organizations/{org_uuid}/users', parts, 'id');
  },
};
