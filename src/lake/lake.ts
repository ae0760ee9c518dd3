// The lake on disk: data/lake/<stream>/date=YYYY-MM-DD/*.parquet plus the manifest. Opening it checks the
// manifest chain and that every committed file is present with its size, and moves anything uncommitted
// (files renamed into place before a crash, staging leftovers, half-written manifest entries) to
// data/quarantine/. Committing renames staged files into place and appends one manifest entry: the rename
// of that entry is the commit point, so a crash before it leaves only uncommitted files, quarantined next time.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import {
  type ManifestCommit,
  type ManifestEntry,
  type ManifestFile,
  appendEntry,
  committedFiles,
  fsyncDir,
  manifestHead,
  manifestsDir,
  readManifest,
  readManifestIndexed,
  writeManifestIndex,
} from './manifest.js';
import type { StagedFile } from './writer.js';

export class LakeCorruptError extends Error {
  constructor(
    readonly problems: string[],
    dataDir: string,
  ) {
    super(
      `the lake under ${dataDir} failed its start-up check and nothing was written:\n  - ${problems.join('\n  - ')}\n` +
        `Run \`compliance-lake verify --data-dir ${dataDir}\` for a full report; restore the named files from a backup or export. ` +
        `compliance-lake never rewrites committed files or manifest entries itself.`,
    );
    this.name = 'LakeCorruptError';
  }
}

export interface OpenReport {
  /** Paths (relative to the data dir) moved to quarantine, as they were before the move. */
  quarantined: string[];
  quarantineDir: string | null;
}

export class Lake {
  readonly dataDir: string;
  readonly lakeDir: string;
  #entries: ManifestEntry[];
  #files: Map<string, ManifestFile>;

  private constructor(dataDir: string, entries: ManifestEntry[]) {
    this.dataDir = dataDir;
    this.lakeDir = join(dataDir, 'lake');
    this.#entries = entries;
    this.#files = committedFiles(entries);
  }

  /**
   * Reads the manifest and checks committed files exist with their size; throws LakeCorruptError otherwise. With
   * `index` (a reader's own file: the models build's), the entries up to the last one the index holds are read
   * from it when that entry is still the chain's, and the index is brought up to date (readManifestIndexed).
   */
  static open(dataDir: string, options: { index?: string } = {}): Lake {
    const lakeDir = join(dataDir, 'lake');
    mkdirSync(manifestsDir(lakeDir), { recursive: true });
    const read = options.index === undefined ? { ...readManifest(lakeDir), indexed: 0, indexText: '' } : readManifestIndexed(lakeDir, options.index);
    const { entries, problems } = read;
    const found = problems.map((p) => `${relative(dataDir, p.file)}: ${p.problem}`);
    const lake = new Lake(dataDir, entries);
    for (const f of lake.#files.values()) {
      const abs = join(lakeDir, f.path);
      // one stat per file, no existsSync before it: a refresh of the models opens the lake's thousands of files
      const size = statSync(abs, { throwIfNoEntry: false })?.size ?? null;
      if (size === null) found.push(`lake/${f.path}: committed file is missing`);
      else if (size !== f.bytes) found.push(`lake/${f.path}: size ${size} bytes, the manifest says ${f.bytes} (modified)`);
    }
    if (found.length) throw new LakeCorruptError(found, dataDir);
    if (options.index !== undefined) writeManifestIndex(options.index, entries, read.indexed, read.indexText);
    return lake;
  }

  get entries(): readonly ManifestEntry[] {
    return this.#entries;
  }

  get head(): { seq: number; hash: string } {
    return manifestHead(this.#entries);
  }

  /** Committed files, optionally of one stream. */
  files(stream?: string): ManifestFile[] {
    const all = [...this.#files.values()];
    return stream === undefined ? all : all.filter((f) => f.stream === stream);
  }

  absolute(file: ManifestFile | string): string {
    return join(this.lakeDir, typeof file === 'string' ? file : file.path);
  }

  /** Moves everything not committed out of the lake and staging into data/quarantine/<stamp>/. */
  quarantineUncommitted(stamp: string): OpenReport {
    const quarantineDir = join(this.dataDir, 'quarantine', stamp);
    const moved: string[] = [];
    const move = (abs: string) => {
      const rel = relative(this.dataDir, abs);
      const target = join(quarantineDir, rel);
      mkdirSync(dirname(target), { recursive: true });
      renameSync(abs, target);
      moved.push(rel);
    };
    for (const abs of walk(this.lakeDir)) {
      const rel = relative(this.lakeDir, abs);
      if (rel.startsWith('_manifests/')) {
        if (abs.endsWith('.tmp')) move(abs);
        continue;
      }
      if (!this.#files.has(rel)) move(abs);
    }
    const staging = join(this.dataDir, 'staging');
    for (const abs of walk(staging)) move(abs);
    return { quarantined: moved, quarantineDir: moved.length ? quarantineDir : null };
  }

  /**
   * Moves staged files into their partitions and appends the manifest entry that makes them part of the
   * lake. Returns the entry (the caller applies it to the state store).
   */
  commit(staged: readonly StagedFile[], commit: Omit<ManifestCommit, 'added'>): ManifestEntry {
    const dirs = new Set<string>();
    for (const f of staged) {
      const target = this.absolute(f.path);
      if (existsSync(target)) throw new Error(`refusing to overwrite ${target}: a file with that name is already in the lake`);
      mkdirSync(dirname(target), { recursive: true });
      renameSync(f.stagedPath, target);
      dirs.add(dirname(target));
    }
    for (const d of dirs) fsyncDir(d);
    const added: ManifestFile[] = staged.map(({ stagedPath: _s, ...file }) => file);
    const entry = appendEntry(this.lakeDir, this.head, { ...commit, added });
    this.#entries.push(entry);
    for (const path of entry.removed) this.#files.delete(path);
    for (const f of entry.added) this.#files.set(f.path, f);
    return entry;
  }
}

function* walk(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const abs = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(abs);
    else yield abs;
  }
}
