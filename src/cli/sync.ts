// `compliance-lake sync`: one validated configuration (flags over the config file over the environment),
// then a sync run with progress on a terminal or JSON log lines otherwise, and a summary table at the end.
import { stderrLogger } from './log.js';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cursorTimeOf, STREAM_NAMES } from '../extract/registry.js';
import { type StreamSummary, type SyncResult, runSync } from '../pipeline/run.js';
import { ConfigError, DEFAULTS, loadConnection, timeOption } from './config.js';
import { StreamSelectionError, keyKindOf, planStreams } from '../pipeline/keys.js';

export interface SyncFlags {
  dataDir?: string;
  config?: string;
  baseUrl?: string;
  apiKeyFile?: string;
  streams?: string;
  since?: string;
  until?: string;
  overlap?: string;
  reconcileDays?: string;
  rpm?: string;
  maxRetries?: string;
  compactMaxFiles?: string;
  quiet?: boolean;
}

export const CONFIG_FILE = 'compliance-lake.config.json';

/** Settings a config file may hold, with the flag each one mirrors. */
const FILE_KEYS: Record<string, keyof SyncFlags> = {
  baseUrl: 'baseUrl',
  apiKeyFile: 'apiKeyFile',
  streams: 'streams',
  since: 'since',
  until: 'until',
  overlap: 'overlap',
  reconcileDays: 'reconcileDays',
  rpm: 'rpm',
  maxRetries: 'maxRetries',
  compactMaxFiles: 'compactMaxFiles',
};
/** Blocks of the config file other modules validate (src/detections/config.ts, src/delivery/config.ts, src/siem/forward-config.ts, src/publish/config.ts): passed over here. */
const BLOCK_KEYS = ['detections', 'destinations', 'forward', 'publish'];

export interface ResolvedSync {
  dataDir: string;
  baseUrl: string;
  apiKey: string;
  requestsPerMinute: number;
  /** The streams a run takes: those asked for, or every stream the key can read. */
  streams: string[];
  /** What --streams (or the config file) asked for; undefined = the default. */
  requestedStreams: string[] | undefined;
  /** Streams the default leaves out because the key cannot read them. */
  skipped: { stream: string; reason: string }[];
  sinceMs?: number;
  untilMs?: number;
  overlapMs: number;
  reconcileDays: number;
  maxRetries: number;
  compactMaxFiles: number;
  warnings: string[];
}

/** Reads and validates everything before any request; every error names the setting. */
export function resolveSyncConfig(flags: SyncFlags, env: NodeJS.ProcessEnv = process.env): ResolvedSync {
  const dataDir = resolve(flags.dataDir ?? DEFAULTS.dataDir);
  const configPath = flags.config ?? join(dataDir, CONFIG_FILE);
  const fromFile: SyncFlags = {};
  if (flags.config !== undefined || existsSync(configPath)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(configPath, 'utf8'));
    } catch (err) {
      throw new ConfigError(`config file ${configPath}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : `not valid JSON (${(err as Error).message})`}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`config file ${configPath}: must be a JSON object`);
    for (const [key, value] of Object.entries(parsed)) {
      if (key === 'apiKey' || key === 'api_key') {
        throw new ConfigError(`config file ${configPath}: "${key}" is not allowed (keys do not belong in config files); put the key in its own file and set "apiKeyFile", or use ANTHROPIC_COMPLIANCE_API_KEY`);
      }
      if (BLOCK_KEYS.includes(key)) continue;
      const flag = FILE_KEYS[key];
      if (!flag) throw new ConfigError(`config file ${configPath}: unknown setting "${key}"; known: ${[...Object.keys(FILE_KEYS), ...BLOCK_KEYS].join(', ')}`);
      if (Array.isArray(value) && key === 'streams') (fromFile as Record<string, unknown>)[flag] = value.join(',');
      else if (typeof value === 'string' || typeof value === 'number') (fromFile as Record<string, unknown>)[flag] = String(value);
      else throw new ConfigError(`config file ${configPath}: "${key}" must be a string or a number`);
    }
  }
  const f: SyncFlags = { ...fromFile, ...definedOnly(flags) };
  const connection = loadConnection({ baseUrl: f.baseUrl, apiKeyFile: f.apiKeyFile, rpm: f.rpm }, env);
  const requested = f.streams === undefined ? undefined : f.streams.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = (requested ?? []).filter((s) => !STREAM_NAMES.includes(s));
  if (unknown.length || requested?.length === 0) {
    throw new ConfigError(`--streams: unknown stream(s) ${unknown.map((s) => `"${s}"`).join(', ') || '(none given)'}; known: ${STREAM_NAMES.join(', ')}`);
  }
  // What the key cannot read is known from its kind before any request (compliance-api.md §1.2).
  let plan: ReturnType<typeof planStreams>;
  try {
    plan = planStreams(requested, keyKindOf(connection.apiKey));
  } catch (err) {
    if (err instanceof StreamSelectionError) throw new ConfigError(`--streams: ${err.message}`);
    throw err;
  }
  const streams = plan.streams.map((s) => s.name);
  const sinceMs = timeOption('--since', f.since);
  const untilMs = timeOption('--until', f.until);
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs >= untilMs) throw new ConfigError('--since must be before --until');
  return {
    dataDir,
    baseUrl: connection.baseUrl,
    apiKey: connection.apiKey,
    requestsPerMinute: connection.requestsPerMinute,
    streams,
    requestedStreams: requested,
    skipped: plan.skipped,
    sinceMs,
    untilMs,
    overlapMs: durationOption('--overlap', f.overlap, DEFAULTS.overlapMs),
    reconcileDays: wholeNumber('--reconcile-days', f.reconcileDays, DEFAULTS.reconcileDays),
    maxRetries: wholeNumber('--max-retries', f.maxRetries, DEFAULTS.maxRetries),
    compactMaxFiles: wholeNumber('--compact-max-files', f.compactMaxFiles, DEFAULTS.compactMaxFiles),
    warnings: connection.warnings,
  };
}

export function durationOption(name: string, value: string | undefined, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!m) throw new ConfigError(`${name} must be a duration such as 10m, 90s, 2h or 1d; got "${value}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
  return Number(m[1]) * unit;
}

function wholeNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name} must be a whole number >= 0; got "${value}"`);
  return n;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Runs the command; returns the exit code (0 only if every requested stream committed). */
export async function runSyncCommand(flags: SyncFlags): Promise<number> {
  const config = resolveSyncConfig(flags);
  const tty = Boolean(process.stderr.isTTY) && !flags.quiet;
  // JSON lines on stderr when not on a terminal; on a terminal only warnings and errors, the bars do the rest.
  const { log, logger } = stderrLogger(flags.quiet || tty ? 'warn' : 'info');
  for (const w of config.warnings) log.warn({}, w);
  if (config.skipped.length) log.warn({ skipped: config.skipped.map((s) => s.stream) }, `skipping ${config.skipped.map((s) => s.stream).join(', ')}: ${config.skipped[0].reason}`);
  const bar = progressBar(tty);
  const result = await runSync({
    dataDir: config.dataDir,
    apiKey: config.apiKey,
    baseUrl: config.baseUrl,
    requestsPerMinute: config.requestsPerMinute,
    streams: config.requestedStreams,
    settings: { sinceMs: config.sinceMs, untilMs: config.untilMs, overlapMs: config.overlapMs, reconcileDays: config.reconcileDays },
    maxRetries: config.maxRetries,
    logger,
    onRecovery: (moved, dir) => {
      const text = `Moved ${moved.length} uncommitted file(s) left by an interrupted run to ${dir}`;
      if (tty) process.stderr.write(`${text}:\n${moved.map((p) => `  ${p}`).join('\n')}\n`);
      else log.warn({ quarantined: moved, quarantine_dir: dir }, text);
    },
    onProgress: bar.update,
    onStream: (stream, phase, summary) => {
      if (phase === 'start') bar.start(stream);
      else {
        bar.end();
        if (!tty && summary) log.info({ stream, status: summary.status, records: summary.recordsRead, new: summary.newRecords, files: summary.filesWritten }, 'sync: stream done');
      }
    },
    compactMaxFiles: config.compactMaxFiles,
  });
  if (result.recoveredLockFrom) log.warn({ pid: result.recoveredLockFrom.pid }, `took over the lock of a process that no longer runs (pid ${result.recoveredLockFrom.pid})`);
  if (!flags.quiet) process.stdout.write(formatSyncSummary(result) + '\n');
  // on a terminal, the failures again in plain words; otherwise they were logged as JSON lines already
  if (tty || flags.quiet) for (const s of result.streams) if (s.status !== 'committed') process.stderr.write(`${s.stream}: ${s.error}\n`);
  // a base URL that never answered is a setting to fix, like a bad flag: exit 2 with the cause in words
  const misconfigured = result.streams.find((s) => s.configuration);
  if (misconfigured) {
    process.stderr.write(`compliance-lake: ${misconfigured.error}\n`);
    return 2;
  }
  return result.ok ? 0 : 1;
}

export function formatSyncSummary(result: SyncResult): string {
  const header = ['stream', 'status', 'read', 'new', 'files', 'cursor before', 'cursor after', 'requests', 'retries', '429s', 'time'];
  const rows = result.streams.map((s: StreamSummary) => [
    s.stream,
    s.status,
    String(s.recordsRead),
    String(s.newRecords),
    String(s.filesWritten),
    cursorText(s.stream, s.cursorBefore),
    cursorText(s.stream, s.cursorAfter),
    String(s.requests),
    String(s.retries),
    String(s.rateLimited),
    `${(s.durationMs / 1000).toFixed(1)} s`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const out = [`run ${result.runId}: ${result.ok ? 'every stream committed' : 'some streams did not commit'}`, line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  if (result.skipped.length) out.push(`skipped ${result.skipped.map((s) => s.stream).join(', ')}: ${result.skipped[0].reason}`);
  if (result.compactedPartitions) out.push(`compacted ${result.compactedPartitions} partition(s)`);
  return out.join('\n');
}

function cursorText(stream: string, cursor: unknown): string {
  if (cursor === null || cursor === undefined) return '-';
  const value = cursorTimeOf(stream, cursor);
  return value !== null ? value.replace(/\.\d+Z$/, 'Z') : JSON.stringify(cursor).slice(0, 30);
}

function progressBar(tty: boolean) {
  let started = 0;
  return {
    start(_name: string) {
      started = Date.now();
    },
    update(name: string, pages: number, records: number) {
      if (!tty) return;
      const secs = Math.max(0.001, (Date.now() - started) / 1000);
      process.stderr.write(`\r\x1b[K  ${name.padEnd(20)} ${String(pages).padStart(6)} pages  ${String(records).padStart(10)} records  ${Math.round(records / secs)}/s`);
    },
    end() {
      if (tty) process.stderr.write('\r\x1b[K');
    },
  };
}
