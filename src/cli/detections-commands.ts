// `detections list | test | run` and `alerts list | show | ack | resolve | reopen` (issue 12; detections.md).
// Exit codes: 0 ok, 1 a rule (or a rule's test) failed, 2 configuration (a ConfigError, reported by main.ts).
import type { Command } from 'commander';
import {
  AlertNotFoundError,
  AlertStatusError,
  AlertStore,
  type DestinationFilter,
  type DetectionsConfig,
  DetectionsUnavailableError,
  type EvaluationReport,
  LEVELS,
  type Level,
  ALERT_STATUSES,
  type AlertStatus,
  RuleError,
  evaluateDetections,
  loadRulesChecked,
  changeAlertStatus,
  destinationFilters,
  loadDetections,
} from '../detections/index.js';
import { runRuleTests } from '../detections/rule-tests.js';
import { LakeCorruptError } from '../lake/lake.js';
import { LockedError } from '../lake/lock.js';
import { ModelBuildError } from '../models/build.js';
import { WarehouseMissingError } from '../models/query.js';
import { ConfigError } from './config.js';
import { DEFAULT_DATA_DIR } from './lake-commands.js';
import { requireLake } from './lake-guard.js';

// run-commands.ts (the daemon) loads the rules and destinations the same way
export { destinationFilters, loadDetections } from '../detections/index.js';

export interface DetectionsCommandIo {
  out(text: string): void;
  err(text: string): void;
}

const stdio: DetectionsCommandIo = {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(`compliance-lake: ${text}\n`),
};

/** Failures a user can act on: printed as they are, exit status 1. */
const EXPECTED = [LockedError, LakeCorruptError, WarehouseMissingError, DetectionsUnavailableError, AlertNotFoundError, AlertStatusError, ModelBuildError];

interface CommonFlags {
  dataDir: string;
  config?: string;
  json?: boolean;
}

function list(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter(Boolean);
}

export function registerDetectionsCommands(program: Command, io: DetectionsCommandIo = stdio): Command {
  const detections = program.command('detections').description('detection rules (sql/detections/) over the marts: list them, test them, evaluate them');
  detections
    .command('list')
    .description('the rules: id, level, kind, entity, enabled, parameters (configured values)')
    .option('--data-dir <dir>', 'data directory (for its config file)', DEFAULT_DATA_DIR)
    .option('--config <file>', 'config file (default <data-dir>/compliance-lake.config.json)')
    .option('--json', 'one JSON object per rule')
    .action((flags: CommonFlags) => {
      const { rules, config } = loadDetections(flags);
      const enabled = new Set(config.enabled);
      if (flags.json) {
        for (const r of rules) {
          io.out(
            JSON.stringify({
              id: r.id,
              title: r.title,
              level: r.level,
              kind: r.kind,
              entity: r.entity,
              mitre: r.mitre,
              enabled: enabled.has(r.id),
              params: Object.fromEntries(r.params.map((p) => [p.name, { type: p.type, default: p.default, value: config.params[r.id]?.[p.name] ?? p.default }])),
            }),
          );
        }
        return;
      }
      const width = Math.max(2, ...rules.map((r) => r.id.length));
      io.out(`${'id'.padEnd(width)}  level     kind       entity        enabled  params`);
      for (const r of rules) {
        const values = config.params[r.id] ?? Object.fromEntries(r.params.map((p) => [p.name, p.default]));
        const params = r.params.map((p) => `${p.name}=${JSON.stringify(values[p.name])}`).join(' ');
        io.out(`${r.id.padEnd(width)}  ${r.level.padEnd(8)}  ${r.kind.padEnd(9)}  ${r.entity.padEnd(12)}  ${(enabled.has(r.id) ? 'yes' : 'no').padEnd(7)}  ${params}`);
      }
    });

  detections
    .command('test')
    .description("run each rule's own test cases (sql/detections/tests/<id>.json) against a scratch lake and warehouse; exit 1 if any fails")
    .option('--rules <ids>', 'only these rules (comma separated)')
    .action(async (flags: { rules?: string }) => {
      const rules = loadRulesChecked();
      const only = list(flags.rules);
      for (const id of only ?? []) if (!rules.some((r) => r.id === id)) throw new ConfigError(`--rules: unknown rule "${id}"`);
      const selected = only ? rules.filter((r) => only.includes(r.id)) : rules;
      let results;
      try {
        results = await runRuleTests(selected);
      } catch (err) {
        if (err instanceof RuleError) throw new ConfigError(err.message);
        throw err;
      }
      for (const r of results) {
        io.out(`${r.ok ? 'pass' : 'FAIL'}  ${r.ruleId}: ${r.name}  (${(r.ms / 1000).toFixed(1)} s)`);
        for (const p of r.problems) io.out(`        ${p}`);
      }
      const untested = selected.filter((r) => !results.some((x) => x.ruleId === r.id)).map((r) => r.id);
      const failed = results.filter((r) => !r.ok).length;
      io.out(`${results.length - failed} passed, ${failed} failed${untested.length ? `; no test cases: ${untested.join(', ')}` : ''}`);
      if (failed) process.exitCode = 1;
    });

  detections
    .command('run')
    .description(
      'evaluate the enabled rules over data/warehouse.duckdb: incrementally from the activities committed since each rule last ran, ' +
        'or over everything for a rule evaluated for the first time or whose SQL or parameters changed (a retro hunt: historical alerts)',
    )
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--config <file>', 'config file (default <data-dir>/compliance-lake.config.json)')
    .option('--since <time>', 'evaluate from this time (RFC 3339) instead of incrementally; the alerts found are not historical')
    .option('--rules <ids>', 'only these rules (comma separated)')
    .option('--retro', 'evaluate over everything as a retro hunt (historical alerts, not delivered unless deliverHistorical)')
    .option('--json', 'the report as JSON')
    .action(async (flags: CommonFlags & { since?: string; rules?: string; retro?: boolean }) => {
      requireLake(flags.dataDir, 'detections run');
      const { rules, config, file } = loadDetections(flags);
      const only = list(flags.rules);
      for (const id of only ?? []) {
        if (!rules.some((r) => r.id === id)) throw new ConfigError(`--rules: unknown rule "${id}"; run \`compliance-lake detections list\``);
        if (!config.enabled.includes(id)) throw new ConfigError(`--rules: rule "${id}" is disabled in the config file`);
      }
      if (flags.since !== undefined && Number.isNaN(Date.parse(flags.since))) throw new ConfigError(`--since: "${flags.since}" is not an RFC 3339 time`);
      if (flags.since !== undefined && flags.retro) throw new ConfigError('--since and --retro exclude each other');
      const destinations = destinationFilters(file.destinations, rules);
      await expected(io, async () => {
        const report = await evaluateDetections({ dataDir: flags.dataDir, config, rules, destinations, only, since: flags.since, retro: flags.retro === true });
        io.out(flags.json ? JSON.stringify(report) : formatEvaluation(report));
        if (report.martsError) io.err(report.martsError);
        if (report.failed || report.martsError) process.exitCode = 1;
      });
    });

  const alerts = program.command('alerts').description('the alerts in data/alerts.sqlite: list them, change their status');
  alerts
    .command('list')
    .description('alerts, newest last_seen first')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--rules <ids>', 'only these rules (comma separated)')
    .option('--status <statuses>', `only these statuses (${ALERT_STATUSES.join(', ')})`)
    .option('--levels <levels>', `only these levels (${LEVELS.join(', ')})`)
    .option('--since <time>', 'last seen at or after this time')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'one JSON object per alert')
    .action(async (flags: { dataDir: string; rules?: string; status?: string; levels?: string; since?: string; limit: string; json?: boolean }) => {
      const status = list(flags.status);
      for (const s of status ?? []) if (!(ALERT_STATUSES as readonly string[]).includes(s)) throw new ConfigError(`--status: "${s}" is not one of ${ALERT_STATUSES.join(', ')}`);
      const levels = list(flags.levels);
      for (const l of levels ?? []) if (!(LEVELS as readonly string[]).includes(l)) throw new ConfigError(`--levels: "${l}" is not one of ${LEVELS.join(', ')}`);
      const limit = Number(flags.limit);
      if (!Number.isSafeInteger(limit) || limit < 1) throw new ConfigError('--limit must be a positive integer');
      await expected(io, async () => {
        const store = openStore(flags.dataDir, true);
        try {
          const rows = store.list({
            ruleIds: list(flags.rules),
            status: status as AlertStatus[] | undefined,
            levels: levels as Level[] | undefined,
            since: flags.since === undefined ? undefined : new Date(Date.parse(flags.since)).toISOString(),
            limit,
          });
          for (const a of rows) {
            if (flags.json) io.out(JSON.stringify(a));
            else
              io.out(
                `${a.id}  ${a.level.padEnd(8)}  ${a.status.padEnd(12)}  ${a.ruleId}  ${a.entityType}:${a.entityId}  ${a.firstSeen} .. ${a.lastSeen}` +
                  `${a.historical ? '  (historical)' : ''}\n    ${a.summary} (${a.evidenceCount} activities)`,
              );
          }
          if (!flags.json) io.out(`${rows.length} alert(s)`);
        } finally {
          store.close();
        }
      });
    });
  alerts
    .command('show')
    .description('one alert with its evidence and status changes, as JSON')
    .argument('<id>', 'alert id')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (id: string, flags: { dataDir: string }) => {
      await expected(io, async () => {
        const store = openStore(flags.dataDir, true);
        try {
          const alert = store.get(id);
          if (!alert) throw new AlertNotFoundError(id);
          io.out(JSON.stringify({ ...alert, actor: alert.actorJson ? JSON.parse(alert.actorJson) : null, evidence: store.evidence(id), statusChanges: store.statusChanges(id), outbox: store.outbox(id) }, null, 2));
        } finally {
          store.close();
        }
      });
    });
  for (const [name, verb, what] of [
    ['ack', 'acknowledge', 'open -> acknowledged'],
    ['resolve', 'resolve', 'open or acknowledged -> resolved'],
    ['reopen', 'reopen', 'acknowledged or resolved -> open'],
  ] as const) {
    alerts
      .command(name)
      .description(`${verb} an alert (${what}); records who and when`)
      .argument('<id>', 'alert id')
      .requiredOption('--by <who>', 'who changes the status (recorded)')
      .option('--note <text>', 'a note kept with the change')
      .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
      .action(async (id: string, flags: { dataDir: string; by: string; note?: string }) => {
        await expected(io, async () => {
          openStore(flags.dataDir, true).close();
          const a = await changeAlertStatus(flags.dataDir, id, verb, flags.by, flags.note);
          io.out(`${a.id}: ${a.status} (by ${flags.by})`);
        });
      });
  }
  return program;
}

function openStore(dataDir: string, readonly: boolean): AlertStore {
  if (!AlertStore.exists(dataDir)) throw new DetectionsUnavailableError(`no alert store in ${dataDir}: run \`compliance-lake detections run --data-dir ${dataDir}\` first`);
  return AlertStore.open(dataDir, { readonly });
}

async function expected(io: DetectionsCommandIo, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!EXPECTED.some((cls) => err instanceof cls)) throw err;
    io.err((err as Error).message);
    process.exitCode = 1;
  }
}

export function formatEvaluation(report: EvaluationReport): string {
  const width = Math.max(4, ...report.rules.map((r) => r.ruleId.length));
  const lines = [`detections run: ${report.rules.length} rule(s) over the warehouse built up to manifest entry ${report.toSeq}`];
  for (const r of report.rules) {
    const from = r.mode === 'retro' ? 'everything (retro hunt)' : r.mode === 'unchanged' ? 'no new activity' : `from ${r.evalStart}`;
    const what = r.error ? `FAILED: ${r.error}` : `${r.occurrences} occurrence(s): ${r.created} new, ${r.updated} updated, ${r.queued} queued for delivery`;
    lines.push(`  ${r.ruleId.padEnd(width)}  ${r.mode.padEnd(11)}  ${from}; ${what}  ${(r.durationMs / 1000).toFixed(2)} s`);
  }
  lines.push(`${report.failed ? `${report.failed} rule(s) failed; ` : ''}${(report.ms / 1000).toFixed(1)} s (evidence and actors looked up in ${(report.lookupMs / 1000).toFixed(2)} s)`);
  return lines.join('\n');
}
