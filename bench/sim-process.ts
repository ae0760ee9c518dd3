// Starts the simulator CLI as a child process (so its memory is measured alone) and reads its peak RSS.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDuck, sqlString } from '../src/lake/duck.js';
import { StateStore } from '../src/state/index.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
export const BENCH_KEY = 'sk-ant-api01-bench-local-only-key';

export interface SimProcess {
  url: string;
  child: ChildProcess;
  /** Peak resident set size of the simulator process so far, bytes (Linux VmHWM). */
  peakRss(): number;
  stop(): Promise<void>;
}

export async function startSimulator(args: string[]): Promise<SimProcess> {
  const child = spawn(process.execPath, [CLI, 'simulate', '--port', '0', '--api-key', BENCH_KEY, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`simulator exited early with code ${code}`)));
  });
  return {
    url,
    child,
    peakRss() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const m = /VmHWM:\s+(\d+) kB/.exec(status);
      return m ? Number(m[1]) * 1024 : NaN;
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

// ---- Helpers for the sync benchmarks (issue 3): the sync CLI as a child process, the bare walk over the
// same day windows the sync reads, and measuring what landed in the lake.

/** Peak resident set size (Linux VmHWM) of a running process, bytes; NaN once it has gone. */
export function peakRssOf(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Current resident set size (VmRSS) of a running process, bytes; NaN once it has gone. */
export function currentRssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

export interface SyncCliRun {
  code: number | null;
  /** Spawn to exit, ms (includes Node startup, opening DuckDB and the state store). */
  wallMs: number;
  /** Max VmHWM seen while polling (and at the last poll before exit), bytes. */
  peakRss: number;
  /** [ms since spawn, VmRSS bytes] at each poll, when asked for (to see whether memory grows during a run). */
  rssSamples: [number, number][];
  stdout: string;
  stderr: string;
}

/**
 * Runs `compliance-lake sync` as a child process with the bench key in the environment, polling its
 * VmHWM every `pollMs` (VmHWM is already a high-water mark, so polling only has to catch it before exit).
 */
export async function runSyncCli(
  args: string[],
  opts: { pollMs?: number; apiKey?: string; nodeArgs?: string[]; sampleRss?: boolean; killAfterMs?: number } = {},
): Promise<SyncCliRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), CLI, 'sync', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ANTHROPIC_COMPLIANCE_API_KEY: opts.apiKey ?? BENCH_KEY },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  let peak = 0;
  const rssSamples: [number, number][] = [];
  const poll = () => {
    const v = peakRssOf(child.pid!);
    if (v > peak) peak = v;
    if (opts.sampleRss) {
      const cur = currentRssOf(child.pid!);
      if (!Number.isNaN(cur)) rssSamples.push([Math.round(performance.now() - started), cur]);
    }
  };
  const timer = setInterval(poll, opts.pollMs ?? 100);
  const killer = opts.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGTERM'), opts.killAfterMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  clearInterval(timer);
  if (killer) clearTimeout(killer);
  return { code, wallMs: performance.now() - started, peakRss: peak, rssSamples, stdout, stderr };
}

const DAY_MS = 86_400_000;

/** The UTC-day windows [a, b) the activity sync cuts [sinceMs, untilMs) into. */
export function dayWindows(sinceMs: number, untilMs: number): { from: string; to: string }[] {
  const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z'); // the sync's isoMicros
  const out: { from: string; to: string }[] = [];
  for (let a = sinceMs; a < untilMs; ) {
    const b = Math.min(untilMs, Math.floor(a / DAY_MS) * DAY_MS + DAY_MS);
    out.push({ from: iso(a), to: iso(b) });
    a = b;
  }
  return out;
}

export interface BareWalk {
  activities: number;
  requests: number;
  /** Bytes of the response bodies (UTF-8). */
  bodyBytes: number;
}

/**
 * The foundation's floor: fetch + JSON.parse + follow `last_id`, over the same requests the sync makes
 * for the activities (each day window walked with created_at.gte/lt and limit 5000). `onActivity` gets
 * every parsed activity (e.g. to re-serialise it as NDJSON); omit it for the pure floor.
 */
export async function bareWalkWindows(
  baseUrl: string,
  windows: { from: string; to: string }[],
  onActivity?: (a: unknown) => void,
  limit = 5000,
): Promise<BareWalk> {
  let activities = 0;
  let requests = 0;
  let bodyBytes = 0;
  for (const w of windows) {
    let after: string | null = null;
    for (;;) {
      const q = new URLSearchParams({ 'created_at.gte': w.from, 'created_at.lt': w.to, limit: String(limit) });
      if (after) q.set('after_id', after);
      const res = await fetch(`${baseUrl}/v1/compliance/activities?${q}`, {
        headers: { 'x-api-key': BENCH_KEY, 'anthropic-version': '2023-06-01' },
      });
      const text = await res.text();
      requests++;
      if (res.status !== 200) throw new Error(`bare walk: HTTP ${res.status}: ${text.slice(0, 200)}`);
      bodyBytes += Buffer.byteLength(text);
      const page = JSON.parse(text) as { data: unknown[]; has_more: boolean; last_id: string | null };
      activities += page.data.length;
      if (onActivity) for (const a of page.data) onActivity(a);
      if (!page.has_more || page.data.length === 0) break;
      after = page.last_id;
    }
  }
  return { activities, requests, bodyBytes };
}

/** Every file under `dir` whose name ends with `suffix`, with its size in bytes. */
export function filesUnder(dir: string, suffix: string): { path: string; bytes: number }[] {
  const out: { path: string; bytes: number }[] = [];
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith(suffix)) continue;
    const path = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    out.push({ path, bytes: statSync(path).size });
  }
  return out;
}

/** Rows and Parquet bytes under <dataDir>/lake/<stream>/ (rows counted by DuckDB over the files themselves). */
export async function lakeRows(dataDir: string, stream: string): Promise<{ rows: number; files: number; bytes: number }> {
  const files = filesUnder(join(dataDir, 'lake', stream), '.parquet');
  if (files.length === 0) return { rows: 0, files: 0, bytes: 0 };
  const duck = await openDuck();
  try {
    const [r] = await duck.all(`SELECT count(*) AS n FROM read_parquet(${sqlString(join(dataDir, 'lake', stream, '**', '*.parquet'))})`);
    return { rows: Number(r.n), files: files.length, bytes: files.reduce((s, f) => s + f.bytes, 0) };
  } finally {
    duck.close();
  }
}

export interface SyncStreamSummary {
  stream: string;
  status: string;
  recordsRead: number;
  newRecords: number;
  filesWritten: number;
  commits: number;
  requests: number;
  retries: number;
  rateLimited: number;
  durationMs: number;
}

/** The newest run's per-stream summary from the data dir's state store (what the summary table prints). */
export function lastSyncSummary(dataDir: string): SyncStreamSummary[] {
  const store = StateStore.open(dataDir, { readonly: true });
  try {
    const [run] = store.runs(1);
    return (run?.summary as SyncStreamSummary[] | null) ?? [];
  } finally {
    store.close();
  }
}

// ---- Helpers for the query benchmarks (issue 4): the GraphQL server as a child process and a client.

export const BENCH_GRAPHQL_TOKEN = 'bench-graphql-token-local-only-0123456789';

export interface ServeProcess {
  /** The GraphQL endpoint (http://127.0.0.1:<port>/graphql). */
  url: string;
  child: ChildProcess;
  peakRss(): number;
  stop(): Promise<void>;
}

/** Starts `compliance-lake serve --data-dir D --port 0` with the bench token, and waits until it listens. */
export async function startServe(dataDir: string, opts: { nodeArgs?: string[]; env?: Record<string, string> } = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), CLI, 'serve', '--data-dir', dataDir, '--port', '0', '--quiet'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...opts.env, COMPLIANCE_LAKE_GRAPHQL_TOKEN: BENCH_GRAPHQL_TOKEN },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /GraphQL API on (http:\/\/[^\s]+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited early with code ${code}: ${out.slice(-1000)}`)));
  });
  return {
    url,
    child,
    peakRss: () => peakRssOf(child.pid!),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** POSTs one GraphQL request with the bench token; throws on HTTP or GraphQL errors. Returns the data and the body size. */
export async function graphqlRequest(url: string, query: string, variables: Record<string, unknown> = {}): Promise<{ data: Record<string, unknown>; bytes: number }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_GRAPHQL_TOKEN}` },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  const body = JSON.parse(text) as { data?: Record<string, unknown>; errors?: { message: string }[] };
  if (res.status !== 200 || body.errors?.length) throw new Error(`graphql: HTTP ${res.status}: ${text.slice(0, 500)}`);
  return { data: body.data ?? {}, bytes: Buffer.byteLength(text) };
}
