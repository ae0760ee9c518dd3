// `state rebuild`: recreates the state store from the lake's manifest, the source of truth. The new
// store is built beside the old one and swapped in only when complete; the old one is kept as a backup.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest, type ChainProblem } from '../lake/manifest.js';
import { STATE_FILE, StateStore } from './store.js';

// SQLite's companion files, which belong to the database file of the same name.
const SIDECARS = ['-wal', '-shm', '-journal'];

export interface RebuildResult {
  /** Manifest entries applied. */
  entries: number;
  /** Files in the lake after the last entry. */
  files: number;
  /** Always empty: a manifest with problems is refused. */
  problems: ChainProblem[];
  /** Where the previous state store was moved, or null when there was none. */
  backup: string | null;
}

/** Thrown, before anything is changed, when the manifest's chain does not verify. */
export class StateRebuildRefused extends Error {
  constructor(
    readonly lakeDir: string,
    readonly problems: ChainProblem[],
  ) {
    super(
      `refusing to rebuild the state store: the manifest under ${lakeDir} has ${problems.length} problem(s); nothing was changed. ` +
        `Run \`compliance-lake verify\` to see what changed in the lake.\n` +
        problems.map((p) => `  entry ${p.seq} (${p.file}): ${p.problem}`).join('\n'),
    );
    this.name = 'StateRebuildRefused';
  }
}

export function rebuildState(dataDir: string): RebuildResult {
  const lakeDir = join(dataDir, 'lake');
  const { entries, problems } = readManifest(lakeDir);
  if (problems.length > 0) throw new StateRebuildRefused(lakeDir, problems);

  mkdirSync(dataDir, { recursive: true });
  const target = join(dataDir, STATE_FILE);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const fresh = `${target}.rebuild-${stamp}`;
  removeDatabase(fresh);
  let fileCount: number;
  try {
    const store = StateStore.openFile(fresh);
    try {
      store.catchUp(entries);
      store.copyRunsFrom(target);
      store.copyForwardCursorsFrom(target);
      fileCount = store.activePaths().size;
    } finally {
      store.close();
    }
  } catch (err) {
    removeDatabase(fresh);
    throw err;
  }

  const backup = databaseExists(target) ? moveDatabase(target, unusedName(`${target}.bak-${stamp}`)) : null;
  moveDatabase(fresh, target);
  return { entries: entries.length, files: fileCount, problems, backup };
}

function databaseExists(file: string): boolean {
  return [file, ...SIDECARS.map((s) => file + s)].some((f) => existsSync(f));
}

/** Moves a database with its companion files; companions first, so the old WAL never pairs with a new file. */
function moveDatabase(from: string, to: string): string {
  for (const suffix of [...SIDECARS, '']) {
    if (existsSync(from + suffix)) renameSync(from + suffix, to + suffix);
  }
  return to;
}

function removeDatabase(file: string): void {
  for (const suffix of ['', ...SIDECARS]) rmSync(file + suffix, { force: true });
}

function unusedName(base: string): string {
  let name = base;
  for (let n = 2; databaseExists(name); n++) name = `${base}-${n}`;
  return name;
}
