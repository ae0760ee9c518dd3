// Benchmarks of issue 14 §4 for `events` and `forward` (schema/ocsf.md §4-5).
//
// siem-events: `compliance-lake events --format ocsf` (and ndjson) over the most recent whole days of the bench
//   lake (bench/lake-generate.ts; CL_BENCH_LAKE_DIR, default /tmp/cl-bench-100m-full, only read) summing to at
//   least CL_BENCH_SIEM_ACTIVITIES (default 10 000 000) activities, standard output to /dev/null, against DuckDB's
//   own `COPY (…) TO '/dev/null' (FORMAT json)` of the same rows (the window's committed files, each id once,
//   the same order) in this process (memory_limit 1GB, default threads). Ratio = DuckDB ms ÷ events ms (target
//   >= 0.5). The CLI's RSS is sampled every 500 ms from /proc (VmRSS): peak and the samples at 25/50/75/100 %
//   of the run, to show whether memory is flat.
// siem-forward: `compliance-lake forward` of the same window to a loopback HEC receiver in this process (it
//   counts the events and answers {"code":0}), OCSF, batches of 5 000. The window is first exported
//   (`compliance-lake export --streams activities`) to CL_BENCH_SIEM_DIR (default /tmp/cl-bench-siem), which is
//   a data dir of its own (forward writes its cursor there; the bench lake stays untouched) and reused while its
//   marker matches. Sustained events/s = events ÷ wall time of the forward process (start-up included), target
//   >= 50 000; RSS sampled as above.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectUtc, createDuck, sqlString } from '../src/lake/duck.js';
import { Lake } from '../src/lake/lake.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const DEFAULT_LAKE = '/tmp/cl-bench-100m-full';
const DEFAULT_DIR = '/tmp/cl-bench-siem';
/** The bench's own files (spill, export, config): CL_BENCH_SIEM_DIR, so that two benches can run at once. */
const benchDir = (): string => process.env.CL_BENCH_SIEM_DIR ?? DEFAULT_DIR;
const DAY_MS = 86_400_000;

interface Window {
  lake: string;
  since: string;
  until: string;
  days: number;
  rows: number;
}

interface ProcessRun {
  ms: number;
  /** user + system CPU seconds of the process (GNU time), the fairer measure on a shared machine. */
  cpuS: number;
  code: number | null;
  peakRssMb: number;
  rssSamplesMb: { at: string; mb: number }[];
  stderr: string;
  stdout: string;
}

function log(msg: string): void {
  process.stderr.write(`[siem] ${msg}\n`);
}

/** The most recent whole days of the lake summing to at least `want` rows (file rows, duplicates included). */
export function benchWindow(lakeDir: string, want: number): Window {
  if (!existsSync(join(lakeDir, 'lake', '_manifests'))) throw new Error(`no bench lake at ${lakeDir}: run \`npm run bench -- lake-generate\` first (or set CL_BENCH_LAKE_DIR)`);
  const rowsByDay = new Map<string, number>();
  for (const f of Lake.open(lakeDir).files('activities')) rowsByDay.set(f.date, (rowsByDay.get(f.date) ?? 0) + f.rows);
  const days = [...rowsByDay.keys()].sort();
  let rows = 0;
  let i = days.length;
  while (i > 0 && rows < want) rows += rowsByDay.get(days[--i])!;
  const since = days[i];
  const until = new Date(Date.parse(days[days.length - 1]) + DAY_MS).toISOString().slice(0, 10);
  return { lake: lakeDir, since, until, days: days.length - i, rows };
}

async function runSampled(args: string[], stdoutTo: 'null' | 'pipe'): Promise<ProcessRun> {
  const started = performance.now();
  const out = stdoutTo === 'null' ? openSync('/dev/null', 'w') : 'pipe';
  // GNU time reports the CPU time and the peak RSS of the whole run on its last stderr line
  const child = spawn('/usr/bin/time', ['-f', 'CL_TIME %U %S %M', process.execPath, CLI, ...args], {
    stdio: ['ignore', out, 'pipe'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HEC_TOKEN: 'bench-token' },
  });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  child.stdout?.on('data', (c: Buffer) => (stdout += c));
  const samples: { t: number; mb: number }[] = [];
  const timer = setInterval(() => {
    try {
      const node = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0];
      const m = node ? /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${node}/status`, 'utf8')) : null;
      if (m) samples.push({ t: performance.now() - started, mb: Number(m[1]) / 1024 });
    } catch {
      // exited between two samples
    }
  }, 500);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearInterval(timer);
  const ms = performance.now() - started;
  const at = (f: number) => samples.filter((s) => s.t <= f * ms).at(-1)?.mb ?? 0;
  const t = /CL_TIME ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
  return {
    ms,
    cpuS: t ? +(Number(t[1]) + Number(t[2])).toFixed(1) : NaN,
    code,
    peakRssMb: t ? Math.round(Number(t[3]) / 1024) : Math.round(Math.max(0, ...samples.map((s) => s.mb))),
    rssSamplesMb: [0.25, 0.5, 0.75, 1].map((f) => ({ at: `${f * 100}%`, mb: Math.round(at(f)) })),
    stderr: stderr.slice(-2000),
    stdout: stdout.slice(-2000),
  };
}

async function duckCopyJson(w: Window): Promise<{ ms: number; cpuS: number; rows: number }> {
  const lake = Lake.open(w.lake);
  const files = lake
    .files('activities')
    .filter((f) => f.date >= w.since && f.date < w.until)
    .map((f) => sqlString(lake.absolute(f)));
  const instance = await createDuck({ memoryLimit: '1GB', tempDirectory: join(benchDir(), 'duck-tmp') });
  const conn = await connectUtc(instance);
  try {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const reader = await conn.runAndReadAll(
      `copy (with firsts as (select * from read_parquet([${files.join(', ')}], union_by_name = true, hive_partitioning = false, filename = true, file_row_number = true) ` +
        `qualify row_number() over (partition by id order by _extracted_at, filename, file_row_number) = 1) ` +
        `select id, created_at, created_at_digits, type, organization_id, organization_uuid, actor_type, actor_user_id, actor_email, actor_ip, actor_user_agent, actor_api_key_id, actor_rest, rest ` +
        `from firsts where created_at >= '${w.since}'::timestamptz and created_at < '${w.until}'::timestamptz order by created_at, id) to '/dev/null' (format json)`,
    );
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return { ms, cpuS: +((used.user + used.system) / 1e6).toFixed(1), rows: Number(reader.getRowsJS()[0]?.[0] ?? 0) };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

export async function benchSiemEvents(): Promise<unknown> {
  const lakeDir = process.env.CL_BENCH_LAKE_DIR ?? DEFAULT_LAKE;
  const want = Number(process.env.CL_BENCH_SIEM_ACTIVITIES ?? 10_000_000);
  mkdirSync(benchDir(), { recursive: true });
  const w = benchWindow(lakeDir, want);
  log(`window ${w.since} .. ${w.until}: ${w.days} days, ${w.rows} file rows`);
  const duck = await duckCopyJson(w);
  log(`duckdb copy json: ${duck.rows} rows in ${(duck.ms / 1000).toFixed(1)} s`);
  const ocsf = await runSampled(['events', '--format', 'ocsf', '--since', w.since, '--until', w.until, '--data-dir', lakeDir], 'null');
  if (ocsf.code !== 0) throw new Error(`events --format ocsf failed (${ocsf.code}): ${ocsf.stderr}`);
  log(`events --format ocsf: ${(ocsf.ms / 1000).toFixed(1)} s, peak RSS ${ocsf.peakRssMb} MB`);
  const ndjson = await runSampled(['events', '--format', 'ndjson', '--since', w.since, '--until', w.until, '--data-dir', lakeDir], 'null');
  if (ndjson.code !== 0) throw new Error(`events --format ndjson failed (${ndjson.code}): ${ndjson.stderr}`);
  log(`events --format ndjson: ${(ndjson.ms / 1000).toFixed(1)} s, peak RSS ${ndjson.peakRssMb} MB`);
  const perSec = (ms: number) => Math.round(duck.rows / (ms / 1000));
  return {
    window: w,
    activities: duck.rows,
    duckdbCopyJson: { ms: Math.round(duck.ms), cpuS: duck.cpuS, perSec: perSec(duck.ms) },
    ocsf: { ...ocsf, perSec: perSec(ocsf.ms), ratio: +(duck.ms / ocsf.ms).toFixed(3), cpuRatio: +(duck.cpuS / ocsf.cpuS).toFixed(3) },
    ndjson: { ...ndjson, perSec: perSec(ndjson.ms), ratio: +(duck.ms / ndjson.ms).toFixed(3), cpuRatio: +(duck.cpuS / ndjson.cpuS).toFixed(3) },
    target: 'ocsf ratio >= 0.5, memory flat',
    loadavg: (await import('node:os')).loadavg(),
  };
}

export async function benchSiemForward(): Promise<unknown> {
  const lakeDir = process.env.CL_BENCH_LAKE_DIR ?? DEFAULT_LAKE;
  const want = Number(process.env.CL_BENCH_SIEM_ACTIVITIES ?? 10_000_000);
  const w = benchWindow(lakeDir, want);
  const dataDir = join(benchDir(), 'forward-data');
  const marker = join(dataDir, 'bench-export.json');
  const identity = JSON.stringify({ lake: lakeDir, since: w.since, until: w.until });
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== identity) {
    rmSync(dataDir, { recursive: true, force: true });
    log(`exporting ${w.since} .. ${w.until} to ${dataDir}`);
    const exp = await runSampled(['export', '--streams', 'activities', '--since', w.since, '--until', w.until, '--out', dataDir, '--data-dir', lakeDir], 'pipe');
    if (exp.code !== 0) throw new Error(`export failed: ${exp.stderr}`);
    writeFileSync(marker, identity);
  }
  // every pass starts from nothing: the cursor lives in the export's state store
  rmSync(join(dataDir, 'state.sqlite'), { force: true });
  rmSync(join(dataDir, 'state.sqlite-wal'), { force: true });
  rmSync(join(dataDir, 'state.sqlite-shm'), { force: true });
  let events = 0;
  let requests = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    requests++;
    req.on('data', (c: Buffer) => {
      bytes += c.length;
      for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) events++;
    });
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"Success","code":0}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const configPath = join(benchDir(), 'forward.config.json');
  writeFileSync(configPath, JSON.stringify({ forward: { destinations: [{ name: 'bench-hec', type: 'hec', url, tokenEnv: 'HEC_TOKEN', batchSize: 5000 }] } }));
  try {
    const run = await runSampled(['forward', '--data-dir', dataDir, '--config', configPath], 'pipe');
    if (run.code !== 0) throw new Error(`forward failed (${run.code}): ${run.stdout} ${run.stderr}`);
    log(`forward: ${events} events in ${(run.ms / 1000).toFixed(1)} s, peak RSS ${run.peakRssMb} MB`);
    return {
      window: w,
      events,
      requests,
      megabytes: Math.round(bytes / 1e6),
      ms: Math.round(run.ms),
      eventsPerSec: Math.round(events / (run.ms / 1000)),
      cpuS: run.cpuS,
      eventsPerCpuSecond: Math.round(events / run.cpuS),
      peakRssMb: run.peakRssMb,
      rssSamplesMb: run.rssSamplesMb,
      stdout: run.stdout,
      target: '>= 50 000 events/s, memory flat',
      loadavg: (await import('node:os')).loadavg(),
    };
  } finally {
    server.close();
  }
}
