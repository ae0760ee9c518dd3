// Evaluation (detections.md §3): each enabled rule over the warehouse, incrementally from the earliest
// activity committed since the rule last ran, or over everything the first time (a retro hunt: historical
// alerts). Occurrences become alerts in the alert store with their evidence and the actor as of the first
// evidence; then marts.alerts / marts.alert_evidence are rewritten. A rule that fails is reported and the
// others still run; its recorded position does not move, so the next evaluation covers the same data.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { connectUtc, createDuck, sqlString } from '../lake/duck.js';
import { Lake } from '../lake/lake.js';
import { acquireLock } from '../lake/lock.js';
import { WarehouseMissingError } from '../models/query.js';
import { readState } from '../models/state.js';
import { relocateWarehouse, warehousePath } from '../models/warehouse.js';
import type { DetectionsConfig } from './config.js';
import { publishAlertMarts } from './marts.js';
import { type ParamValue, type Rule, isoMicros, loadRules, renderRule, rulesHash, windowMs } from './rules.js';
import { AlertStore, type DestinationFilter, type Occurrence, isoNow } from './store.js';

/** The stream whose new files open an evaluation range. */
const ACTIVITY_STREAM = 'activities';

export interface EvaluateOptions {
  dataDir: string;
  config: DetectionsConfig;
  /** Where new alerts are queued (detections.md §5); none: no outbox rows. */
  destinations?: readonly DestinationFilter[];
  /** The loaded rules (default: sql/detections of this package). */
  rules?: readonly Rule[];
  /** Only these enabled rules. */
  only?: readonly string[];
  /** Evaluate from this time (RFC 3339) instead of the incremental start; alerts are not historical. */
  since?: string;
  /** Evaluate every selected rule over everything as a retro hunt (historical alerts). */
  retro?: boolean;
  /** RFC 3339 UTC: the time recorded as created/updated. */
  now?: () => string;
  /** DuckDB threads for the rules (default 2). */
  threads?: number;
  memoryLimit?: string;
}

export type EvaluationMode = 'retro' | 'incremental' | 'since' | 'unchanged';

export interface RuleReport {
  ruleId: string;
  mode: EvaluationMode;
  /** The evaluated range's start (RFC 3339 UTC; null: from the beginning). */
  evalStart: string | null;
  fromSeq: number | null;
  toSeq: number;
  occurrences: number;
  created: number;
  updated: number;
  queued: number;
  durationMs: number;
  /** Of durationMs: the rule's own query, and looking up its evidence and actor snapshots. */
  phases: { ruleMs: number; lookupMs: number };
  error: string | null;
}

export interface EvaluationReport {
  rules: RuleReport[];
  /** The manifest entry the warehouse was built up to. */
  toSeq: number;
  /** Looking up the evidence and actor snapshots of every rule's occurrences (one pass). */
  lookupMs: number;
  ms: number;
  failed: number;
}

/** Evaluation cannot start (no warehouse, no build state). */
export class DetectionsUnavailableError extends Error {
  override name = 'DetectionsUnavailableError';
}

export async function evaluateDetections(options: EvaluateOptions): Promise<EvaluationReport> {
  const started = Date.now();
  const { dataDir } = options;
  const path = warehousePath(dataDir);
  if (!existsSync(path)) throw new WarehouseMissingError(path);
  const modelsState = readState(join(dataDir, 'models'));
  if (!modelsState) throw new DetectionsUnavailableError(`the models build state under ${join(dataDir, 'models')} is missing: run \`compliance-lake models build\` first`);
  const toSeq = modelsState.seq;
  const rules = options.rules ?? loadRules();
  const byId = new Map(rules.map((r) => [r.id, r]));
  const missing = options.config.enabled.filter((id) => !byId.has(id));
  if (missing.length) throw new DetectionsUnavailableError(`enabled rule(s) ${missing.join(', ')} are not among the loaded rules`);
  const selected = options.config.enabled.filter((id) => !options.only || options.only.includes(id)).map((id) => byId.get(id)!);
  const now = options.now ?? (() => isoNow());
  const sinceUs = options.since === undefined ? null : BigInt(Date.parse(options.since)) * 1000n;

  const lock = acquireLock(join(dataDir, 'detections'), 'detections run');
  try {
    await relocateWarehouse(dataDir);
    const lake = Lake.open(dataDir);
    const store = AlertStore.open(dataDir);
    const instance = await createDuck({ path, readOnly: true, threads: options.threads ?? 2, memoryLimit: options.memoryLimit ?? '1GB' });
    const reports: RuleReport[] = [];
    let lookupMs = 0;
    try {
      const connection = await connectUtc(instance);
      try {
        const pending: { rule: Rule; report: RuleReport; hash: string; fromSeq: number | null; started: number }[] = [];
        // every rule reads the footers of the same model files (set after start, as build.ts does)
        await connection.run('SET parquet_metadata_cache = true');
        await connection.run(OCCURRENCES_DDL);
        // first every rule's own query (each into occurrences; a failure is that rule's alone) ...
        for (const rule of selected) {
          const params = options.config.params[rule.id] ?? {};
          const hash = rulesHash(rule, params);
          const state = store.ruleState(rule.id);
          const ruleStarted = Date.now();
          let mode: EvaluationMode;
          let start: bigint | null;
          const fromSeq = state && state.evaluatedSeq >= 0 ? state.evaluatedSeq : null;
          if (options.retro || fromSeq === null || state!.paramsHash !== hash || fromSeq > toSeq) {
            mode = 'retro';
            start = null;
          } else if (sinceUs !== null) {
            mode = 'since';
            start = sinceUs;
          } else {
            start = earliestNewActivity(lake, fromSeq, toSeq);
            mode = start === null ? 'unchanged' : 'incremental';
          }
          const report: RuleReport = {
            ruleId: rule.id,
            mode,
            evalStart: start === null ? null : isoMicros(start),
            fromSeq,
            toSeq,
            occurrences: 0,
            created: 0,
            updated: 0,
            queued: 0,
            durationMs: 0,
            phases: { ruleMs: 0, lookupMs: 0 },
            error: null,
          };
          if (mode !== 'unchanged') {
            try {
              report.occurrences = await queryOccurrences(connection, rule, params, start);
            } catch (err) {
              report.error = `${rule.id} (${rule.path}): ${(err as Error).message}`;
            }
          }
          report.phases.ruleMs = Date.now() - ruleStarted;
          pending.push({ rule, report, hash, fromSeq, started: ruleStarted });
        }
        // ... then one pass for the evidence and actors of them all (one scan of the activities, not one per rule)
        const lookupStarted = Date.now();
        let found = new Map<string, Occurrence[]>();
        let lookupError: string | null = null;
        try {
          found = await lookupOccurrences(connection);
        } catch (err) {
          lookupError = `looking up the evidence and actors: ${(err as Error).message}`;
        }
        lookupMs = Date.now() - lookupStarted;
        for (const { rule, report, hash, fromSeq } of pending) {
          const upsertStarted = Date.now();
          if (report.mode !== 'unchanged' && report.error === null) {
            if (lookupError) report.error = `${rule.id}: ${lookupError}`;
            else {
              const occurrences = (found.get(rule.id) ?? []).map((o) => (o.summary ? o : { ...o, summary: rule.title }));
              const r = store.upsertOccurrences(rule, occurrences, {
                historical: report.mode === 'retro',
                deliverHistorical: options.config.deliverHistorical,
                destinations: options.destinations ?? [],
                now: now(),
              });
              report.created = r.created.length;
              report.updated = r.updated.length;
              report.queued = r.queued;
            }
          }
          report.phases.lookupMs = report.occurrences > 0 ? lookupMs : 0;
          report.durationMs = report.phases.ruleMs + (Date.now() - upsertStarted);
          // `--since` looks again at a range; it does not move the rule's position
          const seq = report.mode === 'since' ? fromSeq! : toSeq;
          store.recordEvaluation(rule.id, { paramsHash: hash, evaluatedSeq: seq, at: now(), durationMs: report.durationMs, error: report.error });
          reports.push(report);
        }
      } finally {
        connection.closeSync();
      }
    } finally {
      instance.closeSync();
      store.close();
    }
    await publishAlertMarts(dataDir);
    return { rules: reports, toSeq, lookupMs, ms: Date.now() - started, failed: reports.filter((r) => r.error !== null).length };
  } finally {
    lock.release();
  }
}

/** The earliest created_at (µs) of activity files committed after `fromSeq` up to `toSeq`; null when none. */
export function earliestNewActivity(lake: Lake, fromSeq: number, toSeq: number): bigint | null {
  let earliest: string | null = null;
  for (const entry of lake.entries) {
    if (entry.seq <= fromSeq || entry.seq > toSeq) continue;
    for (const f of entry.added) {
      if (f.stream !== ACTIVITY_STREAM || f.min_time === null || f.rows === 0) continue;
      if (earliest === null || Date.parse(f.min_time) < Date.parse(earliest)) earliest = f.min_time;
    }
  }
  return earliest === null ? null : BigInt(Date.parse(earliest)) * 1000n - 1000n; // min_time is ms-rounded text at worst
}

/** The rules' occurrences of one evaluation, before their evidence and actors are looked up. */
const OCCURRENCES_DDL = `create or replace temp table occurrences (
  rule_id VARCHAR, entity_type VARCHAR, k BIGINT, entity_id VARCHAR, window_start TIMESTAMPTZ, window_end TIMESTAMPTZ,
  evidence_ids VARCHAR[], summary VARCHAR)`;

/**
 * Runs one rule from `start` (null: everything) into the temp table `occurrences`; returns how many it found.
 * Only occurrences whose last evidence is at or after `start` count (detections.md §1).
 */
async function queryOccurrences(connection: DuckDBConnection, rule: Rule, params: Record<string, ParamValue>, start: bigint | null): Promise<number> {
  const sql = renderRule(rule, params, { start, end: null });
  const startLiteral = start === null ? `'-infinity'::TIMESTAMPTZ` : `'${isoMicros(start)}'::TIMESTAMPTZ`;
  await connection.run(
    `insert into occurrences
     select ${sqlString(rule.id)}, ${sqlString(rule.entity)}, row_number() over (order by entity_id, window_start) as k, *
     from (
       select entity_id::VARCHAR as entity_id, window_start::TIMESTAMPTZ as window_start, window_end::TIMESTAMPTZ as window_end,
              list_sort(list_distinct(evidence_ids::VARCHAR[])) as evidence_ids, summary::VARCHAR as summary
       from (${sql}\n) as rule
     )
     where window_end >= ${startLiteral} and entity_id is not null and window_start is not null`,
  );
  return countOccurrences(connection, rule.id);
}

async function countOccurrences(connection: DuckDBConnection, ruleId: string): Promise<number> {
  const reader = await connection.runAndReadAll(`select count(*) as n from occurrences where rule_id = ${sqlString(ruleId)}`);
  return Number(reader.getRowObjectsJS()[0].n);
}

/**
 * The occurrences in `occurrences` with their evidence's times and the actor snapshot (the entity for user
 * rules, else the actor of the first evidence; detections.md §4), per rule. One scan of marts.activities over
 * the occurrences' time range serves every rule.
 */
async function lookupOccurrences(connection: DuckDBConnection): Promise<Map<string, Occurrence[]>> {
  const rows = (
    await connection.runAndReadAll(
      `with bounds as (
         select min(window_start) as lo, max(window_end) as hi from occurrences
       ),
       evidence as (
         select o.rule_id, o.k, unnest(o.evidence_ids) as activity_id from occurrences as o
       ),
       found as (
         select e.rule_id, e.k, e.activity_id, a.created_at, a.actor_user_id
         from evidence as e
         left join (
           select id, created_at, actor_user_id from marts.activities
           where created_at >= (select lo from bounds) and created_at <= (select hi from bounds)
             and id in (select activity_id from evidence)
         ) as a on a.id = e.activity_id
       ),
       per_alert as (
         select rule_id, k,
                list(struct_pack(id := activity_id, at := epoch_us(created_at)) order by created_at nulls last, activity_id) as evidence,
                arg_min(actor_user_id, created_at) as first_actor,
                min(created_at) as first_at
         from found group by rule_id, k
       ),
       actors as (
         select o.rule_id, o.k,
                case when o.entity_type = 'user' then o.entity_id else p.first_actor end as user_id,
                coalesce(p.first_at, o.window_start) as as_of
         from occurrences as o left join per_alert as p using (rule_id, k)
       ),
       snapshot as (
         select a.rule_id, a.k,
                case when a.user_id is null then null else to_json(struct_pack(
                  user_id := a.user_id,
                  as_of := a.as_of,
                  user := u.u,
                  groups := coalesce(g.groups, []),
                  roles := coalesce(r.roles, [])
                ))::VARCHAR end as actor_json
         from actors as a
         left join lateral (
           select struct_pack(email := v.email, full_name := v.full_name, organization_role := v.organization_role,
                              organization_uuid := v.organization_uuid, valid_from := v.valid_from, valid_to := v.valid_to,
                              removed_at := v.removed_at) as u
           from marts.users as v
           where v.user_id = a.user_id
             and coalesce(v.valid_from, '-infinity'::timestamptz) <= a.as_of
             and a.as_of < coalesce(v.valid_to, 'infinity'::timestamptz)
           order by v.valid_from desc nulls last
           limit 1
         ) as u on true
         left join lateral (
           select list(struct_pack(group_id := m.group_id, name := gr.name, since := m.valid_from) order by m.group_id) as groups,
                  list(m.group_id) as group_ids
           from marts.group_memberships as m
           left join marts.groups as gr on gr.group_id = m.group_id
           where m.user_id = a.user_id
             and coalesce(m.valid_from, '-infinity'::timestamptz) <= a.as_of
             and a.as_of < coalesce(m.valid_to, 'infinity'::timestamptz)
         ) as g on true
         left join lateral (
           select list(struct_pack(role_id := ra.role_id, role_kind := ra.role_kind, via := ra.principal_type, principal_id := ra.principal_id)
                       order by ra.role_kind, ra.role_id, ra.principal_id) as roles
           from marts.role_assignments as ra
           where ((ra.principal_type = 'user' and ra.principal_id = a.user_id)
                  or (ra.principal_type = 'group' and list_contains(coalesce(g.group_ids, []), ra.principal_id)))
             and coalesce(ra.valid_from, '-infinity'::timestamptz) <= a.as_of
             and a.as_of < coalesce(ra.valid_to, 'infinity'::timestamptz)
         ) as r on true
       )
       select o.rule_id, o.entity_id, epoch_us(o.window_start) as window_start, epoch_us(o.window_end) as window_end, o.summary,
              p.evidence, s.actor_json
       from occurrences as o
       left join per_alert as p using (rule_id, k)
       left join snapshot as s using (rule_id, k)
       order by o.rule_id, o.k`,
    )
  ).getRowObjectsJS() as {
    rule_id: string;
    entity_id: string;
    window_start: bigint;
    window_end: bigint;
    summary: string | null;
    evidence: { id: string; at: bigint | null }[] | null;
    actor_json: string | null;
  }[];
  const byRule = new Map<string, Occurrence[]>();
  for (const r of rows) {
    let list = byRule.get(r.rule_id);
    if (!list) byRule.set(r.rule_id, (list = []));
    list.push({
      entityId: r.entity_id,
      windowStart: isoMicros(r.window_start),
      windowEnd: isoMicros(r.window_end),
      summary: r.summary ?? '',
      evidence: (r.evidence ?? []).map((e) => ({ activityId: e.id, createdAt: isoMicros(e.at ?? r.window_start) })),
      actorJson: r.actor_json,
    });
  }
  return byRule;
}

/** One rule's occurrences from `start` (null: everything), looked up (detections test; no alert store). */
export async function evaluateRule(connection: DuckDBConnection, rule: Rule, params: Record<string, ParamValue>, start: bigint | null): Promise<Occurrence[]> {
  await connection.run(OCCURRENCES_DDL);
  try {
    await queryOccurrences(connection, rule, params, start);
    return (await lookupOccurrences(connection)).get(rule.id) ?? [];
  } finally {
    await connection.run('drop table if exists occurrences');
  }
}

/** The look-back of each rule with its configured parameters (for reports and `detections list`). */
export function lookBackMs(rule: Rule, params: Record<string, ParamValue>): number {
  return windowMs(rule, params);
}
