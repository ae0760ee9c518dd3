// Project collaborators: for every project whose `updated_at` falls in this run's window (all projects on a
// first run), a snapshot of who holds which role on it (compliance-api.md §2.4 #25), stamped snapshot_at.
// The grantee is a user, a group, the whole organization or an organization role (`principal_type`); its
// id goes to `principal_id` (a user's id is null once the account is deleted). Its own updated_at cursor,
// so it runs without the projects stream; the projects list of the window is read once per run and shared
// with project_attachments when their windows are the same.
import { MAX_COLLABORATOR_PAGE, type ProjectCollaborator } from '../api/index.js';
import { TABLES } from '../lake/tables.js';
import { projectIdsUpdatedIn } from './lists.js';
import { withCompactHeap } from './heap.js';
import { commitSnapshot, type SnapshotPart } from './snapshot.js';
import type { Stream, SyncContext } from './stream.js';
import { type UpdatedWindow, updatedWindow } from './updated-window.js';

export const projectCollaboratorsStream: Stream = {
  name: 'project_collaborators',
  table: TABLES.project_collaborators,
  scopes: ['read:compliance_user_data'],
  dependsOn: [],
  cursor: { kind: 'updated', timeKey: 'updated_until' },
  job: 'content',
  async run(ctx, stats) {
    const w = updatedWindow(ctx, 'project_collaborators');
    // one request per project: tens of thousands of small responses (src/extract/heap.ts)
    await withCompactHeap(() => commitSnapshot(ctx, stats, TABLES.project_collaborators, '/v1/compliance/apps/projects/{project_id}/collaborators', parts(ctx, w), 'type', w.next));
  },
};

/** The grantee's id by kind; a kind the API adds later keeps its whole record in `raw`. */
export function principalOf(c: ProjectCollaborator): string | null {
  const r = c as Record<string, unknown>;
  const id = c.type === 'user' ? r.user_id : c.type === 'group' ? r.group_id : c.type === 'organization' ? r.organization_uuid : c.type === 'organization_role' ? r.organization_role : null;
  return typeof id === 'string' ? id : null;
}

async function* parts(ctx: SyncContext, w: UpdatedWindow): AsyncGenerator<SnapshotPart<ProjectCollaborator>> {
  for (const projectId of await projectIdsUpdatedIn(ctx, w)) {
    yield {
      pages: ctx.client.projectCollaborators.pages(projectId, { limit: MAX_COLLABORATOR_PAGE }),
      parent: { kind: 'project', id: projectId, endpoint: `/v1/compliance/apps/projects/${projectId}/collaborators` },
      row: (c) => ({
        project_id: projectId,
        principal_type: c.type,
        principal_id: principalOf(c),
        role: typeof c.role === 'string' ? c.role : null,
        granted_at: typeof c.granted_at === 'string' ? c.granted_at : null,
      }),
    };
  }
}
