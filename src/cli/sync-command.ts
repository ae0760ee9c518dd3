// The `sync` command's definition, and a program holding only it: `sync` runs most often (every minute from
// cron), and src/cli/main.ts runs it through this module so that its start-up loads the sync's own modules
// only, not the GraphQL server, the daemon, the detections and the rest (about 0.3 s of CPU before the
// first request; BENCHMARKS.md, issue 11, sync throughput).
import { Command } from 'commander';
import { packageVersion } from '../api/index.js';
import { STREAM_NAMES } from '../extract/registry.js';
import { DEFAULTS } from './config.js';
import { fail } from './fail.js';
import { runSyncCommand, type SyncFlags } from './sync.js';

/** The root command every entry starts from. */
export function newProgram(): Command {
  return new Command('compliance-lake')
    .description('Keep a complete, verifiable copy of your Claude Compliance API data, and query it.')
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)');
}

export function registerSyncCommand(program: Command): void {
  program
    .command('sync')
    .description('copy the activity feed, directory snapshots and content metadata into the Parquet lake')
    .option('--data-dir <dir>', 'where the lake, manifests and state live (default ./data)')
    .option('--config <file>', `settings file (default <data-dir>/compliance-lake.config.json when present)`)
    .option('--base-url <url>', 'API origin (env COMPLIANCE_API_BASE_URL; default https://api.anthropic.com)')
    .option('--api-key-file <file>', 'file holding the key (default env ANTHROPIC_COMPLIANCE_API_KEY)')
    .option('--streams <list>', `comma-separated streams (default every one the key can read: ${STREAM_NAMES.join(',')})`)
    .option('--since <time>', 'first run: backfill from this RFC 3339 time (default: as far back as the feed goes)')
    .option('--until <time>', 'read up to this time (default: one minute before the server clock)')
    .option('--overlap <duration>', `re-read window behind the cursor each run, e.g. 10m (default ${DEFAULTS.overlapMs / 60_000}m)`)
    .option('--reconcile-days <n>', `closed days re-read once a day to catch late arrivals (default ${DEFAULTS.reconcileDays})`)
    .option('--rpm <n>', `client-side budget, requests per minute, 0 = no pacing (default ${DEFAULTS.requestsPerMinute})`)
    .option('--max-retries <n>', `retries per request after the first attempt (default ${DEFAULTS.maxRetries})`)
    .option('--compact-max-files <n>', `compact a partition once it holds more files than this, 0 = never (default ${DEFAULTS.compactMaxFiles})`)
    .option('--quiet', 'no progress, no summary; warnings and errors only')
    .action(async (flags: SyncFlags) => {
      process.exitCode = await runSyncCommand(flags);
    });
}

/** Runs `compliance-lake sync ...` from a program that knows no other command. */
export function runSyncOnly(argv: string[]): void {
  const program = newProgram();
  registerSyncCommand(program);
  process.on('unhandledRejection', fail);
  program.parseAsync(argv).catch(fail);
}
