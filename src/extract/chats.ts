// Chats: organization-wide chat metadata, incremental by `updated_at` (order_by=updated_at, reference
// §2.3). Primary key (id, updated_at): a chat seen again with a newer updated_at is a new version.
// Partition: UTC day of updated_at. Metadata only; messages are not read here.
import { MAX_CHAT_PAGE, type Chat } from '../api/index.js';
import { TABLES } from '../lake/tables.js';
import { BadRecordError, type Stream, commitBatch, committedKeys, newWriter, sixDigits, wire } from './stream.js';
import { updatedWindow } from './updated-window.js';

const ENDPOINT = '/v1/compliance/apps/chats';

export const chatsStream: Stream = {
  name: 'chats',
  table: TABLES.chats,
  scopes: ['read:compliance_user_data'],
  dependsOn: [],
  cursor: { kind: 'updated', timeKey: 'updated_until' },
  job: 'content',
  async run(ctx, stats) {
    const w = updatedWindow(ctx, 'chats');
    const query = {
      order_by: 'updated_at' as const,
      ...(w.fromIso ? { 'updated_at.gte': w.fromIso } : {}),
      'updated_at.lt': w.toIso,
      limit: MAX_CHAT_PAGE,
    };
    const existing = w.fromIso ? await committedKeys(ctx, TABLES.chats, w.fromIso, w.toIso) : new Set<string>();
    const writer = newWriter(ctx, TABLES.chats, ENDPOINT, wire(query), 'updated');
    // Keys of this page and the previous one only: in a walk ordered by updated_at a record comes back at a page
    // boundary (the cursor's own record), not pages later; staging deduplicates anything else on (id, updated_at)
    // (stg_compliance__chats.sql). Every key of 200 000 chats held about 35 MB of heap through the walk
    // (BENCHMARKS.md, "A full sync of every stream on a large tenant").
    let previous = new Set<string>();
    let seen = new Set<string>();
    let pages = 0;
    try {
      for await (const page of ctx.client.chats.pages(query)) {
        pages++;
        previous = seen;
        seen = new Set<string>();
        stats.recordsRead += page.data.length;
        for (const chat of page.data as Chat[]) {
          if (typeof chat?.id !== 'string' || typeof chat.updated_at !== 'string') {
            throw new BadRecordError(`a chat without \`id\` or \`updated_at\` (request ${page.requestId ?? 'unknown'})`, page);
          }
          const key = `${chat.id}\u0001${sixDigits(chat.updated_at)}`;
          if (seen.has(key) || previous.has(key) || existing.has(key)) continue;
          seen.add(key);
          writer.add(
            {
              id: chat.id,
              updated_at: chat.updated_at,
              created_at: chat.created_at ?? null,
              deleted_at: chat.deleted_at ?? null,
              name: chat.name ?? null,
              model: chat.model ?? null,
              organization_uuid: chat.organization_uuid ?? null,
              organization_id: chat.organization_id ?? null,
              project_id: chat.project_id ?? null,
              user_id: chat.user?.id ?? null,
              user_email: chat.user?.email_address ?? null,
              raw: chat,
            },
            chat.updated_at.slice(0, 10),
            page.requestId,
          );
          stats.newRecords++;
        }
        ctx.onProgress('chats', pages, stats.recordsRead);
      }
    } catch (err) {
      writer.discard();
      throw err;
    }
    await commitBatch(ctx, 'chats', writer, { cursor: w.next }, stats);
  },
};
