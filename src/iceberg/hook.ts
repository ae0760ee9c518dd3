// The refresh that follows each committed sync and compaction (schema/iceberg.md § Snapshots): only once the
// table exists (someone ran `iceberg refresh`), and never a failure of the run that committed: the next
// refresh compares whole file sets, so it catches up whatever this one missed.
import type { Logger } from '../api/index.js';
import type { Lake } from '../lake/lake.js';
import { type RefreshReport, defaultTableDir, icebergTableExists, refreshIceberg } from './refresh.js';

/** `lake`: the caller's open lake, when it is current (it saves reading the manifest again). */
export async function refreshIcebergAfterCommit(dataDir: string, logger?: Pick<Logger, 'warn' | 'info'>, lake?: Lake): Promise<RefreshReport | null> {
  if (!icebergTableExists(defaultTableDir(dataDir))) return null;
  try {
    const report = await refreshIceberg({ dataDir, lake });
    if (report.metadataFile) logger?.info({ snapshot: report.snapshotId, added: report.addedFiles, deleted: report.deletedFiles, ms: report.ms }, 'iceberg: table refreshed');
    return report;
  } catch (err) {
    logger?.warn({ error: (err as Error).message }, 'iceberg: refresh failed; the next sync or `compliance-lake iceberg refresh` catches up');
    return null;
  }
}
