// `ddl` and `iceberg refresh`: the lake for other engines (schema/ddl.md, schema/iceberg.md). `ddl` only reads
// (the manifest, the marts' files) and prints; `iceberg refresh` writes Iceberg metadata, never a data file.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { renderDdl } from '../engines/ddl.js';
import { locationUri, parseLocation } from '../engines/location.js';
import { describeSources } from '../engines/sources.js';
import { ENGINES, type Engine, UnmappedTypeError } from '../engines/types.js';
import type { RefreshReport } from '../iceberg/refresh.js';
import { IcebergCommitConflict, defaultTableDir, icebergTableExists } from '../iceberg/hook.js';
import { Lake, LakeCorruptError } from '../lake/lake.js';
import { ConfigError, DEFAULTS } from './config.js';
import { requireLake } from './lake-guard.js';

/** Where the commands write; tests pass their own. */
export interface EngineCommandIo {
  out(text: string): void;
  err(text: string): void;
}

const stdio: EngineCommandIo = {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(`compliance-lake: ${text}\n`),
};

export const DEFAULT_DATABASE = 'compliance_lake';

interface DdlFlags {
  engine: Engine;
  location?: string;
  database: string;
  dataDir: string;
}

interface RefreshFlags {
  location?: string;
  out?: string;
  dataDir: string;
}

export function registerEngineCommands(program: Command, io: EngineCommandIo = stdio): Command {
  program
    .command('ddl')
    .description("print the statements that define the lake's streams and the marts as external tables in another engine, over the files where they sit (schema/ddl.md)")
    .addOption(new Option('--engine <engine>', 'the engine to write for').choices([...ENGINES]).makeOptionMandatory())
    .option('--location <uri>', 'where the engine finds the data dir: s3://bucket/prefix (a published copy), gs://…, https://…, file:///path or a path (default: the data dir)')
    .option('--database <name>', 'schema, database or dataset to create the tables in', DEFAULT_DATABASE)
    .option('--data-dir <dir>', 'data directory', DEFAULTS.dataDir)
    .action(async (flags: DdlFlags) => {
      requireLake(flags.dataDir, 'ddl');
      const location = parseLocation(flags.location, flags.dataDir);
      try {
        const lake = Lake.open(flags.dataDir);
        const sources = await describeSources(flags.dataDir, lake);
        io.out(renderDdl(sources, { engine: flags.engine, location, database: flags.database, iceberg: currentIceberg(flags.dataDir, locationUri(location)) }));
      } catch (err) {
        if (err instanceof UnmappedTypeError) throw new ConfigError(err.message);
        refuse(err, io);
      }
    });

  program
    .command('iceberg')
    .description('the Iceberg table over the activities (schema/iceberg.md)')
    .command('refresh')
    .description(
      'write or bring up to date the Iceberg table over the lake\'s activity files (metadata only: the Parquet files are used in place); ' +
        'once it exists, every sync and compaction refreshes it too',
    )
    .option('--location <uri>', 'where engines find the data dir: file:///… (default: the data dir) or s3://bucket/prefix for the copy `publish` mirrors')
    .option('--out <dir>', 'write the table here instead of <data-dir>/iceberg/activities (for another location, or a data dir you cannot write to)')
    .option('--data-dir <dir>', 'data directory', DEFAULTS.dataDir)
    .action(async (flags: RefreshFlags) => {
      requireLake(flags.dataDir, 'iceberg refresh');
      const location = flags.location === undefined ? undefined : parseLocation(flags.location, flags.dataDir);
      try {
        const { refreshIceberg } = await import('../iceberg/refresh.js');
        io.out(formatRefreshReport(await refreshIceberg({ dataDir: flags.dataDir, location, out: flags.out })));
      } catch (err) {
        refuse(err, io);
      }
    });
  return program;
}

/** The table's current metadata file, when the data dir's table was written for this location. */
function currentIceberg(dataDir: string, location: string): { metadataFile: string } | null {
  const dir = defaultTableDir(dataDir);
  if (!icebergTableExists(dir)) return null;
  const version = readFileSync(join(dir, 'metadata', 'version-hint.text'), 'utf8').trim();
  const file = join(dir, 'metadata', `v${version}.metadata.json`);
  if (!existsSync(file)) return null;
  const written = JSON.parse(readFileSync(file, 'utf8')).properties?.['compliance-lake.location'];
  return written === location ? { metadataFile: `v${version}.metadata.json` } : null;
}

export function formatRefreshReport(r: RefreshReport): string {
  if (r.metadataFile === null) return `iceberg: ${r.tableDir} already lists the lake's ${r.totalFiles} activity files (v${r.version}); nothing to do`;
  return (
    `iceberg: ${r.operation} snapshot ${r.snapshotId}: +${r.addedFiles} / -${r.deletedFiles} files, ${r.totalFiles} files and ${r.totalRecords} rows in the table, ` +
    `${r.manifestsWritten} manifest${r.manifestsWritten === 1 ? '' : 's'} written, ${(r.ms / 1000).toFixed(2)} s\n` +
    `  table: ${r.tableLocation} (metadata ${r.metadataFile})`
  );
}

function refuse(err: unknown, io: EngineCommandIo): void {
  if (err instanceof LakeCorruptError || err instanceof IcebergCommitConflict) {
    io.err(err.message);
    process.exitCode = 1;
    return;
  }
  throw err;
}
