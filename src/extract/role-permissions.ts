// Role permissions: a snapshot of the permissions of every role of every organization.
import type { RolePermission } from '../api/index.js';
import { TABLES } from '../lake/tables.js';
import { organizationList, roleList } from './lists.js';
import { commitSnapshot, type SnapshotPart } from './snapshot.js';
import type { Stream, SyncContext } from './stream.js';

export const rolePermissionsStream: Stream = {
  name: 'role_permissions',
  table: TABLES.role_permissions,
  scopes: ['read:compliance_org_data'],
  dependsOn: ['organizations', 'roles'],
  cursor: { kind: 'snapshot', timeKey: 'snapshot_at' },
  job: 'directory',
  async run(ctx, stats) {
    await commitSnapshot(ctx, stats, TABLES.role_permissions, '/v1/compliance/organizations/{org_uuid}/roles/{role_id}/permissions', parts(ctx), 'action');
  },
};

async function* parts(ctx: SyncContext): AsyncGenerator<SnapshotPart<RolePermission>> {
  for (const org of await organizationList(ctx)) {
    for (const role of await roleList(ctx, org.uuid)) {
      yield {
        pages: ctx.client.rolePermissions.pages(org.uuid, role.id, { limit: 1000 }),
        parent: { kind: 'role', id: role.id, endpoint: `/v1/compliance/organizations/${org.uuid}/roles/${role.id}/permissions` },
        row: (p) => ({
          organization_uuid: org.uuid,
          role_id: role.id,
          action: p.action,
          resource_type: p.resource_type ?? null,
          resource_id: p.resource_id ?? null,
        }),
      };
    }
  }
}
