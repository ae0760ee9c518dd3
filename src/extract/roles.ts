// Roles: a snapshot of every organization's RBAC roles.
import type { Role } from '../api/index.js';
import { TABLES } from '../lake/tables.js';
import { organizationList, rolePages } from './lists.js';
import { commitSnapshot } from './snapshot.js';
import type { Stream } from './stream.js';

export const rolesStream: Stream = {
  name: 'roles',
  table: TABLES.roles,
  scopes: ['read:compliance_org_data'],
  dependsOn: ['organizations'],
  cursor: { kind: 'snapshot', timeKey: 'snapshot_at' },
  job: 'directory',
  async run(ctx, stats) {
    const orgs = await organizationList(ctx);
    const parts = [];
    for (const org of orgs) {
      parts.push({
        pages: await rolePages(ctx, org.uuid),
        row: (r: Role) => ({
          organization_uuid: org.uuid,
          id: r.id,
          name: r.name ?? null,
          description: r.description ?? null,
          created_at: r.created_at ?? null,
          updated_at: r.updated_at ?? null,
        }),
      });
    }
    await commitSnapshot(ctx, stats, TABLES.roles, '/v1/compliance/organizations/{org_uuid}/roles', parts, 'id');
  },
};
