// What the last models build covered (data/models/_state.json): the manifest entry it read up to, a
// fingerprint of the runner and the catalog, one of each model's SQL, and the months each monthly relation
// has a file for. An incremental build starts from here; without it (or after a change of the runner or the
// catalog) it is full; a model whose SQL changed is rebuilt in full, with everything downstream of it.
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ManifestEntry } from '../lake/manifest.js';
import { writeDurably } from '../lake/manifest.js';

export const STATE_VERSION = 1;

export interface ModelsState {
  version: number;
  /** The manifest entry (seq) the build read the lake up to. */
  seq: number;
  /** That entry's hash (absent in states written before it was recorded): the same lake, not another one. */
  head_hash?: string;
  /** The runner and the catalog (a change means a full build). */
  fingerprint: string;
  /** SHA-256 of each model's SQL (absent in states written before: then the next build is full). */
  relations?: Record<string, string>;
  /** SHA-256 of sql/tests: after a change the tests see every month once. */
  tests?: string;
  built_at: string;
  /** Monthly relations: the months (YYYY-MM) that have a file. */
  months: Record<string, string[]>;
  /** Monthly relations: the months that have part files besides data.parquet (folded months), and their names. */
  parts?: Record<string, Record<string, string[]>>;
  /** Part files this build emptied (folded back into their month), relative to data/models/: the next build deletes them. */
  retired?: string[];
  /** The digest of each object of the warehouse this build wrote (models/warehouse.ts objectDigest). */
  warehouse?: Record<string, string>;
  /** The columns of each lake file staging read (lake path -> digest; models/lake-source.ts FileSchemas). */
  lake_schemas?: Record<string, string>;
  /** The rows of each model file of this build (relative to data/models/): the next build's report counts only the files it writes. */
  file_rows?: Record<string, number>;
}

export function statePath(modelsDir: string): string {
  return join(modelsDir, '_state.json');
}

export function readState(modelsDir: string): ModelsState | null {
  const path = statePath(modelsDir);
  if (!existsSync(path)) return null;
  try {
    const state = JSON.parse(readFileSync(path, 'utf8')) as ModelsState;
    return state.version === STATE_VERSION && typeof state.seq === 'number' ? state : null;
  } catch {
    return null;
  }
}

export function writeState(modelsDir: string, state: ModelsState): void {
  const path = statePath(modelsDir);
  writeDurably(`${path}.tmp`, JSON.stringify(state, null, 1) + '\n');
  renameSync(`${path}.tmp`, path);
}

/** Forgets the last build (before outputs are replaced: a crash in between then means a full build next). */
export function clearState(modelsDir: string): void {
  rmSync(statePath(modelsDir), { force: true });
}

/** YYYY-MM of a YYYY-MM-DD partition date. */
export function monthOf(date: string): string {
  return date.slice(0, 7);
}

/**
 * Months of `stream` that entries after `sinceSeq` added files to. Compaction only rewrites the rows a
 * partition already has, so its entries touch nothing.
 */
export function touchedMonths(entries: readonly ManifestEntry[], sinceSeq: number, stream: string): Set<string> {
  const months = new Set<string>();
  for (const entry of entries) {
    if (entry.seq <= sinceSeq || entry.kind === 'compact') continue;
    for (const f of entry.added) if (f.stream === stream) months.add(monthOf(f.date));
  }
  return months;
}
