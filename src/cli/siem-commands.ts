// `events` and `forward` (ocsf.md §4-5): activities to standard output as NDJSON or OCSF (or the Security Lake
// layout), and to configured SIEM destinations with a cursor each. Usage errors are ConfigErrors (exit 2).
import type { Command } from 'commander';
import { Option } from 'commander';
import { newRunId } from '../pipeline/run.js';
import { parseWindowBound } from '../lake/export.js';
import { loadCatalog, CATEGORIES } from '../models/catalog.js';
import { ActivityReader, type ActivityQuery } from '../siem/events.js';
import { OcsfMapper } from '../siem/ocsf.js';
import { EVENT_FORMATS, type EventFormat, LineSink } from '../siem/output.js';
import { mapInOrder, openMappingPool } from '../siem/mapping.js';
import { checkSecurityLakeOptions, writeSecurityLake } from '../siem/security-lake.js';
import { runForwardCommand, type ForwardFlags } from '../siem/forward-command.js';
import { ConfigError, DEFAULTS } from './config.js';
import { requireLake } from './lake-guard.js';

interface EventsFlags {
  dataDir: string;
  format: EventFormat;
  since?: string;
  until?: string;
  types?: string;
  categories?: string;
  layout: 'stdout' | 'security-lake';
  out?: string;
  region?: string;
  accountId?: string;
  source: string;
  history: boolean;
}

export function registerSiemCommands(program: Command): Command {
  program
    .command('events')
    .description('write activities to standard output, one JSON object per line, oldest first: as the API served them (ndjson) or as OCSF 1.8 events (ocsf)')
    .addOption(new Option('--format <format>', 'ndjson: the activity as served; ocsf: the OCSF 1.8 event (schema/ocsf.md)').choices(EVENT_FORMATS).default('ndjson'))
    .option('--since <time>', 'created at or after: RFC 3339 or a UTC date')
    .option('--until <time>', 'created before: RFC 3339 or a UTC date')
    .option('--types <list>', 'comma-separated activity types')
    .option('--categories <list>', `comma-separated categories: ${CATEGORIES.join(', ')}`)
    .addOption(new Option('--layout <layout>', 'stdout, or security-lake: Parquet per OCSF class under --out (schema/ocsf.md §6)').choices(['stdout', 'security-lake']).default('stdout'))
    .option('--out <dir>', 'security-lake: where the ext/ tree is written')
    .option('--region <region>', 'security-lake: the region= partition, e.g. eu-west-1')
    .option('--account-id <id>', 'security-lake: the accountId= partition (12 digits)')
    .option('--source <name>', 'security-lake: custom source name prefix', 'claude-compliance')
    .option('--no-history', "leave out the actor's user record as of the event (the user history mart)")
    .option('--data-dir <dir>', 'data directory', DEFAULTS.dataDir)
    .action(async (flags: EventsFlags) => {
      const q = eventQuery(flags);
      if (flags.layout === 'security-lake') {
        if (flags.format !== 'ocsf' && process.argv.includes('--format')) throw new ConfigError('--layout security-lake writes OCSF events: use --format ocsf (or leave --format out)');
        checkSecurityLakeOptions({ out: flags.out, region: flags.region, accountId: flags.accountId, source: flags.source });
      }
      requireLake(flags.dataDir, 'events');
      const warn = (m: string) => process.stderr.write(`compliance-lake: warning: ${m}\n`);
      const reader = await ActivityReader.open(flags.dataDir, { noHistory: !flags.history || (flags.format === 'ndjson' && flags.layout === 'stdout'), onWarning: warn });
      try {
        if (flags.layout === 'security-lake') {
          const report = await writeSecurityLake(reader, new OcsfMapper(), q, {
            out: flags.out!,
            region: flags.region!,
            accountId: flags.accountId!,
            source: flags.source,
            runId: newRunId(),
          });
          process.stderr.write(`compliance-lake: wrote ${report.events} OCSF events in ${report.files.length} Parquet file(s) under ${flags.out}/ext\n`);
          return;
        }
        // the events are built on mapping threads while this one reads the lake and writes (src/siem/mapping.ts)
        const pool = openMappingPool({ ocsf: flags.format === 'ocsf', frame: { kind: 'line' } });
        try {
          const sink = new LineSink(process.stdout);
          for await (const slice of mapInOrder(pool, reader.texts(q))) {
            const bytes = Buffer.from(slice.bytes.buffer, slice.bytes.byteOffset, slice.bytes.length);
            if (!(await sink.write(bytes, () => slice.done()))) break;
          }
        } finally {
          await pool.close();
        }
      } finally {
        reader.close();
      }
    });

  program
    .command('forward')
    .description('send new activities (and alerts) to the SIEM destinations of the config file\'s "forward" block, with a cursor per destination (schema/ocsf.md §5)')
    .option('--data-dir <dir>', 'data directory', DEFAULTS.dataDir)
    .option('--config <file>', 'config file (default <data-dir>/compliance-lake.config.json)')
    .option('--destinations <names>', 'comma-separated destination names (default all)')
    .option('--follow', 'keep forwarding: a pass every --interval until stopped (SIGINT/SIGTERM)')
    .option('--interval <duration>', 'with --follow: the wait between passes', '60s')
    .option('--max-attempts <n>', 'attempts per batch before a destination is given up for this pass', '5')
    .option('--status', 'print each destination\'s cursor and exit')
    .action(async (flags: ForwardFlags) => {
      requireLake(flags.dataDir, 'forward');
      process.exitCode = await runForwardCommand(flags);
    });
  return program;
}

function eventQuery(flags: EventsFlags): ActivityQuery {
  const bound = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const ms = parseWindowBound(v);
    if (ms === null) throw new ConfigError(`${name} must be an RFC 3339 time (2026-01-01T00:00:00Z) or a UTC date (2026-01-01); got "${v}"`);
    return ms;
  };
  const sinceMs = bound('--since', flags.since);
  const untilMs = bound('--until', flags.until);
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs >= untilMs) throw new ConfigError(`--since ${flags.since} must be before --until ${flags.until}`);
  const list = (v: string | undefined) => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean));
  let types = list(flags.types);
  const categories = list(flags.categories);
  if (categories) {
    const unknown = categories.filter((c) => !(CATEGORIES as readonly string[]).includes(c));
    if (unknown.length) throw new ConfigError(`--categories: unknown ${unknown.map((c) => `"${c}"`).join(', ')}; known: ${CATEGORIES.join(', ')}`);
    const inCategories = loadCatalog().filter((e) => categories.includes(e.category)).map((e) => e.type);
    types = types ? types.filter((t) => inCategories.includes(t)) : inCategories;
  }
  return { sinceMs, untilMs, types };
}
