// The rules as GraphQL shows them: each rule's header and parameters as configured (the engine's loader,
// src/detections), whether it is enabled, its alert counts by status and its evaluation state (the alert
// store). Rules whose file is gone but that raised alerts are listed too, as unknown.
import { count, eq } from 'drizzle-orm';
import { alerts, detectionRulesState } from '../detections/schema.js';
import { toLevel } from './alert-enums.js';
import type { Alert } from './alert.type.js';
import { type GraphqlContext, memoized } from './context.js';
import { storedTime } from './alert.service.js';
import type { AlertCounts, Rule, RuleEvaluation } from './rule.type.js';

/** The rules the engine knows, with settings from the config file; keyed by id. */
export function ruleCatalog(ctx: GraphqlContext): Promise<Map<string, Rule>> {
  return memoized(ctx, 'rules', async () => new Map((await loadRules(ctx.configPath)).map((r) => [r.id, r])));
}

/** Placeholder until the engine's rule loader is merged: no rule files known. */
async function loadRules(_configPath: string): Promise<Rule[]> {
  return [];
}

export async function listRules(ctx: GraphqlContext, ids: readonly string[] | null | undefined, enabled: boolean | null | undefined): Promise<Rule[]> {
  const catalog = await ruleCatalog(ctx);
  const rules = [...catalog.values()];
  // rules that raised alerts but whose file is gone still show (their alerts need a rule)
  for (const ruleId of Object.keys(await countsByRule(ctx))) {
    if (!catalog.has(ruleId)) rules.push(unknownRule(ruleId, null));
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

/** Alert counts of every rule, read once per request. */
function countsByRule(ctx: GraphqlContext): Promise<Record<string, AlertCounts>> {
  return memoized(ctx, 'alert-counts', async () => {
    const out: Record<string, AlertCounts> = {};
    const db = ctx.alerts.read();
    if (!db) return out;
    const rows = db
      .select({ ruleId: alerts.ruleId, status: alerts.status, historical: alerts.historical, n: count() })
      .from(alerts)
      .groupBy(alerts.ruleId, alerts.status, alerts.historical)
      .all();
    for (const row of rows) {
      const c = (out[row.ruleId] ??= { ...ZERO });
      if (row.status === 'open' || row.status === 'acknowledged' || row.status === 'resolved') c[row.status] += row.n;
      c.total += row.n;
      if (row.historical) c.historical += row.n;
    }
    return out;
  });
}

export async function alertCountsOf(ctx: GraphqlContext, ruleId: string): Promise<AlertCounts> {
  return (await countsByRule(ctx))[ruleId] ?? { ...ZERO };
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

