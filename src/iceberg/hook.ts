// The refresh that follows each committed sync and compaction (schema/iceberg.md § Snapshots): only once the
// table exists (someone ran `iceberg refresh`), and never a failure of the run that committed: the next
// refresh compares whole file sets, so it catches up whatever this one missed.
// The Avro and Parquet-footer code (refresh.ts) is loaded only when a table exists: a sync does not pay for it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../api/index.js';
import type { Lake } from '../lake/lake.js';
import type { RefreshReport } from './refresh.js';
import { STREAM } from './schema.js';

export class IcebergCommitConflict extends Error {
  override name = 'IcebergCommitConflict';
}

/** Where the table lives by default: the data dir's iceberg/activities/ (publish mirrors iceberg/). */
export function defaultTableDir(dataDir: string): string {
  return join(dataDir, 'iceberg', STREAM);
}

export function icebergTableExists(tableDir: string): boolean {
  return existsSync(join(tableDir, 'metadata', 'version-hint.text'));
}

/** `lake`: the caller's open lake, when it is current (it saves reading the manifest again). */
export async function refreshIcebergAfterCommit(dataDir: string, logger?: Pick<Logger, 'warn' | 'info'>, lake?: Lake): Promise<RefreshReport | null> {
  if (!icebergTableExists(defaultTableDir(dataDir))) return null;
  try {
    const { refreshIceberg } = await import('./refresh.js');
    const report = await refreshIceberg({ dataDir, lake });
    if (report.metadataFile) logger?.info({ snapshot: report.snapshotId, added: report.addedFiles, deleted: report.deletedFiles, ms: report.ms }, 'iceberg: table refreshed');
    return report;
  } catch (err) {
    logger?.warn({ error: (err as Error).message }, 'iceberg: refresh failed; the next sync or `compliance-lake iceberg refresh` catches up');
    return null;
  }
}
