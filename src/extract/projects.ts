// Projects: project metadata, incremental by `updated_at` (compliance-api.md §2.4: page tokens, sorted by
// created_at, filterable by updated_at). Primary key (id, updated_at); partition: UTC day of updated_at.
import { MAX_PROJECT_PAGE, type Project } from '../api/index.js';
import { TABLES } from '../lake/tables.js';
import { BadRecordError, type Stream, commitBatch, committedKeys, newWriter, sixDigits, wire } from './stream.js';
import { updatedWindow } from './updated-window.js';

const ENDPOINT = '/v1/compliance/apps/projects';

export const projectsStream: Stream = {
  name: 'projects',
  table: TABLES.projects,
  scopes: ['read:compliance_user_data'],
  dependsOn: [],
  cursor: { kind: 'updated', timeKey: 'updated_until' },
  job: 'content',
  async run(ctx, stats) {
    const w = updatedWindow(ctx, 'projects');
    const query = { ...(w.fromIso ? { 'updated_at.gte': w.fromIso } : {}), 'updated_at.lt': w.toIso, limit: MAX_PROJECT_PAGE };
    const existing = w.fromIso ? await committedKeys(ctx, TABLES.projects, w.fromIso, w.toIso) : new Set<string>();
    const writer = newWriter(ctx, TABLES.projects, ENDPOINT, wire(query), 'updated');
    const seen = new Set<string>();
    let pages = 0;
    try {
      for await (const page of ctx.client.projects.pages(query)) {
        pages++;
        stats.recordsRead += page.data.length;
        for (const p of page.data as Project[]) {
          if (typeof p?.id !== 'string' || typeof p.updated_at !== 'string') {
            throw new BadRecordError(`a project without \`id\` or \`updated_at\` (request ${page.requestId ?? 'unknown'})`, page);
          }
          const key = `${p.id}\u0001${sixDigits(p.updated_at)}`;
          if (seen.has(key) || existing.has(key)) continue;
          seen.add(key);
          writer.add(
            {
              id: p.id,
              updated_at: p.updated_at,
              created_at: p.created_at ?? null,
              deleted_at: p.deleted_at ?? null,
              name: p.name ?? null,
              is_private: typeof p.is_private === 'boolean' ? p.is_private : null,
              organization_uuid: p.organization_uuid ?? null,
              organization_id: p.organization_id ?? null,
              user_id: p.user?.id ?? null,
              user_email: p.user?.email_address ?? null,
              raw: p,
            },
            p.updated_at.slice(0, 10),
            page.requestId,
          );
          stats.newRecords++;
        }
        ctx.onProgress('projects', pages, stats.recordsRead);
      }
    } catch (err) {
      writer.discard();
      throw err;
    }
    await commitBatch(ctx, 'projects', writer, { cursor: w.next }, stats);
  },
};
