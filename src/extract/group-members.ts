// Group members: a snapshot of every group's current members, with each membership's created_at.
import type { GroupMember } from '../api/index.js';
import { TABLES } from '../lake/tables.js';
import { groupList } from './lists.js';
import { commitSnapshot, type SnapshotPart } from './snapshot.js';
import type { Stream, SyncContext } from './stream.js';

export const groupMembersStream: Stream = {
  name: 'group_members',
  table: TABLES.group_members,
  // the groups are listed first (org data), then each one's members (user data)
  scopes: ['read:compliance_org_data', 'read:compliance_user_data'],
  dependsOn: ['groups'],
  cursor: { kind: 'snapshot', timeKey: 'snapshot_at' },
  job: 'directory',
  async run(ctx, stats) {
    await commitSnapshot(ctx, stats, TABLES.group_members, '/v1/compliance/groups/{group_id}/members', parts(ctx), 'user_id');
  },
};

async function* parts(ctx: SyncContext): AsyncGenerator<SnapshotPart<GroupMember>> {
  for (const group of await groupList(ctx)) {
    yield {
      pages: ctx.client.groupMembers.pages(group.id, { limit: 1000 }),
      parent: { kind: 'group', id: group.id, endpoint: `/v1/compliance/groups/${group.id}/members` },
      row: (m) => ({
        group_id: group.id,
        user_id: m.user_id,
        email: m.email ?? null,
        created_at: m.created_at ?? null,
        updated_at: m.updated_at ?? null,
      }),
    };
  }
}
