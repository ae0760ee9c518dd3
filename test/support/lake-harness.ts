// Helpers for sync tests: a temporary data dir, syncs against a simulator, and what the lake holds (read
// back through DuckDB from the committed files only, as any reader would).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDuck, sqlString } from '../../src/lake/duck.js';
import { Lake } from '../../src/lake/lake.js';
import { STREAM_NAMES } from '../../src/extract/registry.js';
import { type SyncOptions, type SyncResult, runSync } from '../../src/pipeline/run.js';
import { KEYS, type Transport } from './sim-harness.js';

export function tempDataDir(prefix = 'cl-sync-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function syncWith(t: Transport, dataDir: string, options: Partial<SyncOptions> = {}): Promise<SyncResult> {
  return runSync({
    dataDir,
    apiKey: KEYS.full,
    baseUrl: t.baseUrl,
    fetch: t.fetch,
    requestsPerMinute: 0,
    streams: STREAM_NAMES,
    settings: { overlapMs: 10 * 60_000, reconcileDays: 3 },
    maxRetries: 8,
    ...options,
  });
}

/** Rows of a query over the committed files of `stream` (`{files}` in the SQL is replaced by the file list). */
export async function lakeQuery(dataDir: string, stream: string, sql: string): Promise<Record<string, unknown>[]> {
  const lake = Lake.open(dataDir);
  const files = lake.files(stream).map((f) => sqlString(lake.absolute(f)));
  if (files.length === 0) return [];
  const duck = await openDuck();
  try {
    return await duck.all(sql.replaceAll('{files}', `read_parquet([${files.join(', ')}])`));
  } finally {
    duck.close();
  }
}

/** Every activity id in the lake (duplicates kept), sorted. */
export async function lakeActivityIds(dataDir: string): Promise<string[]> {
  const rows = await lakeQuery(dataDir, 'activities', 'SELECT id FROM {files} ORDER BY id');
  return rows.map((r) => String(r.id));
}
