// Harness for the detection rules' tests: a simulator tenant synced into a temporary lake, its models built, every
// rule evaluated by the engine (a retro hunt), and the alerts read back from the alert store.
import { buildModels } from '../../src/models/build.js';
import { AlertStore, evaluateDetections, loadRules, resolveDetectionsConfig, type EvaluationReport, type Rule } from '../../src/detections/index.js';
import type { SyntheticTenant, TenantOptions } from '../../src/simulator/tenant/index.js';
import { syncWith, tempDataDir } from './lake-harness.js';
import { type Transport, connect, makeSim, makeTenant } from './sim-harness.js';

export interface FoundAlert {
  rule_id: string;
  entity_id: string;
  /** Sorted. */
  evidence_ids: string[];
  historical: boolean;
}

export interface EvaluatedTenant {
  tenant: SyntheticTenant;
  t: Transport;
  dir: string;
  rules: Rule[];
  report: EvaluationReport;
  alerts: FoundAlert[];
  close(): Promise<void>;
}

/** Syncs a tenant built with `options` (into a fresh data dir), builds the models and evaluates every rule once. */
export async function evaluateTenant(options: Partial<TenantOptions>): Promise<EvaluatedTenant> {
  const tenant = makeTenant(options);
  // no rate limit: a six-year walk makes thousands of requests, and 429 waits are real time
  const sim = makeSim({ shared: tenant, sim: { rpm: 0 } });
  const t = await connect(sim, 'in-process');
  const { dir, cleanup } = tempDataDir('cl-detections-');
  try {
    let mark = Date.now();
    const lap = (what: string) => {
      if (process.env.CL_TIMING) process.stderr.write(`${what}: ${Date.now() - mark} ms\n`);
      mark = Date.now();
    };
    const sync = await syncWith(t, dir);
    lap('sync');
    if (!sync.ok) throw new Error(`sync failed: ${JSON.stringify(sync.streams)}`);
    await buildModels(dir);
    lap('models build');
    const rules = loadRules();
    const report = await evaluateDetections({ dataDir: dir, config: resolveDetectionsConfig(undefined, rules), rules });
    lap('evaluate');
    const store = AlertStore.open(dir, { readonly: true });
    let alerts: FoundAlert[];
    try {
      const evidence = new Map<string, string[]>();
      for (const e of store.evidence()) evidence.set(e.alertId, [...(evidence.get(e.alertId) ?? []), e.activityId]);
      alerts = store.all().map((a) => ({
        rule_id: a.ruleId,
        entity_id: a.entityId,
        evidence_ids: (evidence.get(a.id) ?? []).sort(),
        historical: a.historical,
      }));
    } finally {
      store.close();
    }
    return {
      tenant,
      t,
      dir,
      rules,
      report,
      alerts,
      async close() {
        await t.close();
        // CL_KEEP_DATA_DIR=1 keeps the lake and warehouse to query by hand
        if (process.env.CL_KEEP_DATA_DIR) process.stderr.write(`kept ${dir}\n`);
        else cleanup();
      },
    };
  } catch (err) {
    await t.close();
    cleanup();
    throw err;
  }
}

/** A stable text of an alert for set comparisons. */
export const alertKey = (a: { rule_id: string; entity_id: string; evidence_ids: readonly string[] }): string =>
  `${a.rule_id} ${a.entity_id} [${[...a.evidence_ids].sort().join(' ')}]`;
