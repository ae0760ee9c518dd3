// Helpers for tests that run the built CLI as a user would: spawning it (and killing it), a loopback
// simulator that records every request it serves, what a killed run left on disk, and a seeded random.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Simulator, SimulatorStats } from '../../src/simulator/server/app.js';
import { type ListeningServer, listenNode } from '../../src/simulator/server/node-adapter.js';

/** The built CLI (`npx tsc -p tsconfig.json`, or `npm test`, which builds first). */
export const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

export function requireBuiltCli(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json), or run the tests with \`npm test\``);
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number;
  ms: number;
}

export interface CliProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves when the process has exited (normally or by a signal), with everything it printed. */
  done: Promise<CliRun>;
  /** What it has printed so far. */
  output(): { stdout: string; stderr: string };
}

/** A minimal environment: no key unless `env` gives one (the parent's key must never leak into a test). */
export function cliEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
}

export function spawnCli(args: string[], env: Record<string, string | undefined> = {}): CliProcess {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c));
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.once('error', reject);
    // 'close' (not 'exit'): every byte of stdout and stderr has been read by then
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr, pid: child.pid!, ms: Date.now() - started }));
  });
  return { child, pid: child.pid!, done, output: () => ({ stdout, stderr }) };
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return spawnCli(args, env).done;
}

/** The pid of a process that has certainly exited (for stale-lock tests). */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid!;
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return pid;
}

export interface RecordingServer extends ListeningServer {
  /** Path and query of every request served (API and control), in order. */
  urls: string[];
  /** Only the /v1/compliance requests. */
  apiUrls(): string[];
}

/** The simulator on 127.0.0.1 through a handler that records each request's URL before serving it. */
export async function listenRecording(sim: Simulator): Promise<RecordingServer> {
  const urls: string[] = [];
  const server = await listenNode(
    (req) => {
      urls.push(req.url);
      return sim.handle(req);
    },
    0,
    '127.0.0.1',
  );
  return Object.assign(server, { urls, apiUrls: () => urls.filter((u) => u.startsWith('/v1/compliance')) });
}

/** GET /_sim/stats over loopback (control requests are not counted in it). */
export async function simStats(baseUrl: string): Promise<SimulatorStats> {
  const res = await fetch(`${baseUrl}/_sim/stats`);
  if (res.status !== 200) throw new Error(`/_sim/stats answered ${res.status}`);
  return (await res.json()) as SimulatorStats;
}

/** Every regular file under `dir`, as paths relative to it with `/`. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const abs = join(d, entry.name);
      if (entry.isDirectory()) walk(abs);
      else out.push(relative(dir, abs).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** What a killed run left behind, by the phase that leaves it. */
export interface Leftovers {
  lock: boolean;
  /** Writers' staging directories: a stream had started reading pages (rows are buffered in memory first). */
  stagingWriters: number;
  /** NDJSON under staging/: pages were being read into a writer. */
  stagingNdjson: number;
  /** Parquet under staging/: a writer's COPY was running or had finished, not yet moved into the lake. */
  stagingParquet: number;
  /** Parquet under lake/ that no manifest entry lists: moved into place, manifest entry not yet written. */
  lakeUncommitted: number;
  /** `_manifests/*.tmp`: a manifest entry being written. */
  manifestTmp: number;
}

/**
 * What is on disk that no manifest entry lists. `ignore`: data-dir-relative paths of files, and
 * `ignoreWriters`: writer directories (`<run id>/<stream>-<part>`), left by earlier kills.
 */
export function leftovers(
  dataDir: string,
  committed: ReadonlySet<string>,
  ignore: ReadonlySet<string> = new Set(),
  ignoreWriters: ReadonlySet<string> = new Set(),
): Leftovers {
  const staging = filesUnder(join(dataDir, 'staging')).filter((f) => !ignore.has(`staging/${f}`));
  const lake = filesUnder(join(dataDir, 'lake')).filter((f) => !ignore.has(`lake/${f}`));
  return {
    lock: existsSync(join(dataDir, 'lake.lock')),
    stagingWriters: writerDirs(dataDir).filter((w) => !ignoreWriters.has(w)).length,
    stagingNdjson: staging.filter((f) => f.endsWith('.ndjson')).length,
    stagingParquet: staging.filter((f) => f.endsWith('.parquet')).length,
    lakeUncommitted: lake.filter((f) => f.endsWith('.parquet') && !committed.has(f)).length,
    manifestTmp: lake.filter((f) => f.startsWith('_manifests/') && f.endsWith('.tmp')).length,
  };
}

/** The phase a kill interrupted, judged from what it left on disk (the latest phase wins). */
export function phaseOf(l: Leftovers, committedBefore: number, committedAfter: number): string {
  if (l.manifestTmp || l.lakeUncommitted) return 'mid-commit';
  if (l.stagingParquet) return 'mid-write';
  if (l.stagingNdjson || l.stagingWriters) return 'mid-page';
  if (committedAfter > committedBefore) return 'between commits';
  return l.lock ? 'start-up (lock taken)' : 'start-up (before the lock)';
}

/** The "Moved N uncommitted file(s)" counts a run printed on stderr. */
export function quarantineMoves(stderr: string): number[] {
  return [...stderr.matchAll(/Moved (\d+) uncommitted file\(s\)/g)].map((m) => Number(m[1]));
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Resolves once `probe()` is true (checked every `everyMs`), or with false after `timeoutMs`. */
export async function waitFor(probe: () => boolean, timeoutMs: number, everyMs = 2): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (probe()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return probe();
}

/** How many manifest entries (committed or not) the lake has on disk: a cheap progress probe while a sync runs. */
export function manifestEntryCount(dataDir: string): number {
  const dir = join(dataDir, 'lake', '_manifests');
  return existsSync(dir) ? readdirSync(dir).filter((n) => /^\d{12}\.json$/.test(n)).length : 0;
}

/** True while a manifest entry is being written (its `.tmp` exists). */
export function hasManifestTmp(dataDir: string): boolean {
  const dir = join(dataDir, 'lake', '_manifests');
  return existsSync(dir) && readdirSync(dir).some((n) => n.endsWith('.tmp'));
}

/** The writers' staging directories present now, as `<run id>/<stream>-<part>`. */
export function writerDirs(dataDir: string): string[] {
  const staging = join(dataDir, 'staging');
  if (!existsSync(staging)) return [];
  const out: string[] = [];
  try {
    for (const run of readdirSync(staging)) for (const w of readdirSync(join(staging, run))) out.push(`${run}/${w}`);
  } catch {
    // a run directory vanished between the two reads (its writer finished): the next poll sees the rest
  }
  return out;
}

/** True when a writer directory not in `old` holds a finished or half-written Parquet file (a commit is near). */
export function newStagedParquet(dataDir: string, old: ReadonlySet<string>): boolean {
  for (const w of writerDirs(dataDir)) {
    if (old.has(w)) continue;
    try {
      if (readdirSync(join(dataDir, 'staging', w)).some((n) => n.endsWith('.parquet'))) return true;
    } catch {
      // the writer finished and removed its directory
    }
  }
  return false;
}
