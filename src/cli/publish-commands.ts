// `publish`: mirror the lake to S3-compatible storage (schema/publish.md). Bad usage is a ConfigError (exit 2);
// a store that refuses, a local file that is not what its manifest says, or a lake that fails its start-up
// check print what is wrong and exit 1. `verify --remote` lives with `verify` (lake-commands.ts).
import type { Command } from 'commander';
import { Option } from 'commander';
import { LakeCorruptError } from '../lake/lake.js';
import type { PublishProgress } from '../publish/publish.js';
import { publishBlock, resolvePublish, type PublishFlags } from '../publish/config.js';
import { PublishError } from '../publish/target.js';
import { ConfigError, DEFAULTS, PUBLISH_DEFAULTS } from './config.js';
import { requireLake } from './lake-guard.js';

interface PublishCommandFlags extends PublishFlags {
  dataDir: string;
  config?: string;
  quiet?: boolean;
}

export function registerPublishCommands(program: Command): Command {
  program
    .command('publish')
    .description(
      'mirror the committed lake files, manifests, the marts and the Iceberg table to S3-compatible storage, incrementally; ' +
        'every object is checked by SHA-256 after upload; nothing remote is deleted unless asked. Credentials: the AWS default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE, roles)',
    )
    .option('--to <url>', 's3://bucket/prefix (the bucket must exist; config file: publish.to)')
    .option('--endpoint <url>', 'S3-compatible endpoint: MinIO, R2, ... (env AWS_ENDPOINT_URL_S3; default AWS)')
    .option('--region <name>', `region (env AWS_REGION; default ${PUBLISH_DEFAULTS.region})`)
    .addOption(new Option('--object-lock <mode>', 'write every object under Object Lock retention (the bucket must have Object Lock)').choices(['compliance', 'governance']))
    .option('--retain-days <n>', 'with --object-lock: days each object is retained from now')
    .option('--delete-extraneous', 'delete remote objects under the prefix that are no longer part of the lake or the marts (after everything else)')
    .option('--full-check', 'ignore the remote marker and check every object with HeadObject (after the remote was changed by hand)')
    .option('--concurrency <n>', `uploads at a time (default ${PUBLISH_DEFAULTS.concurrency})`)
    .option('--data-dir <dir>', 'data directory', DEFAULTS.dataDir)
    .option('--config <file>', 'settings file (default <data-dir>/compliance-lake.config.json when present)')
    .option('--quiet', 'no progress, no summary')
    .action(async (flags: PublishCommandFlags) => {
      const block = publishBlock(flags.dataDir, flags.config) ?? {};
      const { dataDir, config: _c, quiet, ...cli } = flags;
      const merged: PublishFlags = { ...block, ...Object.fromEntries(Object.entries(cli).filter(([, v]) => v !== undefined)) };
      const settings = resolvePublish(merged);
      requireLake(dataDir, 'publish');
      const tty = process.stderr.isTTY && !quiet;
      try {
        // the AWS SDK is loaded by the command that uses it, not by every command
        const { formatPublishReport, publish } = await import('../publish/publish.js');
        const report = await publish({ dataDir, ...settings, onProgress: tty ? progress : undefined });
        if (tty) process.stderr.write('\r\x1b[K');
        if (!quiet) process.stdout.write(formatPublishReport(report) + '\n');
        else for (const w of report.warnings) process.stderr.write(`compliance-lake: warning: ${w}\n`);
      } catch (err) {
        if (tty) process.stderr.write('\r\x1b[K');
        if (err instanceof PublishError || err instanceof LakeCorruptError) {
          process.stderr.write(`compliance-lake: publish: ${err.message}\nWhat was confirmed stays on the remote; re-run publish to continue (nothing is sent twice).\n`);
          process.exitCode = 1;
          return;
        }
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ConfigError(`publish: ${(err as Error).message}`);
        throw err;
      }
    });
  return program;
}

function progress(p: PublishProgress): void {
  process.stderr.write(`\r\x1b[K  ${p.phase}: ${p.done} of ${p.total}, ${(p.bytesSent / 1024 / 1024).toFixed(0)} MiB sent`);
}
