// `detections test`: each rule's own cases, sql/detections/tests/<id>.json (detections.md §1). A case's
// activities (as the API sends them) are committed as a lake in a scratch data dir through the same writer and
// manifest commit a sync uses, the models are built over it, and the rule runs over everything; its
// occurrences must be exactly the expected (entity, evidence) pairs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Activity } from '../api/index.js';
import { activityRow } from '../extract/activities.js';
import { connectUtc, createDuck, openDuck } from '../lake/duck.js';
import { Lake } from '../lake/lake.js';
import type { ManifestEntry } from '../lake/manifest.js';
import { TABLES } from '../lake/tables.js';
import { StreamWriter, utcDay } from '../lake/writer.js';
import { buildModels } from '../models/build.js';
import { warehousePath } from '../models/warehouse.js';
import { evaluateRule } from './evaluate.js';
import { type ParamValue, type Rule, RuleError, checkParamValue, effectiveParams } from './rules.js';

export interface RuleTestCase {
  name: string;
  activities: Activity[];
  /** Parameter values for this case (over the defaults). */
  params?: Record<string, unknown>;
  expect: { entity_id: string; evidence_ids: string[] }[];
}

export interface CaseResult {
  ruleId: string;
  name: string;
  ok: boolean;
  /** What differed, or why the case could not run. */
  problems: string[];
  ms: number;
}

/**
 * Commits `records` (activities as the API sends them) to the lake of `dataDir` as one append, as a sync
 * would (partitioned by UTC day, typed columns plus raw JSON). Returns the manifest entry.
 */
export async function commitActivities(dataDir: string, records: readonly Activity[], runId = `test-${randomUUID()}`): Promise<ManifestEntry> {
  const lake = Lake.open(dataDir);
  const writer = new StreamWriter({
    dataDir,
    spec: TABLES.activities,
    runId,
    extractedAt: new Date().toISOString(),
    endpoint: '/v1/compliance/activities',
    params: {},
    part: 'activities',
  });
  const duck = await openDuck({ dataDir });
  try {
    for (const record of records) {
      const { row } = activityRow(record, new Set());
      writer.add(row, utcDay(String(row.created_at)), null);
    }
    const staged = await writer.finish(duck);
    const entry = lake.commit(staged, {
      kind: 'append',
      run_id: runId,
      stream: 'activities',
      committed_at: new Date().toISOString(),
      removed: [],
      coverage: [],
      request_ids: [],
    });
    writer.discard();
    return entry;
  } finally {
    duck.close();
  }
}

export function readRuleTests(rule: Rule): RuleTestCase[] {
  if (!rule.testsPath) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(rule.testsPath, 'utf8'));
  } catch (err) {
    throw new RuleError(`${rule.testsPath}: not valid JSON (${(err as Error).message})`);
  }
  const cases = (parsed as { cases?: unknown }).cases;
  if (!Array.isArray(cases)) throw new RuleError(`${rule.testsPath}: must be { "cases": [ ... ] }`);
  cases.forEach((c: Record<string, unknown>, i) => {
    const where = `${rule.testsPath}: case ${i} (${String(c?.name ?? 'unnamed')})`;
    if (typeof c?.name !== 'string') throw new RuleError(`${where}: "name" must be a string`);
    if (!Array.isArray(c.activities) || c.activities.length === 0) throw new RuleError(`${where}: "activities" must be a non-empty array`);
    if (!Array.isArray(c.expect)) throw new RuleError(`${where}: "expect" must be an array (empty: the rule must not fire)`);
    if (c.directory !== undefined) throw new RuleError(`${where}: "directory" is not supported yet; give directory changes as feed events (group_member_added, rbac_role_assigned, ...)`);
  });
  return cases as RuleTestCase[];
}

/** Runs the cases of `rules`; each case in its own scratch data dir, removed afterwards. */
export async function runRuleTests(rules: readonly Rule[], options: { workDir?: string } = {}): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const rule of rules) {
    for (const c of readRuleTests(rule)) {
      const started = Date.now();
      const dir = mkdtempSync(join(options.workDir ?? tmpdir(), `cl-rule-test-${rule.id}-`));
      try {
        const problems = await runCase(rule, c, dir);
        results.push({ ruleId: rule.id, name: c.name, ok: problems.length === 0, problems, ms: Date.now() - started });
      } catch (err) {
        results.push({ ruleId: rule.id, name: c.name, ok: false, problems: [`could not run: ${(err as Error).message}`], ms: Date.now() - started });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  return results;
}

async function runCase(rule: Rule, c: RuleTestCase, dir: string): Promise<string[]> {
  const configured: Record<string, ParamValue> = {};
  for (const [name, value] of Object.entries(c.params ?? {})) {
    const param = rule.params.find((p) => p.name === name);
    if (!param) return [`params.${name}: rule ${rule.id} has no such parameter`];
    const checked = checkParamValue(param, value);
    if ('error' in checked) return [`params.${name}: ${checked.error}`];
    configured[name] = checked.value;
  }
  await commitActivities(dir, c.activities);
  await buildModels(dir, { threads: 1, memoryLimit: '256MB' });
  const instance = await createDuck({ path: warehousePath(dir), readOnly: true, threads: 1 });
  try {
    const connection = await connectUtc(instance);
    try {
      const found = await evaluateRule(connection, rule, effectiveParams(rule, configured), null);
      const key = (entity: string, ids: readonly string[]) => `${entity} <- [${[...ids].sort().join(', ')}]`;
      const got = found.map((o) => key(o.entityId, o.evidence.map((e) => e.activityId))).sort();
      const want = c.expect.map((e) => key(e.entity_id, e.evidence_ids)).sort();
      const problems: string[] = [];
      for (const w of want) if (!got.includes(w)) problems.push(`expected, not raised: ${w}`);
      for (const g of got) if (!want.includes(g)) problems.push(`raised, not expected: ${g}`);
      return problems;
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}
