// Directory snapshots: the directory endpoints show only the current state, so each run reads a stream's
// whole list and commits it as one snapshot stamped `snapshot_at` (the server's clock when the snapshot
// began). A snapshot is all or nothing: if any page fails, nothing of it is committed. One exception: an
// entity listed and then deleted before its child call (a 404 on its members, permissions or attachments)
// is recorded as a `vanished` coverage event and the snapshot completes without its children.
import { NotFoundError, type PageOf } from '../api/index.js';
import type { CoverageEvent } from '../lake/manifest.js';
import type { TableSpec } from '../lake/tables.js';
import { BadRecordError, type StreamStats, type SyncContext, commitBatch, isoMicros, newWriter } from './stream.js';

export interface SnapshotPart<T> {
  /** The pages of one list (one organization's users, one group's members, ...). */
  pages: AsyncIterable<PageOf<T>> | Iterable<PageOf<T>>;
  /** The row for one record; the writer adds provenance. */
  row(record: T): Record<string, unknown>;
  /** The listed entity whose children these pages are: a 404 means it was deleted since it was listed. */
  parent?: { kind: 'group' | 'role' | 'project'; id: string; endpoint: string };
}

export interface SnapshotCursor {
  snapshot_at: string;
  rows: number;
}

/** Reads every part completely, then commits them together as one snapshot of `table`. */
export async function commitSnapshot<T>(
  ctx: SyncContext,
  stats: StreamStats,
  table: TableSpec,
  endpoint: string,
  parts: AsyncIterable<SnapshotPart<T>> | Iterable<SnapshotPart<T>>,
  requiredField: string,
  /** The stream's cursor after this snapshot; default `{snapshot_at, rows}`. */
  nextCursor?: unknown,
  /** Coverage events the parts recorded while they were read (committed with the snapshot). */
  partCoverage: CoverageEvent[] = [],
): Promise<void> {
  // The server's `date` header has whole seconds, so a run restarted within one (after a crash) could stamp its
  // snapshot with the same instant as the last one, or an earlier one: stamps stay unique and ordered.
  const snapshotMs = ctx.lake.files(table.stream).reduce((ms, f) => Math.max(ms, f.max_time ? Date.parse(f.max_time) + 1 : 0), ctx.serverNow());
  const snapshotAt = isoMicros(snapshotMs);
  const date = snapshotAt.slice(0, 10);
  const writer = newWriter(ctx, table, endpoint, {}, 'snapshot');
  let pages = 0;
  const coverage: CoverageEvent[] = [];
  try {
    for await (const part of parts) {
      try {
        await readPart(part);
      } catch (err) {
        if (!(part.parent && err instanceof NotFoundError)) throw err;
        // Rows of its pages read before the 404 stay: they were true when read.
        coverage.push({
          stream: table.stream,
          record_id: part.parent.id,
          record_time: snapshotAt,
          found_by: 'vanished',
          found_at: isoMicros(ctx.serverNow()),
          run_id: ctx.runId,
          entity: part.parent.kind,
          endpoint: part.parent.endpoint,
        });
      }
    }
  } catch (err) {
    writer.discard();
    throw err;
  }
  const cursor = nextCursor ?? ({ snapshot_at: snapshotAt, rows: writer.rows } satisfies SnapshotCursor);
  await commitBatch(ctx, table.stream, writer, { cursor, coverage: [...coverage, ...partCoverage] }, stats);

  async function readPart(part: SnapshotPart<T>): Promise<void> {
    for await (const page of part.pages) {
      pages++;
      stats.recordsRead += page.data.length;
      for (const record of page.data) {
        const value = (record as Record<string, unknown> | null)?.[requiredField];
        if (typeof value !== 'string' || value === '') {
          throw new BadRecordError(`a ${table.stream} record without \`${requiredField}\` (request ${page.requestId ?? 'unknown'})`, page);
        }
        writer.add({ snapshot_at: snapshotAt, ...part.row(record), raw: record }, date, page.requestId);
        stats.newRecords++;
      }
      ctx.onProgress(table.stream, pages, stats.recordsRead);
    }
  }
}

/** Reads a whole list once per run and shares its pages between streams (users and roles need the organizations). */
export async function cachedPages<T>(ctx: SyncContext, key: string, pages: () => AsyncIterable<PageOf<T>>): Promise<PageOf<T>[]> {
  const hit = ctx.cache.get(key) as PageOf<T>[] | undefined;
  if (hit) return hit;
  const all: PageOf<T>[] = [];
  for await (const page of pages()) all.push(page);
  ctx.cache.set(key, all);
  return all;
}
