// Groups: a snapshot of the tenant's groups (direct and SCIM), with their role ids.
import type { Group } from '../api/index.js';
import { TABLES } from '../lake/tables.js';
import { groupPages } from './lists.js';
import { commitSnapshot } from './snapshot.js';
import type { Stream } from './stream.js';

export const groupsStream: Stream = {
  name: 'groups',
  table: TABLES.groups,
  scopes: ['read:compliance_org_data'],
  dependsOn: [],
  cursor: { kind: 'snapshot', timeKey: 'snapshot_at' },
  job: 'directory',
  async run(ctx, stats) {
    const part = {
      pages: await groupPages(ctx),
      row: (g: Group) => ({
        id: g.id,
        name: g.name ?? null,
        description: g.description ?? null,
        source_type: g.source_type ?? null,
        roles: g.roles ?? null,
        created_at: g.created_at ?? null,
        updated_at: g.updated_at ?? null,
      }),
    };
    await commitSnapshot(ctx, stats, TABLES.groups, '/v1/compliance/groups', [part], 'id');
  },
};
