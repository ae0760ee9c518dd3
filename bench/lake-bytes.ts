// Benchmark: bytes per activity in the lake (zstd Parquet) and against the same activities as NDJSON.
// Target (issue 3 §6): <= 40 bytes per activity on disk.
//
// A sync (child CLI process, no rate limit) backfills `days` UTC days of a 20 000-per-day tenant into a
// fresh data dir; bytes = the sum of the Parquet files under lake/activities/ (manifests and the state
// store are not counted), rows = DuckDB's count over those files. The NDJSON reference is the same window
// fetched raw with the sync's own requests, one line per activity exactly as the API served it
// (JSON.stringify of the parsed activity: the simulator serves compact JSON, so the bytes are the same).
// `columns` splits the Parquet bytes by column (compressed column-chunk sizes from the footer) to show
// where the bytes go.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { openDuck, sqlString } from '../src/lake/duck.js';
import { bareWalkWindows, dayWindows, lakeRows, runSyncCli, startSimulator } from './sim-process.js';

export interface LakeBytesResult {
  days: number;
  activities: number;
  parquet: { files: number; bytes: number; bytesPerActivity: number };
  ndjson: { bytes: number; bytesPerActivity: number };
  /** Response bodies of the same requests (envelope included), per activity. */
  responseBytesPerActivity: number;
  /** Parquet bytes ÷ NDJSON bytes. */
  ratioToNdjson: number;
  /** Compressed bytes per activity by column, largest first; `(footer and headers)` is the rest of the files. */
  columns: { column: string; bytesPerActivity: number }[];
  target: { bytesPerActivityAtMost: number };
  met: boolean;
}

const NOW = '2026-11-01T00:00:00Z';
const UNTIL = '2026-10-31T00:00:00Z';

export async function benchLakeBytes(days = 10, activitiesPerDay = 20_000): Promise<LakeBytesResult> {
  const untilMs = Date.parse(UNTIL);
  const sinceMs = untilMs - days * 86_400_000;
  const sim = await startSimulator(['--rpm', '0', '--now', NOW, '--horizon-days', String(days + 2), '--activities-per-day', String(activitiesPerDay)]);
  const root = mkdtempSync(join(os.tmpdir(), 'bench-lake-bytes-'));
  try {
    const dataDir = join(root, 'data');
    const run = await runSyncCli(['--data-dir', dataDir, '--base-url', sim.url, '--streams', 'activities', '--rpm', '0', '--quiet', '--since', new Date(sinceMs).toISOString(), '--until', UNTIL]);
    if (run.code !== 0) throw new Error(`sync exited with ${run.code}: ${run.stderr.slice(-2000)}`);
    const lake = await lakeRows(dataDir, 'activities');

    let ndjsonBytes = 0;
    const raw = await bareWalkWindows(sim.url, dayWindows(sinceMs, untilMs), (a) => {
      ndjsonBytes += Buffer.byteLength(JSON.stringify(a)) + 1;
    });
    if (raw.activities !== lake.rows) throw new Error(`the lake holds ${lake.rows} activities, the raw walk read ${raw.activities}`);

    const duck = await openDuck();
    let columns: { column: string; bytesPerActivity: number }[];
    try {
      const glob = sqlString(join(dataDir, 'lake', 'activities', '**', '*.parquet'));
      const rows = await duck.all(
        `SELECT path_in_schema AS col, sum(total_compressed_size)::BIGINT AS bytes FROM parquet_metadata(${glob}) GROUP BY 1 ORDER BY 2 DESC`,
      );
      columns = rows.map((r) => ({ column: String(r.col), bytesPerActivity: Number(r.bytes) / lake.rows }));
      const inChunks = rows.reduce((s, r) => s + Number(r.bytes), 0);
      columns.push({ column: '(footer and headers)', bytesPerActivity: (lake.bytes - inChunks) / lake.rows });
    } finally {
      duck.close();
    }
    const bytesPerActivity = lake.bytes / lake.rows;
    return {
      days,
      activities: lake.rows,
      parquet: { files: lake.files, bytes: lake.bytes, bytesPerActivity },
      ndjson: { bytes: ndjsonBytes, bytesPerActivity: ndjsonBytes / lake.rows },
      responseBytesPerActivity: raw.bodyBytes / raw.activities,
      ratioToNdjson: lake.bytes / ndjsonBytes,
      columns,
      target: { bytesPerActivityAtMost: 40 },
      met: bytesPerActivity <= 40,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
    await sim.stop();
  }
}
