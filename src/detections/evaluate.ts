// Evaluation (detections.md §3): each enabled rule over the warehouse, incrementally from the earliest
// activity committed since the rule last ran, or over everything the first time (a retro hunt: historical
// alerts). Occurrences become alerts in the alert store with their evidence and the actor as of the first
// evidence; then marts.alerts / marts.alert_evidence are rewritten. A rule that fails is reported and the
// others still run; its recorded position does not move, so the next evaluation covers the same data.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { connectUtc, createDuck } from '../lake/duck.js';
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
  error: string | null;
}

export interface EvaluationReport {
  rules: RuleReport[];
  /** The manifest entry the warehouse was built up to. */
  toSeq: number;
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
    try {
      const connection = await connectUtc(instance);
      try {
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
            error: null,
          };
          if (mode !== 'unchanged') {
            try {
              const occurrences = await evaluateRule(connection, rule, params, start);
              report.occurrences = occurrences.length;
              const r = store.upsertOccurrences(rule, occurrences, {
                historical: mode === 'retro',
                deliverHistorical: options.config.deliverHistorical,
                destinations: options.destinations ?? [],
                now: now(),
              });
              report.created = r.created.length;
              report.updated = r.updated.length;
              report.queued = r.queued;
            } catch (err) {
              report.error = `${rule.id} (${rule.path}): ${(err as Error).message}`;
            }
          }
          report.durationMs = Date.now() - ruleStarted;
          // `--since` looks again at a range; it does not move the rule's position
          const seq = mode === 'since' ? fromSeq! : toSeq;
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
    return { rules: reports, toSeq, ms: Date.now() - started, failed: reports.filter((r) => r.error !== null).length };
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

/**
 * Runs one rule from `start` (null: everything) and returns its occurrences with evidence times and the actor
 * snapshot. Only occurrences whose last evidence is at or after `start` count (detections.md §1).
 */
export async function evaluateRule(connection: DuckDBConnection, rule: Rule, params: Record<string, ParamValue>, start: bigint | null): Promise<Occurrence[]> {
  const sql = renderRule(rule, params, { start, end: null });
  const startLiteral = start === null ? `'-infinity'::TIMESTAMPTZ` : `'${isoMicros(start)}'::TIMESTAMPTZ`;
  await connection.run(
    `create or replace temp table occ as
     select row_number() over (order by entity_id, window_start) as k, *
     from (
       select entity_id::VARCHAR as entity_id, window_start::TIMESTAMPTZ as window_start, window_end::TIMESTAMPTZ as window_end,
              list_sort(list_distinct(evidence_ids::VARCHAR[])) as evidence_ids, summary::VARCHAR as summary
       from (${sql}\n) as rule
     )
     where window_end >= ${startLiteral} and entity_id is not null and window_start is not null`,
  );
  try {
    const rows = (
      await connection.runAndReadAll(
        `with bounds as (
           select min(window_start) as lo, max(window_end) as hi from occ
         ),
         evidence as (
           select o.k, unnest(o.evidence_ids) as activity_id from occ as o
         ),
         found as (
           select e.k, e.activity_id, a.created_at, a.actor_user_id
           from evidence as e
           left join (
             select id, created_at, actor_user_id from marts.activities
             where created_at >= (select lo from bounds) and created_at <= (select hi from bounds)
           ) as a on a.id = e.activity_id
         ),
         per_alert as (
           select k,
                  list(struct_pack(id := activity_id, at := epoch_us(created_at)) order by created_at nulls last, activity_id) as evidence,
                  arg_min(actor_user_id, created_at) as first_actor,
                  min(created_at) as first_at
           from found group by k
         ),
         actors as (
           select o.k,
                  ${rule.entity === 'user' ? 'o.entity_id' : 'p.first_actor'} as user_id,
                  coalesce(p.first_at, o.window_start) as as_of
           from occ as o left join per_alert as p using (k)
         ),
         snapshot as (
           select a.k,
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
         select o.k, o.entity_id, epoch_us(o.window_start) as window_start, epoch_us(o.window_end) as window_end, o.summary,
                p.evidence, s.actor_json
         from occ as o
         left join per_alert as p using (k)
         left join snapshot as s using (k)
         order by o.k`,
      )
    ).getRowObjectsJS() as {
      entity_id: string;
      window_start: bigint;
      window_end: bigint;
      summary: string | null;
      evidence: { id: string; at: bigint | null }[] | null;
      actor_json: string | null;
    }[];
    return rows.map((r) => ({
      entityId: r.entity_id,
      windowStart: isoMicros(r.window_start),
      windowEnd: isoMicros(r.window_end),
      summary: r.summary ?? rule.title,
      evidence: (r.evidence ?? []).map((e) => ({ activityId: e.id, createdAt: isoMicros(e.at ?? r.window_start) })),
      actorJson: r.actor_json,
    }));
  } finally {
    await connection.run('drop table if exists occ');
  }
}

/** The look-back of each rule with its configured parameters (for reports and `detections list`). */
export function lookBackMs(rule: Rule, params: Record<string, ParamValue>): number {
  return windowMs(rule, params);
}
