// `models build` and `sql`: build the DuckDB models over the lake, and query data/warehouse.duckdb
// read-only. Bad usage is a ConfigError (exit 2, reported by main.ts); a failing model test, a model whose
// SQL fails, a missing warehouse or a refused write prints what is wrong and sets exit status 1.
import type { Command } from 'commander';
import { LakeCorruptError } from '../lake/lake.js';
import { LockedError } from '../lake/lock.js';
import { type BuildReport, ModelBuildError, ModelTestError, buildModels } from '../models/build.js';
import { OUTPUT_FORMATS, type OutputFormat, QueryError, ReadOnlyWarehouseError, WarehouseMissingError, queryWarehouse } from '../models/query.js';
import { SqlProjectError } from '../models/sql-files.js';
import { ConfigError } from './config.js';
import { requireLake } from './lake-guard.js';
import { DEFAULT_DATA_DIR } from './lake-commands.js';

/** Where the commands write; tests pass their own. */
export interface ModelsCommandIo {
  /** Result text as it streams (a promise is awaited: stdout's buffer is full). */
  write(text: string): void | Promise<void>;
  err(text: string): void;
}

const stdio: ModelsCommandIo = {
  write: (text) =>
    process.stdout.write(text) ? undefined : new Promise<void>((resolve) => process.stdout.once('drain', () => resolve())),
  err: (text) => process.stderr.write(`compliance-lake: ${text}\n`),
};

/** Failures a user can act on: printed as they are, exit status 1. */
const EXPECTED = [ModelTestError, ModelBuildError, SqlProjectError, LockedError, LakeCorruptError, WarehouseMissingError, ReadOnlyWarehouseError, QueryError];

interface BuildFlags {
  full?: boolean;
  dataDir: string;
}

interface SqlFlags {
  format: string;
  dataDir: string;
}

export function registerModelsCommands(program: Command, io: ModelsCommandIo = stdio): Command {
  const models = program.command('models').description('the DuckDB models over the lake: sql/staging -> intermediate -> marts, checked by sql/tests');
  models
    .command('build')
    .description(
      'build the models into data/models/ (Parquet) and a fresh data/warehouse.duckdb; incremental: rebuilds only the months ' +
        'new lake files touch (and small directory models whole); fails (exit 1) and publishes nothing if a sql/tests query returns rows',
    )
    .option('--full', 'rebuild everything')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (flags: BuildFlags) => {
      requireLake(flags.dataDir, 'models build');
      await expected(io, async () => {
        const report = await buildModels(flags.dataDir, { full: flags.full === true });
        await io.write(formatBuildReport(report) + '\n');
      });
    });

  program
    .command('sql')
    .description('run read-only SQL against data/warehouse.duckdb (staging, intermediate, marts, seeds); timestamps print as ISO 8601 UTC')
    .argument('<query>', 'SQL; with several statements, the result of the last is printed')
    .option('--format <format>', `output: ${OUTPUT_FORMATS.join(', ')}`, 'table')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (query: string, flags: SqlFlags) => {
      if (!(OUTPUT_FORMATS as readonly string[]).includes(flags.format)) {
        throw new ConfigError(`--format must be one of ${OUTPUT_FORMATS.join(', ')}; got "${flags.format}"`);
      }
      requireLake(flags.dataDir, 'sql');
      await expected(io, () => queryWarehouse(flags.dataDir, query, flags.format as OutputFormat, io));
    });
  return program;
}

async function expected(io: ModelsCommandIo, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!EXPECTED.some((cls) => err instanceof cls)) throw err;
    io.err((err as Error).message);
    process.exitCode = 1;
  }
}

export function formatBuildReport(report: BuildReport): string {
  const lines = [
    `models build: ${report.mode} (${report.reason}); lake read up to manifest entry ${report.toSeq}`,
  ];
  const width = Math.max(...report.relations.map((r) => r.relation.length));
  for (const r of report.relations) {
    const rows = r.rows === null ? '' : `${r.rows} rows`;
    let what = `${r.materialized.padEnd(11)}  ${rows.padStart(12)}`;
    if (r.materialized === 'monthly') {
      const rebuilt = r.rebuiltMonths ?? [];
      const folded = new Set(r.foldedMonths ?? []);
      const months = rebuilt.map((m) => (folded.has(m) ? `${m} (folded)` : m));
      what += `  rebuilt ${months.length ? months.join(', ') : 'no month'}; kept ${r.keptMonths ?? 0}`;
    }
    if (r.materialized === 'incremental') what += r.folded ? '  folded into the last build' : '  from nothing (no usable last build)';
    lines.push(`  ${r.relation.padEnd(width)}  ${what}  ${(r.ms / 1000).toFixed(2)} s`);
  }
  lines.push(`  tests: ${report.tests.length} passed`);
  const p = report.phases;
  const s = (ms: number) => (ms / 1000).toFixed(1);
  lines.push(
    `warehouse: ${report.warehouse} (${s(report.ms)} s: manifest and plan ${s(p.open)}, models ${s(p.models)}, tests ${s(p.tests)}, ` +
      `close ${s(p.close)}, publish ${s(p.publish)}, warehouse ${s(p.warehouse)})`,
  );
  return lines.join('\n');
}
