// The rules as GraphQL shows them: each rule's header and parameters as configured (the engine's loader,
// src/detections), whether it is enabled, its alert counts by status and its evaluation state (the alert
// store). Rules whose file is gone but that raised alerts are listed too, as unknown.
import { count, eq, max } from 'drizzle-orm';
import { existsSync } from 'node:fs';
import { ConfigError } from '../cli/config.js';
import { resolveDetectionsConfig, readConfigFile } from '../detections/config.js';
import { type Rule as RuleFile, RuleError, effectiveParams, loadRules, windowMs } from '../detections/rules.js';
import { alerts, detectionRulesState } from '../detections/schema.js';
import { ErrorCode } from './errors.js';
import { GraphQLError } from './graphql-js.js';
import { toEntityType, toLevel } from './alert-enums.js';
import type { Alert } from './alert.type.js';
import { type GraphqlContext, memoized } from './context.js';
import { storedTime } from './alert.service.js';
import type { AlertCounts, Rule, RuleEvaluation } from './rule.type.js';

/** The rules the engine knows, with settings from the config file; keyed by id. Read once per request. */
export function ruleCatalog(ctx: GraphqlContext): Promise<Map<string, Rule>> {
  return memoized(ctx, 'rules', async () => new Map(loadRuleCatalog(ctx.configPath).map((r) => [r.id, r])));
}

/**
 * sql/detections/ as the engine loads it, and the config file's `detections` block checked against it
 * (detections.md §2). A broken rule file or block is the operator's to fix: said as it is, not masked.
 */
export function loadRuleCatalog(configPath: string): Rule[] {
  let files: RuleFile[];
  let enabled: Set<string>;
  let configured: Record<string, Record<string, unknown>>;
  let checked: Record<string, Record<string, unknown>>;
  try {
    files = loadRules();
    const file = existsSync(configPath) ? readConfigFile({ config: configPath }) : {};
    const config = resolveDetectionsConfig(file.detections, files);
    enabled = new Set(config.enabled);
    checked = config.params;
    const block = (file.detections ?? {}) as { rules?: Record<string, Record<string, unknown>> };
    configured = block.rules ?? {};
  } catch (err) {
    if (err instanceof ConfigError || err instanceof RuleError) {
      throw new GraphQLError(`the detection rules cannot be loaded: ${err.message}`, { extensions: { code: ErrorCode.rulesUnavailable } });
    }
    throw err;
  }
  return files.map((r): Rule => {
    // the checked values (as the engine uses them) for enabled rules; a disabled rule's as written
    const values = (checked[r.id] as ReturnType<typeof effectiveParams> | undefined) ?? effectiveParams(r, (configured[r.id] ?? {}) as Parameters<typeof effectiveParams>[1]);
    return {
      id: r.id,
      title: r.title,
      level: toLevel(r.level),
      mitre: r.mitre,
      entity: toEntityType(r.entity),
      kind: r.kind,
      window: durationText(windowMs(r, values)),
      description: r.description || null,
      enabled: enabled.has(r.id),
      known: true,
      parameters: r.params.map((p) => ({
        name: p.name,
        type: p.type,
        default: p.default,
        value: values[p.name],
        configured: Object.hasOwn(configured[r.id] ?? {}, p.name),
        description: p.description || null,
      })),
    };
  });
}

/** A look-back in the units the rule headers use: 0h, 10m, 24h, 7d. */
export function durationText(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
  ];
  if (ms === 0) return '0h';
  for (const [size, unit] of units) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

export async function listRules(ctx: GraphqlContext, ids: readonly string[] | null | undefined, enabled: boolean | null | undefined): Promise<Rule[]> {
  const catalog = await ruleCatalog(ctx);
  const rules = [...catalog.values()];
  // rules that raised alerts but whose file is gone still show (their alerts need a rule)
  for (const [ruleId, counts] of Object.entries(await countsByRule(ctx))) {
    if (!catalog.has(ruleId)) rules.push({ ...unknownRule(ruleId, null), level: toLevel(counts.level) });
  }
  return rules
    .filter((r) => (ids ? ids.includes(r.id) : true) && (enabled === null || enabled === undefined ? true : r.enabled === enabled))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export async function ruleOfAlert(ctx: GraphqlContext, alert: Alert): Promise<Rule> {
  return (await ruleCatalog(ctx)).get(alert.ruleId) ?? unknownRule(alert.ruleId, alert);
}

function unknownRule(id: string, alert: Alert | null): Rule {
  return {
    id,
    title: id,
    level: alert?.level ?? toLevel('info'),
    mitre: [],
    entity: alert?.entity.type ?? null,
    kind: null,
    window: null,
    description: null,
    enabled: false,
    known: false,
    parameters: [],
  };
}

const ZERO: AlertCounts = { open: 0, acknowledged: 0, resolved: 0, total: 0, historical: 0 };

/** Alert counts of every rule (and a level its alerts were raised with, for rules without a file), read once per request. */
function countsByRule(ctx: GraphqlContext): Promise<Record<string, AlertCounts & { level: string }>> {
  return memoized(ctx, 'alert-counts', async () => {
    const out: Record<string, AlertCounts & { level: string }> = {};
    const db = ctx.alerts.read();
    if (!db) return out;
    const rows = db
      .select({ ruleId: alerts.ruleId, status: alerts.status, historical: alerts.historical, n: count(), level: max(alerts.level) })
      .from(alerts)
      .groupBy(alerts.ruleId, alerts.status, alerts.historical)
      .all();
    for (const row of rows) {
      const c = (out[row.ruleId] ??= { ...ZERO, level: row.level ?? 'info' });
      if (row.status === 'open' || row.status === 'acknowledged' || row.status === 'resolved') c[row.status] += row.n;
      c.total += row.n;
      if (row.historical) c.historical += row.n;
    }
    return out;
  });
}

export async function alertCountsOf(ctx: GraphqlContext, ruleId: string): Promise<AlertCounts> {
  const counts = (await countsByRule(ctx))[ruleId];
  return counts ? { open: counts.open, acknowledged: counts.acknowledged, resolved: counts.resolved, total: counts.total, historical: counts.historical } : { ...ZERO };
}

export function evaluationOf(ctx: GraphqlContext, ruleId: string): RuleEvaluation | null {
  const row = ctx.alerts.read()?.select().from(detectionRulesState).where(eq(detectionRulesState.ruleId, ruleId)).get();
  if (!row) return null;
  return {
    evaluatedSeq: row.evaluatedSeq,
    lastEvaluatedAt: storedTime(row.lastEvaluatedAt),
    lastDurationMs: row.lastDurationMs,
    lastError: row.lastError,
    alertsTotal: row.alertsTotal,
  };
}

