// Issue 14 §3: the time to write the Iceberg table over the 100 M lake's activity files (every footer read
// once), to refresh it after the lake's last activity commit (one more day), and to find nothing to do. The
// lake is only read (CL_BENCH_LAKE_DIR, default /tmp/cl-bench-100m-full); the table goes to a scratch
// directory (CL_BENCH_ICEBERG_OUT, default /tmp/cl-bench-iceberg), removed first.
import { rmSync } from 'node:fs';
import { refreshIceberg } from '../src/iceberg/refresh.js';
import { Lake } from '../src/lake/lake.js';

export interface IcebergRefreshResult {
  lakeDir: string;
  files: number;
  rows: number;
  manifestEntries: number;
  /** Reading the lake's manifest (and checking its files' sizes): what the hook after a sync adds to these. */
  openMs: number;
  createMs: number;
  /** The table trails the lake by its last activity commit; this refresh appends it. */
  appendMs: number;
  appendedFiles: number;
  noopMs: number;
  peakRssMB: number;
}

export async function benchIcebergRefresh(): Promise<IcebergRefreshResult> {
  const lakeDir = process.env.CL_BENCH_LAKE_DIR ?? '/tmp/cl-bench-100m-full';
  const out = process.env.CL_BENCH_ICEBERG_OUT ?? '/tmp/cl-bench-iceberg';
  rmSync(out, { recursive: true, force: true });
  const opening = Date.now();
  const lake = Lake.open(lakeDir);
  const openMs = Date.now() - opening;
  const lastActivities = [...lake.entries].reverse().find((e) => e.stream === 'activities' && e.added.length > 0);
  if (!lastActivities) throw new Error(`${lakeDir} has no activity commits`);
  let peak = process.memoryUsage().rss;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  try {
    const created = await refreshIceberg({ dataDir: lakeDir, out, lake, asOfSeq: lastActivities.seq - 1 });
    const appended = await refreshIceberg({ dataDir: lakeDir, out, lake });
    const noop = await refreshIceberg({ dataDir: lakeDir, out, lake });
    return {
      lakeDir,
      files: appended.totalFiles,
      rows: appended.totalRecords,
      manifestEntries: lake.entries.length,
      openMs,
      createMs: created.ms,
      appendMs: appended.ms,
      appendedFiles: appended.addedFiles,
      noopMs: noop.ms,
      peakRssMB: Math.round(Math.max(peak, process.memoryUsage().rss) / 2 ** 20),
    };
  } finally {
    clearInterval(sample);
  }
}
