// Project attachments: for every project whose `updated_at` falls in this run's window (all projects on a
// first run), a snapshot of its attachments' metadata (files and docs; no content), stamped snapshot_at.
// Its own updated_at cursor, so it can run without the projects stream.
import { MAX_PROJECT_PAGE, type ProjectAttachment } from '../api/index.js';
import { TABLES } from '../lake/tables.js';
import { withCompactHeap } from './heap.js';
import { commitSnapshot, type SnapshotPart } from './snapshot.js';
import { projectIdsUpdatedIn } from './lists.js';
import type { Stream, SyncContext } from './stream.js';
import { type UpdatedWindow, updatedWindow } from './updated-window.js';

export const projectAttachmentsStream: Stream = {
  name: 'project_attachments',
  table: TABLES.project_attachments,
  scopes: ['read:compliance_user_data'],
  dependsOn: [],
  cursor: { kind: 'updated', timeKey: 'updated_until' },
  job: 'content',
  async run(ctx, stats) {
    const w = updatedWindow(ctx, 'project_attachments');
    // one request per project: tens of thousands of small responses (src/extract/heap.ts)
    await withCompactHeap(() => commitSnapshot(ctx, stats, TABLES.project_attachments, '/v1/compliance/apps/projects/{project_id}/attachments', parts(ctx, w), 'id', w.next));
  },
};

async function* parts(ctx: SyncContext, w: UpdatedWindow): AsyncGenerator<SnapshotPart<ProjectAttachment>> {
  for (const projectId of await projectIdsUpdatedIn(ctx, w)) {
    yield {
      pages: ctx.client.projectAttachments.pages(projectId, { limit: MAX_PROJECT_PAGE }),
      parent: { kind: 'project', id: projectId, endpoint: `/v1/compliance/apps/projects/${projectId}/attachments` },
      row: (a) => ({
        project_id: projectId,
        id: a.id,
        type: a.type ?? null,
        filename: (a.filename as string | undefined) ?? null,
        mime_type: (a.mime_type as string | undefined) ?? null,
        md5: (a.md5 as string | undefined) ?? null,
        size_bytes: typeof a.size_bytes === 'number' ? a.size_bytes : null,
        created_at: (a.created_at as string | undefined) ?? null,
        updated_at: (a.updated_at as string | undefined) ?? null,
      }),
    };
  }
}
