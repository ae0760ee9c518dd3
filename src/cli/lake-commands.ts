// `verify`, `export` and `compact`: the commands that check, archive and tidy the lake. Bad usage is a
// ConfigError (exit 2, reported by main.ts); a lake that fails a check or a refused operation prints what is
// wrong and sets exit status 1.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { newRunId } from '../pipeline/run.js';
import { CompactError, compactLake, formatCompactReport } from '../lake/compact.js';
import { openDuck } from '../lake/duck.js';
import { ExportError, exportLake, formatExportReport, parseWindowBound } from '../lake/export.js';
import { Lake, LakeCorruptError } from '../lake/lake.js';
import { LockedError, acquireLock } from '../lake/lock.js';
import { STREAMS } from '../lake/tables.js';
import { formatVerifyReport, verifyLake } from '../lake/verify.js';
import { refreshIcebergAfterCommit } from '../iceberg/hook.js';
import { STATE_FILE, StateStore } from '../state/index.js';
import { ConfigError, DEFAULTS, intOption } from './config.js';
import { requireLake } from './lake-guard.js';
import { readManifest } from '../lake/manifest.js';
import { resolvePublish } from '../publish/config.js';
import { PublishError } from '../publish/target.js';

export const DEFAULT_DATA_DIR = DEFAULTS.dataDir;

/** Where the commands write; tests pass their own. */
export interface LakeCommandIo {
  out(text: string): void;
  err(text: string): void;
}

const stdio: LakeCommandIo = {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(`compliance-lake: ${text}\n`),
};

interface VerifyFlags {
  dataDir: string;
  remote?: string;
  endpoint?: string;
  region?: string;
}

interface ExportFlags {
  dataDir: string;
  since?: string;
  until?: string;
  out?: string;
  streams?: string;
}

interface CompactFlags {
  dataDir: string;
  streams?: string;
  minFiles?: string;
}

export function registerLakeCommands(program: Command, io: LakeCommandIo = stdio): Command {
  program
    .command('verify')
    .description(
      "recompute every committed file's SHA-256, size, rows, time range and ids, and the manifest's hash chain; " +
        'name every file or entry that was changed, added or removed (exit 1 if any). Works on a data dir and on an export.',
    )
    .option('--data-dir <dir>', 'data directory, or an export directory', DEFAULT_DATA_DIR)
    .option('--remote <url>', 'verify the published copy at s3://bucket/prefix instead (schema/publish.md §7); a local lake, if any, says how far behind it is')
    .option('--endpoint <url>', 'with --remote: S3-compatible endpoint (env AWS_ENDPOINT_URL_S3)')
    .option('--region <name>', 'with --remote: region (env AWS_REGION)')
    .action(async (flags: VerifyFlags) => {
      if (flags.remote !== undefined) return runVerifyRemote(flags, io);
      requireLake(flags.dataDir, 'verify');
      const report = await verifyLake(flags.dataDir);
      io.out(formatVerifyReport(report));
      if (!report.ok) process.exitCode = 1;
    });

  program
    .command('export')
    .description(
      'copy the committed files of a time window into a self-contained, verifiable archive (legal hold): ' +
        'Parquet files, a fresh hash-chained manifest and a README on how to check it',
    )
    .option('--since <time>', 'window start, inclusive: RFC 3339 (2026-01-01T00:00:00Z) or a UTC date (2026-01-01)')
    .option('--until <time>', 'window end, exclusive: RFC 3339 or a UTC date')
    .option('--out <dir>', 'target directory; must not exist or be empty')
    .option('--streams <list>', `comma-separated streams (default all): ${STREAMS.join(',')}`)
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (flags: ExportFlags) => {
      const since = windowFlag('--since', flags.since);
      const until = windowFlag('--until', flags.until);
      if (parseWindowBound(since)! >= parseWindowBound(until)!) throw new ConfigError(`--since ${since} must be before --until ${until}`);
      if (!flags.out) throw new ConfigError('--out <dir> is required: the directory to write the export into (new or empty)');
      const streams = streamsFlag(flags.streams);
      requireLake(flags.dataDir, 'export');
      try {
        const duck = await openDuck({ dataDir: flags.dataDir });
        try {
          io.out(formatExportReport(await exportLake(flags.dataDir, { since, until, out: flags.out, streams, duck })));
        } finally {
          duck.close();
        }
      } catch (err) {
        refuse(err, io);
      }
    });

  program
    .command('compact')
    .description(
      "rewrite each day partition's small files into one deduplicated file and swap it in through the manifest " +
        '(takes the writer lock; readers are never blocked)',
    )
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--streams <list>', 'comma-separated streams (default all)')
    .option('--min-files <n>', 'compact partitions holding at least this many files', '2')
    .action(async (flags: CompactFlags) => {
      const minFiles = intOption('--min-files', flags.minFiles, 2, 1);
      const streams = streamsFlag(flags.streams);
      requireLake(flags.dataDir, 'compact');
      try {
        await runCompact(flags.dataDir, streams, minFiles, io);
      } catch (err) {
        refuse(err, io);
      }
    });

  return program;
}

async function runVerifyRemote(flags: VerifyFlags, io: LakeCommandIo): Promise<void> {
  const { target } = resolvePublish({ to: flags.remote, endpoint: flags.endpoint, region: flags.region });
  const manifests = join(flags.dataDir, 'lake', '_manifests');
  const localEntries = existsSync(manifests) ? readManifest(join(flags.dataDir, 'lake')).entries : undefined;
  try {
    const { formatRemoteVerifyReport, verifyRemote } = await import('../publish/verify-remote.js');
    const report = await verifyRemote({ target, localEntries });
    io.out(formatRemoteVerifyReport(report));
    if (!report.ok) process.exitCode = 1;
  } catch (err) {
    if (!(err instanceof PublishError)) throw err;
    io.err(`verify --remote: ${err.message}`);
    process.exitCode = 1;
  }
}

async function runCompact(dataDir: string, streams: string[] | undefined, minFiles: number, io: LakeCommandIo): Promise<void> {
  const lock = acquireLock(dataDir, `compliance-lake compact --data-dir ${dataDir}`);
  try {
    if (lock.recoveredFrom) io.err(`took over the lock of pid ${lock.recoveredFrom.pid} (${lock.recoveredFrom.command}), which no longer runs`);
    const runId = newRunId();
    const { quarantined, quarantineDir } = Lake.open(dataDir).quarantineUncommitted(runId);
    if (quarantineDir) io.err(`moved ${quarantined.length} uncommitted file${quarantined.length === 1 ? '' : 's'} (left by an interrupted run) to ${quarantineDir}`);
    // The state store lists the files readers open: it must name the new file before the old ones are deleted.
    const state = existsSync(join(dataDir, STATE_FILE)) ? StateStore.open(dataDir) : null;
    const duck = await openDuck({ dataDir });
    try {
      const report = await compactLake(dataDir, { streams, minFiles, runId, duck, lockHeld: true, onCommit: (_entry, lake) => state?.catchUp(lake.entries) });
      io.out(formatCompactReport(report));
      const iceberg = await refreshIcebergAfterCommit(dataDir, { info: () => {}, warn: (obj) => io.err(`iceberg refresh failed: ${String(obj.error)}; run \`compliance-lake iceberg refresh\``) });
      if (iceberg?.metadataFile) io.out(`iceberg: ${iceberg.operation} snapshot ${iceberg.snapshotId} (+${iceberg.addedFiles} / -${iceberg.deletedFiles} files)`);
    } finally {
      duck.close();
      state?.close();
    }
  } finally {
    lock.release();
  }
}

/** A refused operation: usage errors go to main.ts as ConfigError (exit 2); the rest print and exit 1. */
function refuse(err: unknown, io: LakeCommandIo): void {
  if ((err instanceof ExportError || err instanceof CompactError) && err.usage) throw new ConfigError(err.message);
  if (err instanceof LockedError || err instanceof LakeCorruptError || err instanceof ExportError || err instanceof CompactError) {
    io.err(err.message);
    process.exitCode = 1;
    return;
  }
  throw err;
}

function windowFlag(name: string, value: string | undefined): string {
  if (value === undefined) throw new ConfigError(`${name} is required: an RFC 3339 timestamp (2026-01-01T00:00:00Z) or a UTC date (2026-01-01)`);
  if (parseWindowBound(value) === null) throw new ConfigError(`${name} must be an RFC 3339 timestamp such as 2026-01-01T00:00:00Z or a date such as 2026-01-01; got "${value}"`);
  return value;
}

function streamsFlag(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const streams = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (streams.length === 0) throw new ConfigError('--streams needs at least one stream name');
  const unknown = streams.filter((s) => !STREAMS.includes(s));
  if (unknown.length) throw new ConfigError(`--streams: unknown stream${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}; the streams are ${STREAMS.join(', ')}`);
  return streams;
}
