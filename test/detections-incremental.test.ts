// Incremental evaluation finds exactly what a from-scratch evaluation finds (detections.md §3): a tenant with
// every attack scenario is synced in steps (the simulator's clock moved a few days at a time, so a scenario,
// a threshold bucket or a sequence may straddle two steps), the models refreshed and every rule evaluated
// incrementally after each step; then the same final warehouse is evaluated from scratch into a fresh alert
// store. Both stores must hold the same alerts: ids, windows, first/last seen, summaries and evidence.
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AlertStore, type EvaluationReport, type Rule, evaluateDetections, loadRules, resolveDetectionsConfig } from '../src/detections/index.js';
import { readsOnlyRecentActivities } from '../src/detections/evaluate.js';
import { buildModels } from '../src/models/build.js';
import { SimClock, createSimulator } from '../src/simulator/server/app.js';
import { SCENARIO_IDS, scenarioHorizonDays } from '../src/simulator/tenant/scenarios.js';
import { syncWith, tempDataDir } from './support/lake-harness.js';
import { KEYS, NOW, connect, makeTenant } from './support/sim-harness.js';
import { warehouseRows } from '../src/models/query.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** An odd step, so step boundaries fall at every hour of the day over the run. */
const STEP_MS = 9 * DAY + 7 * HOUR + 13 * 60_000;

interface StoredAlert {
  id: string;
  ruleId: string;
  entityId: string;
  windowStart: string;
  windowEnd: string;
  firstSeen: string;
  lastSeen: string;
  summary: string;
  evidence: string[];
}

let dir: string;
let cleanup: () => void;
let rules: Rule[];
const steps: EvaluationReport[] = [];
let incremental: StoredAlert[];
let scratch: StoredAlert[];
let scratchReport: EvaluationReport;
/** marts.alerts after the steps (months rewritten as they changed), before the from-scratch store. */
let martsAfterSteps: Record<string, unknown>[];
let evidenceAfterSteps: number;

function readAlerts(dataDir: string): StoredAlert[] {
  const store = AlertStore.open(dataDir, { readonly: true });
  try {
    const evidence = new Map<string, string[]>();
    for (const e of store.evidence()) evidence.set(e.alertId, [...(evidence.get(e.alertId) ?? []), e.activityId]);
    return store
      .all()
      .map((a) => ({
        id: a.id,
        ruleId: a.ruleId,
        entityId: a.entityId,
        windowStart: a.windowStart,
        windowEnd: a.windowEnd,
        firstSeen: a.firstSeen,
        lastSeen: a.lastSeen,
        summary: a.summary,
        evidence: (evidence.get(a.id) ?? []).sort(),
      }))
      .sort((x, y) => (x.id < y.id ? -1 : 1));
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  const tenant = makeTenant({ horizonDays: scenarioHorizonDays(SCENARIO_IDS.length) + 14, activitiesPerDay: 150, scenarios: SCENARIO_IDS });
  const firstAnchor = Math.min(...tenant.scenarios!.played.map((p) => Date.parse(p.at)));
  // the simulator's clock starts a day before the first scenario's anchor and moves STEP_MS per step
  const clock = new SimClock(firstAnchor - DAY, { frozen: true });
  const sim = createSimulator({ tenant, clock, keys: [{ key: KEYS.full, kind: 'compliance' }], rpm: 0 });
  const t = await connect(sim, 'in-process');
  ({ dir, cleanup } = tempDataDir('cl-detincr-'));
  rules = loadRules();
  const config = resolveDetectionsConfig(undefined, rules);
  // the clock's stops: every STEP_MS, plus one just before the last evidence of a few expected alerts of
  // several evidence (a threshold bucket, a sequence), so their first evaluation sees all but that one and the
  // next one must update the alert
  const stops = new Set<number>();
  for (let at = clock.now() + STEP_MS; at < NOW; at += STEP_MS) stops.add(at);
  const kindOf = new Map(rules.map((r) => [r.id, r.kind]));
  const split = new Set<string>();
  for (const alert of tenant.scenarios!.played.flatMap((p) => p.alerts)) {
    const kind = kindOf.get(alert.rule_id);
    if (alert.evidence_ids.length < 3 || kind === undefined || split.has(kind)) continue;
    const times = alert.evidence_ids.map((id) => Math.floor(tenant.feed.get(id)!.us / 1000)).sort((a, b) => a - b);
    const [beforeLast, last] = times.slice(-2);
    if (last - beforeLast < 2_000) continue;
    stops.add(beforeLast + Math.floor((last - beforeLast) / 2));
    split.add(kind);
  }
  stops.add(NOW);
  try {
    for (const stop of [...stops].sort((a, b) => a - b)) {
      const sync = await syncWith(t, dir);
      if (!sync.ok) throw new Error(`sync failed at ${new Date(clock.now()).toISOString()}: ${JSON.stringify(sync.streams)}`);
      await buildModels(dir);
      steps.push(await evaluateDetections({ dataDir: dir, config, rules }));
      clock.set(stop);
    }
    const last = await syncWith(t, dir);
    if (!last.ok) throw new Error(`sync failed at ${new Date(clock.now()).toISOString()}: ${JSON.stringify(last.streams)}`);
    await buildModels(dir);
    steps.push(await evaluateDetections({ dataDir: dir, config, rules }));
  } finally {
    await t.close();
  }
  incremental = readAlerts(dir);
  martsAfterSteps = await warehouseRows(dir, 'select id, rule_id, entity_id, first_seen, last_seen, summary, evidence_count from marts.alerts order by id');
  evidenceAfterSteps = Number((await warehouseRows(dir, 'select count(*)::INTEGER as n from marts.alert_evidence'))[0].n);
  // the same warehouse from scratch, into a fresh store (the incremental one kept aside)
  renameSync(join(dir, 'alerts.sqlite'), join(dir, 'alerts-incremental.sqlite'));
  for (const ext of ['-wal', '-shm']) {
    try {
      renameSync(join(dir, `alerts.sqlite${ext}`), join(dir, `alerts-incremental.sqlite${ext}`));
    } catch {
      // not there: nothing to keep
    }
  }
  scratchReport = await evaluateDetections({ dataDir: dir, config, rules });
  scratch = readAlerts(dir);
}, 1_800_000);
afterAll(() => cleanup?.());

describe('incremental evaluation equals from scratch', () => {
  test('the steps were incremental: a retro hunt first, then every rule evaluated incrementally, none failed', () => {
    expect(steps.length).toBeGreaterThan(8);
    expect(steps[0].rules.every((r) => r.mode === 'retro')).toBe(true);
    for (const [i, s] of steps.entries()) {
      expect(s.failed, `step ${i}`).toBe(0);
      expect(s.martsError, `step ${i}`).toBeNull();
      if (i > 0) for (const r of s.rules) expect(['incremental', 'unchanged'], `step ${i} ${r.ruleId}`).toContain(r.mode);
    }
    expect(scratchReport.failed).toBe(0);
    // the incremental steps read the monthly marts' files from their look-backs' months on (MonthViews), not
    // every month: the equality of the alerts below holds that narrowing to the retro hunt over every file
    const narrowed = new Set(steps.slice(1).flatMap((s) => s.monthViews.map((v) => v.replace(/_from_.*/, ''))));
    expect([...narrowed].sort()).toEqual(['activities', 'detection_activities']);
    expect(steps[0].monthViews).toEqual([]);
    expect(scratchReport.monthViews).toEqual([]);
  });

  test('alerts raised in the incremental steps cover every rule kind, including the event and threshold rules read from the copy of the new range', () => {
    const raisedLater = new Set(steps.slice(1).flatMap((s) => s.rules.filter((r) => r.created > 0).map((r) => r.ruleId)));
    const kinds = new Set(rules.filter((r) => raisedLater.has(r.id)).map((r) => r.kind));
    expect([...kinds].sort()).toEqual(['event', 'history', 'sequence', 'threshold']);
    expect(rules.some((r) => raisedLater.has(r.id) && readsOnlyRecentActivities(r) && r.kind === 'threshold')).toBe(true);
    // an occurrence that straddled two steps updated its alert
    expect(steps.slice(1).some((s) => s.rules.some((r) => r.updated > 0))).toBe(true);
  });

  test('the same alerts, windows, summaries and evidence as one evaluation of the final warehouse', () => {
    expect(incremental.length).toBeGreaterThan(SCENARIO_IDS.length);
    const byRule = (list: StoredAlert[]) => Object.fromEntries(rules.map((r) => [r.id, list.filter((a) => a.ruleId === r.id).length]));
    expect(byRule(incremental)).toEqual(byRule(scratch));
    expect(incremental).toEqual(scratch);
  });

  test('marts.alerts, rewritten month by month as alerts changed, holds the store; a replaced store is written in full', async () => {
    const iso = (v: unknown) => new Date(String(v)).toISOString();
    expect(martsAfterSteps.map((r) => [r.id, r.rule_id, r.entity_id, iso(r.first_seen), iso(r.last_seen), r.summary, r.evidence_count])).toEqual(
      incremental.map((a) => [a.id, a.ruleId, a.entityId, iso(a.firstSeen), iso(a.lastSeen), a.summary, a.evidence.length]),
    );
    expect(evidenceAfterSteps).toBe(incremental.reduce((k, a) => k + a.evidence.length, 0));
    // after the from-scratch store replaced it: its alerts, all historical
    const rows = await warehouseRows(dir, 'select id, historical from marts.alerts order by id');
    expect(rows.map((r) => r.id)).toEqual(scratch.map((a) => a.id));
    expect(rows.every((r) => r.historical === true)).toBe(true);
  });
});
