// Evaluation (detections.md §3): each enabled rule over the warehouse, incrementally from the earliest
// activity committed since the rule last ran, or over everything the first time (a retro hunt: historical
// alerts). Occurrences become alerts in the alert store with their evidence and the actor as of the first
// evidence; then the months of marts.alerts / marts.alert_evidence that changed are rewritten. A rule that fails
// is reported and the others still run; its recorded position does not move, so the next evaluation covers the
// same data. An incremental evaluation reads only what new data can affect (detections.md §3).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { connectUtc, createDuck, sqlString } from '../lake/duck.js';
import { acquireLock } from '../lake/lock.js';
import { entryFileName, manifestsDir, readEntry } from '../lake/manifest.js';
import { packageRoot } from '../models/catalog.js';
import { WarehouseMissingError } from '../models/query.js';
import { stripComments } from '../models/sql-files.js';
import { readState } from '../models/state.js';
import { LOCATION_TABLE, canonicalDataDir, relocateWarehouse, warehousePath } from '../models/warehouse.js';
import type { DetectionsConfig } from './config.js';
import { publishAlertMarts } from './marts.js';
import { type ParamValue, type Rule, effectiveParams, isoMicros, loadRules, lookbackMs, readSelection, renderSql, rulesHash, windowMs } from './rules.js';
import { AlertStore, type DestinationFilter, type Occurrence, isoNow } from './store.js';

/**
 * Occurrences looked up together: one pass over the evidence and the directory per chunk, and bounded memory when
 * a rule's retro hunt finds thousands (the actor snapshots of 3 000 occurrences of one admin took over 1 GB at
 * once when they listed the roles of every group; without them, detections.md §4, 2 349 snapshots of an
 * inviter in 186 groups are 40 MB, so 5 000 at a time: 7 passes for the 30 876 alerts at 100 M instead of 31).
 */
const LOOKUP_CHUNK = 5000;
/** DuckDB's memory for an evaluation, and for one with a retro hunt (the copy of the typed activities of every month). */
const DEFAULT_MEMORY_LIMIT = '1GB';
const RETRO_MEMORY_LIMIT = '3GB';
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
  /**
   * Whether the rules with a `types:` header read one copy of just those activities (default true: one scan of
   * the feed for them all). False: every rule reads marts.activities itself (the engine before; tests compare).
   */
  candidates?: boolean;
  /**
   * Whether that copy reads the activities of the types marts.detection_activities holds from it (default true,
   * when the warehouse's mart was built from this package's SQL); false: from marts.activities (tests compare).
   */
  detectionMart?: boolean;
  /** Occurrences looked up together (default LOOKUP_CHUNK; tests make it small to cover several chunks). */
  lookupChunk?: number;
  /**
   * Whether the actor snapshots also list the roles held through the actor's groups (the snapshot before
   * detections.md §4's cut: 244 MB of 326 MB of snapshot JSON on a retro hunt at 100 M). Default false: the
   * snapshot holds the direct roles, and readers resolve the groups' roles as of `as_of` (groupRolesAsOf in
   * src/graphql/alert-actor.ts). Tests compare the two.
   */
  snapshotGroupRoles?: boolean;
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
  /**
   * What the rule read its activities from: the copy of the activities of the types the `types:` rules read
   * ('candidates'), the copy of the new range ('recent'), or marts.activities itself ('view'); null: not run.
   */
  source: 'candidates' | 'recent' | 'view' | null;
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
  /**
   * Where `ms` went: opening (the new manifest entries, the warehouse), the rules' own queries (of which
   * `copyMs`: copying the activities they read out of marts.activities), the lookup, storing the alerts and
   * positions (one transaction), and bringing the alert marts up to date.
   */
  phases: { openMs: number; rulesMs: number; copyMs: number; lookupMs: number; storeMs: number; martsMs: number };
  /** The alerts were stored but marts.alerts could not be rewritten (the next evaluation tries again). */
  martsError: string | null;
  /** The copy of the typed rules' activities read marts.detection_activities (for the types it holds). */
  detectionMart: boolean;
  /** The views of the monthly marts' files from a month on that the evaluation read (MonthViews), e.g. activities_from_2026_09. */
  monthViews: string[];
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
  // the warehouse opens (its catalog read on DuckDB's thread) while the alert store is read here; a retro hunt
  // raises its memory below, once the rules' states are known
  const opening = openWarehouse(dataDir, { ...options, memoryLimit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT });
  opening.catch(() => undefined); // awaited below (or closed, when reading the store fails first)
  const closeOpening = () => opening.then((i) => i.closeSync(), () => undefined);
  try {
    let store: AlertStore;
    try {
      store = AlertStore.open(dataDir);
    } catch (err) {
      await closeOpening();
      throw err;
    }
    const reports: RuleReport[] = [];
    const phases = { openMs: 0, rulesMs: 0, copyMs: 0, lookupMs: 0, storeMs: 0, martsMs: 0 };
    let lookupMs = 0;
    let martsError: string | null = null;
    let usedMart = false;
    let monthViews: string[] = [];
    let instance: DuckDBInstance | null = null;
    try {
      const states = new Map(selected.map((rule) => [rule.id, store.ruleState(rule.id)]));
      // only the manifest entries after the rules' positions: what an incremental evaluation starts from
      const positions = [...states.values()].map((st) => (st && st.evaluatedSeq >= 0 ? st.evaluatedSeq : toSeq)).filter((seq) => seq < toSeq);
      const newActivity = positions.length ? newActivityRanges(dataDir, Math.min(...positions), toSeq) : new Map<number, NewActivity>();
      // a retro hunt holds six years of the typed rules' activities (2 M rows at 100 M activities): more memory
      // than an incremental run's day, so that the copy and the rules' aggregates over it do not spill
      const retro = selected.some((rule) => {
        const st = states.get(rule.id);
        return options.retro || !st || st.evaluatedSeq < 0 || st.evaluatedSeq > toSeq || st.paramsHash !== rulesHash(rule, options.config.params[rule.id] ?? {});
      });
      instance = await opening;
      const connection = await connectUtc(instance);
      phases.openMs = Date.now() - started;
      try {
        if (retro && options.memoryLimit === undefined) await connection.run(`SET memory_limit = '${RETRO_MEMORY_LIMIT}'`);
        const pending: { rule: Rule; report: RuleReport; hash: string; fromSeq: number | null; start: bigint | null }[] = [];
        // every rule reads the footers of the same model files (set after start, as build.ts does)
        await connection.run('SET parquet_metadata_cache = true');
        await connection.run(OCCURRENCES_DDL);
        const rulesStarted = Date.now();
        // each rule's mode and range first ...
        for (const rule of selected) {
          const params = options.config.params[rule.id] ?? {};
          const hash = rulesHash(rule, params);
          const state = states.get(rule.id) ?? null;
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
            start = earliestAfter(newActivity, fromSeq, toSeq);
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
            source: null,
            phases: { ruleMs: 0, lookupMs: 0 },
            error: null,
          };
          pending.push({ rule, report, hash, fromSeq, start });
        }
        // ... then the activities of the types the rules with a `types:` header read, copied once out of
        // marts.activities from the earliest of their look-backs (one scan of the feed instead of one per rule;
        // over six years on a retro hunt) ...
        const paramsOf = (rule: Rule) => options.config.params[rule.id] ?? {};
        // an incremental evaluation reads the monthly marts' files of the months from its look-backs on, not the
        // views over six years of them (whose files' footers cost more than a day's rows)
        const months = pending.some((p) => p.report.mode === 'incremental') ? await MonthViews.read(connection).catch(() => null) : null;
        const monthsFrom = (relation: string, from: bigint | null) => (months === null || from === null ? Promise.resolve(relation) : months.from(relation, from));
        const copyStarted = Date.now();
        const typed = options.candidates === false ? [] : pending.filter((p) => p.report.mode !== 'unchanged' && p.rule.reads !== null);
        const mart = typed.length && options.detectionMart !== false ? await detectionMart(connection, modelsState) : null;
        const candidates = await copyCandidateActivities(
          connection,
          mart,
          typed.map((p) => ({ selection: readSelection(p.rule, effectiveParams(p.rule, paramsOf(p.rule)))!, from: p.start === null ? null : lookBackStart(p.rule, paramsOf(p.rule), p.start) })),
          monthsFrom,
        );
        const onCandidates = new Set(!candidates ? [] : typed.map((p) => p.rule.id));
        usedMart = candidates && mart !== null;
        // ... and the activities the other event and threshold rules of a bounded range read, copied once out
        // of marts.activities (a day of them, not six years' files per rule) ...
        const newest = Math.max(-Infinity, ...[...newActivity.values()].map((r) => r.max));
        const recent = await copyRecentActivities(
          connection,
          pending
            .filter((p) => p.report.mode === 'incremental' && readsOnlyRecentActivities(p.rule) && !onCandidates.has(p.rule.id))
            .map((p) => lookBackStart(p.rule, paramsOf(p.rule), p.start!)),
          newest,
          monthsFrom,
        );
        phases.copyMs = Date.now() - copyStarted;
        // ... then the rules that read only that copy, in one statement (one query instead of dozens; if it
        // fails, they run one by one below, so a failure is still that rule's alone) ...
        const onCopy = (p: (typeof pending)[number]) =>
          recent !== null &&
          !onCandidates.has(p.rule.id) &&
          p.report.mode === 'incremental' &&
          readsOnlyRecentActivities(p.rule) &&
          lookBackStart(p.rule, paramsOf(p.rule), p.start!) >= recent;
        const relationOf = (p: (typeof pending)[number]): string | null =>
          onCandidates.has(p.rule.id) ? candidateRelation(readSelection(p.rule, effectiveParams(p.rule, paramsOf(p.rule)))!) : onCopy(p) ? RECENT_ACTIVITIES : null;
        // the incremental rules on a copy (the typed rules on the copy of their types, the others on the copy of
        // the new range): one statement for them all instead of ~50 small ones (each a plan and a pass of its own)
        // what an incremental rule's {{all_activities}} reads, and a rule that reads the view from its look-back on (§1): the months from it
        const ownMonths = new Map<string, string>();
        for (const p of pending)
          if (p.report.mode === 'incremental' && (ALL_ACTIVITIES.test(p.rule.sql) || (relationOf(p) === null && readsOnlyRecentActivities(p.rule))))
            ownMonths.set(p.rule.id, await monthsFrom('marts.activities', lookBackStart(p.rule, paramsOf(p.rule), p.start!)).catch(() => 'marts.activities'));
        const batch = pending.filter((p) => p.report.mode === 'incremental' && relationOf(p) !== null);
        const batched = new Set<string>();
        if (batch.length > 1) {
          const batchStarted = Date.now();
          try {
            const counts = await queryOccurrencesTogether(
              connection,
              batch.map((p) => ({ rule: p.rule, params: options.config.params[p.rule.id] ?? {}, start: p.start!, relation: relationOf(p)!, allActivities: ownMonths.get(p.rule.id) })),
            );
            const share = Math.round((Date.now() - batchStarted) / batch.length);
            for (const p of batch) {
              p.report.occurrences = counts.get(p.rule.id) ?? 0;
              p.report.source = relationOf(p) === RECENT_ACTIVITIES ? 'recent' : 'candidates';
              p.report.phases.ruleMs = share; // the statement's time, shared out
              batched.add(p.rule.id);
            }
          } catch {
            // one by one below
          }
        }
        // ... then every other rule's own query (each into occurrences; a failure is that rule's alone)
        for (const p of pending) {
          const { rule, report, start } = p;
          if (report.mode === 'unchanged' || batched.has(rule.id)) continue;
          const ruleStarted = Date.now();
          const params = options.config.params[rule.id] ?? {};
          try {
            const relation = relationOf(p);
            report.source = relation === null ? 'view' : relation === RECENT_ACTIVITIES ? 'recent' : 'candidates';
            const own = ownMonths.get(rule.id);
            report.occurrences = await queryOccurrences(connection, rule, params, start, relation ?? (own !== undefined && readsOnlyRecentActivities(rule) ? own : null), own);
          } catch (err) {
            report.error = `${rule.id} (${rule.path}): ${(err as Error).message}`;
          }
          report.phases.ruleMs = Date.now() - ruleStarted;
        }
        phases.rulesMs = Date.now() - rulesStarted;
        monthViews = months?.names() ?? [];
        // ... then the evidence and actors of them all: the evidence's times and actors once (from the copies,
        // the view only for what they do not hold), then LOOKUP_CHUNK occurrences at a time
        const lookupStarted = Date.now();
        const found = new Map<string, Occurrence[]>();
        const failedLookup = new Map<string, string>();
        const total = await countOccurrences(connection);
        let evidence: string | null = null;
        try {
          if (total > 0) evidence = await copyEvidenceActivities(connection, [...(onCandidates.size ? [CANDIDATE_ACTIVITIES] : []), ...(recent === null ? [] : [RECENT_ACTIVITIES])]);
        } catch {
          evidence = null; // each chunk reads the view
        }
        const chunk = Math.max(1, options.lookupChunk ?? LOOKUP_CHUNK);
        let directory = DIRECTORY_MARTS;
        try {
          if (total > chunk) directory = await copyDirectory(connection);
        } catch {
          directory = DIRECTORY_MARTS; // each chunk reads the marts
        }
        for (let from = 1; from <= total; from += chunk) {
          const ks = { from, to: Math.min(total, from + chunk - 1) };
          try {
            for (const [ruleId, list] of await lookupOccurrences(connection, ks, evidence, directory, options.snapshotGroupRoles === true)) found.set(ruleId, [...(found.get(ruleId) ?? []), ...list]);
          } catch (err) {
            for (const ruleId of await rulesIn(connection, ks)) failedLookup.set(ruleId, `looking up the evidence and actors: ${(err as Error).message}`);
          }
        }
        lookupMs = phases.lookupMs = Date.now() - lookupStarted;
        const storeStarted = Date.now();
        // every rule's alerts, outbox rows and position in one transaction: one commit (and fsync) per evaluation
        store.inTransaction(() => {
          for (const { rule, report, hash, fromSeq } of pending) {
            const upsertStarted = Date.now();
            const lookupError = failedLookup.get(rule.id) ?? null;
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
        });
        phases.storeMs = Date.now() - storeStarted;
        // the alerts are stored: bring the alert marts up to date (on this connection when only a few months
        // changed). A failure is reported, and the next evaluation (or status change) rewrites the months still
        // marked as changed
        const martsStarted = Date.now();
        try {
          await publishAlertMarts(dataDir, { connection, store });
        } catch (err) {
          martsError = `writing marts.alerts: ${(err as Error).message}`;
        }
        phases.martsMs = Date.now() - martsStarted;
      } finally {
        connection.closeSync();
      }
    } finally {
      if (instance) instance.closeSync();
      else await closeOpening();
      store.close();
    }
    return { rules: reports, toSeq, lookupMs, phases, martsError, detectionMart: usedMart, monthViews, ms: Date.now() - started, failed: reports.filter((r) => r.error !== null).length };
  } finally {
    lock.release();
  }
}

/**
 * The warehouse, read-only, for the rules. When the data directory moved since the build, its views are
 * rewritten first (relocateWarehouse); the recorded location is read on this same open, not a separate one.
 */
async function openWarehouse(dataDir: string, options: EvaluateOptions): Promise<DuckDBInstance> {
  const open = () => createDuck({ path: warehousePath(dataDir), readOnly: true, threads: options.threads ?? 2, memoryLimit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT });
  const instance = await open();
  let moved: boolean;
  try {
    const connection = await connectUtc(instance);
    try {
      const [schema, table] = LOCATION_TABLE.split('.');
      const found = await connection.runAndReadAll(`select count(*)::INTEGER as n from duckdb_tables() where schema_name = '${schema}' and table_name = '${table}'`);
      const recorded = Number(found.getRowObjects()[0].n) === 0 ? null : (await connection.runAndReadAll(`select data_dir from ${LOCATION_TABLE} limit 1`)).getRowObjects()[0]?.data_dir;
      moved = recorded !== null && recorded !== undefined && String(recorded) !== canonicalDataDir(dataDir);
    } finally {
      connection.closeSync();
    }
  } catch (err) {
    instance.closeSync();
    throw err;
  }
  if (!moved) return instance;
  instance.closeSync();
  await relocateWarehouse(dataDir);
  return open();
}

/** The created_at range (ms) of the activity rows one manifest entry added. */
interface NewActivity {
  min: number;
  max: number;
}

/**
 * Per manifest entry after `fromSeq` up to `toSeq` that added activity rows: the range of their created_at
 * (min_time, max_time). Reads only those entries' files, not the whole manifest (the lake's chain is checked
 * by the sync and `models build`, which built the warehouse up to `toSeq`).
 */
export function newActivityRanges(dataDir: string, fromSeq: number, toSeq: number): Map<number, NewActivity> {
  const dir = manifestsDir(join(dataDir, 'lake'));
  const ranges = new Map<number, NewActivity>();
  for (let seq = fromSeq + 1; seq <= toSeq; seq++) {
    const file = join(dir, entryFileName(seq));
    if (!existsSync(file)) throw new DetectionsUnavailableError(`manifest entry ${seq} (${file}) is missing though the warehouse was built up to ${toSeq}: run \`compliance-lake verify\``);
    for (const f of readEntry(file).added) {
      if (f.stream !== ACTIVITY_STREAM || f.min_time === null || f.rows === 0) continue;
      const min = Date.parse(f.min_time);
      const max = f.max_time === null ? Infinity : Date.parse(f.max_time);
      const r = ranges.get(seq);
      ranges.set(seq, r ? { min: Math.min(r.min, min), max: Math.max(r.max, max) } : { min, max });
    }
  }
  return ranges;
}

/** The earliest created_at (µs) of activities committed after `fromSeq` up to `toSeq`; null when none. */
function earliestAfter(ranges: Map<number, NewActivity>, fromSeq: number, toSeq: number): bigint | null {
  let earliest: number | null = null;
  for (const [seq, r] of ranges) {
    if (seq <= fromSeq || seq > toSeq) continue;
    if (earliest === null || r.min < earliest) earliest = r.min;
  }
  return earliest === null ? null : BigInt(earliest) * 1000n - 1000n; // min_time is ms-rounded text at worst
}

/** The temp table of the activities the bounded event and threshold rules read (copyRecentActivities). */
const RECENT_ACTIVITIES = 'recent_activities';
const ACTIVITIES_RELATION = /\bmarts\.activities\b/g;
const ALL_ACTIVITIES = /\{\{\s*all_activities\s*\}\}/;
const RELATION = /\b(marts|intermediate|staging|seeds)\.[a-z_][a-z0-9_]*\b/g;

/**
 * Whether a rule reads nothing but marts.activities, from `eval_start - window` on (detections.md §1): the
 * event and threshold rules. Those run on a copy of that range instead of the view over every month's file.
 */
export function readsOnlyRecentActivities(rule: Rule): boolean {
  if (rule.kind !== 'event' && rule.kind !== 'threshold') return false;
  const relations = new Set([...rule.sql.matchAll(RELATION)].map((m) => m[0]));
  return relations.size === 1 && relations.has('marts.activities');
}

/** The earliest created_at (µs) a rule may read when evaluated from `start`: `start - lookback` (the window unless declared). */
function lookBackStart(rule: Rule, params: Record<string, ParamValue>, start: bigint): bigint {
  return start - BigInt(Math.ceil(lookbackMs(rule, effectiveParams(rule, params)))) * 1000n;
}

/** The temp table of the activities the rules with a `types:` header read (copyCandidateActivities). */
export const CANDIDATE_ACTIVITIES = 'candidate_activities';

const inList = (names: string[]) => names.map((n) => sqlString(n)).join(', ');

/** Look-backs of the typed rules closer than this share one term of the copy's filter (from the earliest of them). */
const CANDIDATE_MERGE_MS = 86_400_000;

/**
 * Copies into the temp table candidate_activities the activities of every type (or category) the given rules
 * read, each type from the earliest look-back of the rules that read it (`from`, µs; null: everything): one scan
 * per relation read (marts.detection_activities for what it holds, else marts.activities), from the earliest of
 * those starts, whose filter keeps each type (or category) from its own start (a retro hunt: one scan of six years
 * for every rule); the types filtered where the Parquet reader applies it. The activities of a category read from
 * marts.activities skip those already copied (by id, the feed's key). Returns false when the copy failed (the
 * rules then read the view).
 */
export async function copyCandidateActivities(
  connection: DuckDBConnection,
  mart: DetectionMart | null,
  rules: { selection: { types: string[]; categories: string[] }; from: bigint | null }[],
  /** The relation's files of the months from a start on (MonthViews.from); none: the relation itself. */
  monthsFrom?: (relation: string, from: bigint) => Promise<string>,
): Promise<boolean> {
  if (rules.length === 0) return false;
  const earliest = (a: bigint | null | undefined, b: bigint | null): bigint | null => (a === undefined ? b : a === null || b === null ? null : b < a ? b : a);
  const typeFrom = new Map<string, bigint | null>();
  const categoryFrom = new Map<string, bigint | null>();
  for (const r of rules) {
    for (const t of r.selection.types) typeFrom.set(t, earliest(typeFrom.get(t), r.from));
    for (const c of r.selection.categories) categoryFrom.set(c, earliest(categoryFrom.get(c), r.from));
  }
  const since = (from: bigint | null) => (from === null ? 'true' : `created_at >= '${isoMicros(from)}'::TIMESTAMPTZ`);
  try {
    await connection.run(`create or replace temp table ${CANDIDATE_ACTIVITIES} as select * from marts.activities where false`);
    // the types and categories the mart holds are read from it (every row of theirs is there), the others from
    // marts.activities: one statement each (six scans of a month of the mart, each decoding every column of the
    // range, took 0.25 s of a 1 s incremental evaluation at 100 M; one takes a third of that)
    for (const inMart of [true, false]) {
      const held = (name: string, set: ReadonlySet<string> | undefined) => (set?.has(name) ?? false) === inMart;
      const types = groupByFrom(new Map([...typeFrom].filter(([name]) => held(name, mart?.types))));
      const categories = groupByFrom(new Map([...categoryFrom].filter(([name]) => held(name, mart?.categories))));
      if (types.length === 0 && categories.length === 0) continue;
      const relation = inMart ? DETECTION_MART : 'marts.activities';
      // a category read from marts.activities may hold activities of types copied from the mart
      const fresh = inMart ? '' : ` and not exists (select 1 from ${CANDIDATE_ACTIVITIES} as c where c.id = a.id)`;
      const terms = [
        ...types.map((g) => `(type in (${inList(g.names)}) and ${since(g.from)})`),
        ...categories.map((g) => `(category in (${inList(g.names)}) and ${since(g.from)}${fresh})`),
      ];
      // the earliest start once more on its own, so that the Parquet reader skips the row groups before it
      const starts = [...types, ...categories].map((g) => g.from);
      const lowest = starts.includes(null) ? null : starts.reduce((a, b) => (b! < a! ? b : a));
      const read = lowest === null || !monthsFrom ? relation : await monthsFrom(relation, lowest);
      await connection.run(`insert into ${CANDIDATE_ACTIVITIES} select * from ${read} as a where ${since(lowest)} and (${terms.join('\n or ')})`);
    }
    return true;
  } catch {
    await connection.run(`drop table if exists ${CANDIDATE_ACTIVITIES}`).catch(() => undefined);
    return false;
  }
}

/** marts.detection_activities: the activities of the types and categories it lists (sql/marts/detection_activities.sql). */
const DETECTION_MART = 'marts.detection_activities';

export interface DetectionMart {
  types: ReadonlySet<string>;
  categories: ReadonlySet<string>;
}

/**
 * What marts.detection_activities holds, when the warehouse has it built from this package's SQL (the build
 * state records each model's SQL digest): the types its filter lists, and the categories all of whose types
 * are among them. Null: read marts.activities (an older warehouse, or a mart built from other SQL).
 */
export async function detectionMart(connection: DuckDBConnection, state: { relations?: Record<string, string> }): Promise<DetectionMart | null> {
  const path = join(packageRoot(), 'sql', 'marts', 'detection_activities.sql');
  if (!existsSync(path)) return null;
  const sql = readFileSync(path, 'utf8');
  if (state.relations?.[DETECTION_MART] !== createHash('sha256').update(sql).digest('hex')) return null;
  const [schema, name] = DETECTION_MART.split('.');
  const found = await connection.runAndReadAll(`select count(*)::INTEGER as n from duckdb_views() where schema_name = '${schema}' and view_name = '${name}'`);
  if (Number(found.getRowObjectsJS()[0].n) === 0) return null;
  const types = detectionMartTypes(sql);
  // a category is held when the catalog has no type of it the mart leaves out (marts.activities' category is
  // the catalog's; a type the catalog does not know is 'other')
  const categories = (
    await connection.runAndReadAll(
      `select category from seeds.activity_types group by category
       having category <> 'other' and count(*) filter (where type not in (${types.length ? inList(types) : 'null'})) = 0`,
    )
  ).getRowObjectsJS() as { category: string }[];
  return { types: new Set(types), categories: new Set(categories.map((c) => c.category)) };
}

/** The types the mart's filter lists (its one `type in (...)`). */
export function detectionMartTypes(sql: string): string[] {
  const list = /\btype\s+in\s*\(([^)]*)\)/.exec(stripComments(sql));
  return list ? [...list[1].matchAll(/'([^']*)'/g)].map((m) => m[1]) : [];
}

/** Names grouped by their start (null: everything first), a group's start the earliest of its names'. */
function groupByFrom(from: Map<string, bigint | null>): { names: string[]; from: bigint | null }[] {
  const sorted = [...from].sort(([na, a], [nb, b]) => (a === b ? (na < nb ? -1 : 1) : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1));
  const groups: { names: string[]; from: bigint | null }[] = [];
  for (const [name, at] of sorted) {
    const last = groups[groups.length - 1];
    const fits = last !== undefined && (last.from === null ? at === null : at !== null && at - last.from <= BigInt(CANDIDATE_MERGE_MS) * 1000n);
    if (fits) last.names.push(name);
    else groups.push({ names: [name], from: at });
  }
  return groups;
}

/** What one rule with a `types:` header reads in place of marts.activities: its own types and categories of the copy. */
function candidateRelation(selection: { types: string[]; categories: string[] }): string {
  const where = [
    ...(selection.types.length ? [`type in (${inList(selection.types)})`] : []),
    ...(selection.categories.length ? [`category in (${inList(selection.categories)})`] : []),
  ];
  return `(select * from ${CANDIDATE_ACTIVITIES} where ${where.length ? where.join(' or ') : 'false'})`;
}

/** The directory history the actor snapshots read: the marts, or copies of them (copyDirectory). */
interface DirectoryRelations {
  users: string;
  memberships: string;
  groups: string;
  roles: string;
}

const DIRECTORY_MARTS: DirectoryRelations = { users: 'marts.users', memberships: 'marts.group_memberships', groups: 'marts.groups', roles: 'marts.role_assignments' };

/**
 * Copies the directory history marts into temp tables, read once instead of once per LOOKUP_CHUNK occurrences
 * (a retro hunt looks up tens of thousands). The same rows: only where they are read from changes.
 */
async function copyDirectory(connection: DuckDBConnection): Promise<DirectoryRelations> {
  const copies = { users: 'directory_users', memberships: 'directory_group_memberships', groups: 'directory_groups', roles: 'directory_role_assignments' };
  for (const key of Object.keys(copies) as (keyof DirectoryRelations)[]) {
    await connection.run(`create or replace temp table ${copies[key]} as select * from ${DIRECTORY_MARTS[key]}`);
  }
  return copies;
}

/** The temp table of every occurrence's evidence activities (id, created_at, actor_user_id): copyEvidenceActivities. */
const EVIDENCE_ACTIVITIES = 'evidence_activities';

/**
 * The id, time and actor of every evidence activity of the occurrences, from the copies the rules read
 * (`copies`), and from marts.activities (over the time range of the occurrences that need it) only for
 * evidence they do not hold (a rule that reads {{all_activities}}, or one that read the view). Ids are the
 * feed's keys, so where an activity is found does not change what is found.
 */
async function copyEvidenceActivities(connection: DuckDBConnection, copies: string[]): Promise<string> {
  await connection.run(`create or replace temp table ${EVIDENCE_ACTIVITIES} (id VARCHAR, created_at TIMESTAMPTZ, actor_user_id VARCHAR)`);
  const wanted = `(select distinct unnest(evidence_ids) as id from occurrences)`;
  for (const copy of copies)
    await connection.run(
      `insert into ${EVIDENCE_ACTIVITIES} select c.id, c.created_at, c.actor_user_id from ${copy} as c
       where c.id in ${wanted} and c.id not in (select id from ${EVIDENCE_ACTIVITIES})`,
    );
  const missing = `(select o.window_start, o.window_end, e.id from occurrences as o, unnest(o.evidence_ids) as e(id)
     where e.id not in (select id from ${EVIDENCE_ACTIVITIES}))`;
  const [{ n }] = (await connection.runAndReadAll(`select count(*)::INTEGER as n from ${missing}`)).getRowObjectsJS() as { n: number }[];
  if (Number(n) > 0)
    await connection.run(
      `insert into ${EVIDENCE_ACTIVITIES}
       with missing as ${missing}
       select a.id, a.created_at, a.actor_user_id from marts.activities as a
       where a.created_at >= (select min(window_start) from missing) and a.created_at <= (select max(window_end) from missing)
         and a.id in (select id from missing)`,
    );
  return EVIDENCE_ACTIVITIES;
}

/** The longest range copied into recent_activities; a longer one (late arrivals, a long pause) reads the view. */
const RECENT_MAX_MS = 8 * 86_400_000;

/**
 * Copies the activities from the earliest of `from` (µs) into the temp table recent_activities (same columns
 * as marts.activities); returns that bound, or null when fewer than two rules need it, the range up to `newestMs` (the
 * newest new activity) is longer than RECENT_MAX_MS, or the copy failed (the rules then read the view).
 */
async function copyRecentActivities(connection: DuckDBConnection, from: bigint[], newestMs: number, monthsFrom: (relation: string, from: bigint) => Promise<string>): Promise<bigint | null> {
  // one rule reads the view with its own filters and columns: a copy of every column of the range (the
  // `details` pages of a day: 0.7 s of CPU at 100 M) pays only when several rules share it
  if (from.length < 2) return null;
  const earliest = from.reduce((a, b) => (b < a ? b : a));
  if (!Number.isFinite(newestMs) || BigInt(newestMs) * 1000n - earliest > BigInt(RECENT_MAX_MS) * 1000n) return null;
  try {
    await connection.run(`create or replace temp table ${RECENT_ACTIVITIES} as select * from ${await monthsFrom('marts.activities', earliest)} where created_at >= '${isoMicros(earliest)}'::TIMESTAMPTZ`);
    return earliest;
  } catch {
    return null;
  }
}

/** A view over the files of a monthly model, as the warehouse writes it (src/models/build.ts readParquetSql). */
const MONTHLY_VIEW = /^CREATE VIEW \S+ AS SELECT \* FROM read_parquet\(main\.list_value\(((?:'(?:[^']|'')*'(?:, )?)+)\), \(hive_partitioning = CAST\('f' AS BOOLEAN\)\)\);?$/;
const MONTH_DIR = /\/month=(\d{4}-\d{2})\//;

/**
 * The monthly marts an incremental evaluation reads (marts.activities, marts.detection_activities) narrowed to
 * the files of the months from a start on: a rule reads activities from its look-back on (detections.md §1),
 * and a month's files hold exactly the activities of that UTC month (the lake's day partitions are the UTC
 * dates of created_at: src/models/build.ts narrowToMonth). The views list every month's files (74 at 100 M):
 * DuckDB reads each one's footer before skipping it, 0.1–0.15 s of CPU per view and evaluation, more than
 * the day's rows. A view not in that form, and a file outside a month=YYYY-MM directory, stay as they are.
 */
export class MonthViews {
  private readonly created = new Map<string, string>();

  private constructor(
    private readonly connection: DuckDBConnection,
    private readonly files: ReadonlyMap<string, readonly string[]>,
  ) {}

  static async read(connection: DuckDBConnection): Promise<MonthViews> {
    const files = new Map<string, string[]>();
    // one read of the catalog's views for both (duckdb_views() renders the SQL of every view: 90 at 100 M)
    const rows = (
      await connection.runAndReadAll(`select schema_name || '.' || view_name as relation, sql from duckdb_views() where schema_name = 'marts' and view_name in ('activities', 'detection_activities')`)
    ).getRowObjectsJS() as { relation: string; sql: string }[];
    for (const { relation, sql } of rows) {
      const list = MONTHLY_VIEW.exec(sql.trim());
      if (list) files.set(relation, [...list[1].matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1].replaceAll("''", "'")));
    }
    return new MonthViews(connection, files);
  }

  /** The temp views made. */
  names(): string[] {
    return [...this.created.keys()].sort();
  }

  /** A temp view of `relation`'s files of the months from `from` (µs) on; `relation` itself when none can be left out. */
  async from(relation: string, from: bigint): Promise<string> {
    const files = this.files.get(relation);
    if (!files) return relation;
    const month = isoMicros(from).slice(0, 7);
    const kept = files.filter((f) => (MONTH_DIR.exec(f)?.[1] ?? month) >= month);
    if (kept.length === files.length || kept.length === 0) return relation;
    const name = `${relation.split('.')[1]}_from_${month.replace('-', '_')}`;
    if (!this.created.has(name)) {
      await this.connection.run(`create or replace temp view ${name} as select * from read_parquet([${kept.map((f) => sqlString(f)).join(', ')}], hive_partitioning = false)`);
      this.created.set(name, relation);
    }
    return name;
  }
}

/** The rules' occurrences of one evaluation, before their evidence and actors are looked up. */
const OCCURRENCES_DDL = `create or replace temp table occurrences (
  rule_id VARCHAR, entity_type VARCHAR, k BIGINT, entity_id VARCHAR, window_start TIMESTAMPTZ, window_end TIMESTAMPTZ,
  evidence_ids VARCHAR[], summary VARCHAR)`;

/**
 * Runs one rule from `start` (null: everything) into the temp table `occurrences`; returns how many it found.
 * Only occurrences whose last evidence is at or after `start` count (detections.md §1).
 */
async function queryOccurrences(
  connection: DuckDBConnection,
  rule: Rule,
  params: Record<string, ParamValue>,
  start: bigint | null,
  activities: string | null = null,
  allActivities?: string,
): Promise<number> {
  await connection.run(
    `insert into occurrences
     select rule_id, entity_type, (select count(*) from occurrences) + row_number() over (order by entity_id, window_start) as k, entity_id, window_start, window_end, evidence_ids, summary
     from (${occurrenceSelect(rule, params, start, activities, allActivities)})`,
  );
  return countOccurrences(connection, rule.id);
}

/** Several rules' occurrences in one statement (all or none inserted); returns how many each found. */
async function queryOccurrencesTogether(
  connection: DuckDBConnection,
  rules: { rule: Rule; params: Record<string, ParamValue>; start: bigint; relation: string; allActivities?: string }[],
): Promise<Map<string, number>> {
  await connection.run(
    `insert into occurrences
     select rule_id, entity_type, (select count(*) from occurrences) + row_number() over (order by rule_id, entity_id, window_start) as k, entity_id, window_start, window_end, evidence_ids, summary
     from (${rules.map((r) => occurrenceSelect(r.rule, r.params, r.start, r.relation, r.allActivities)).join('\n union all\n')})`,
  );
  const ids = rules.map((r) => sqlString(r.rule.id)).join(', ');
  const rows = (await connection.runAndReadAll(`select rule_id, count(*)::INTEGER as n from occurrences where rule_id in (${ids}) group by rule_id`)).getRowObjectsJS() as { rule_id: string; n: number }[];
  return new Map(rows.map((r) => [r.rule_id, Number(r.n)]));
}

/**
 * One rule's occurrences from `start` (null: everything) as rows of `occurrences` without k, reading
 * `activities` instead of marts.activities when given. Only occurrences whose last evidence is at or after
 * `start` count (detections.md §1).
 */
function occurrenceSelect(rule: Rule, params: Record<string, ParamValue>, start: bigint | null, activities: string | null, allActivities?: string): string {
  // the relation is swapped before rendering, so {{all_activities}} still reads the view (or its months from the
  // rule's look-back on: MonthViews)
  const sql = renderSql(rule, activities === null ? rule.sql : rule.sql.replace(ACTIVITIES_RELATION, activities), params, { start, end: null }, allActivities);
  const startLiteral = start === null ? `'-infinity'::TIMESTAMPTZ` : `'${isoMicros(start)}'::TIMESTAMPTZ`;
  return `select ${sqlString(rule.id)} as rule_id, ${sqlString(rule.entity)} as entity_type, *
     from (
       select entity_id::VARCHAR as entity_id, window_start::TIMESTAMPTZ as window_start, window_end::TIMESTAMPTZ as window_end,
              list_sort(list_distinct(evidence_ids::VARCHAR[])) as evidence_ids, summary::VARCHAR as summary
       from (${sql}\n) as rule
     )
     where window_end >= ${startLiteral} and entity_id is not null and window_start is not null`;
}

async function countOccurrences(connection: DuckDBConnection, ruleId?: string): Promise<number> {
  const where = ruleId === undefined ? '' : `where rule_id = ${sqlString(ruleId)}`;
  const reader = await connection.runAndReadAll(`select count(*) as n from occurrences ${where}`);
  return Number(reader.getRowObjectsJS()[0].n);
}

async function rulesIn(connection: DuckDBConnection, ks: { from: number; to: number }): Promise<string[]> {
  const reader = await connection.runAndReadAll(`select distinct rule_id from occurrences where k between ${ks.from} and ${ks.to}`);
  return (reader.getRowObjectsJS() as { rule_id: string }[]).map((r) => r.rule_id);
}

/**
 * The occurrences in `occurrences` with their evidence's times and the actor snapshot (the entity for user
 * rules, else the actor of the first evidence; detections.md §4), per rule. The evidence is read from
 * `evidence` (copyEvidenceActivities: every occurrence's evidence, found once), else from one scan of
 * marts.activities over the occurrences' time range.
 */
async function lookupOccurrences(
  connection: DuckDBConnection,
  ks?: { from: number; to: number },
  evidence: string | null = null,
  directory: DirectoryRelations = DIRECTORY_MARTS,
  groupRoles = false,
): Promise<Map<string, Occurrence[]>> {
  const scope = ks === undefined ? '' : `where k between ${ks.from} and ${ks.to}`;
  const activities = evidence ?? 'marts.activities';
  const rows = (
    await connection.runAndReadAll(
      `with occurrences as (
         select * from occurrences ${scope}
       ),
       bounds as (
         select min(window_start) as lo, max(window_end) as hi from occurrences
       ),
       evidence as (
         select o.rule_id, o.k, unnest(o.evidence_ids) as activity_id from occurrences as o
       ),
       found as (
         select e.rule_id, e.k, e.activity_id, a.created_at, a.actor_user_id
         from evidence as e
         left join (
           select id, created_at, actor_user_id from ${activities}
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
       -- the actor's user version, memberships and roles as of as_of: equi-joins on the user (and group) id,
       -- so each history mart is joined by key, never crossed with every actor
       user_versions as (
         select a.rule_id, a.k,
                struct_pack(email := v.email, full_name := v.full_name, organization_role := v.organization_role,
                            organization_uuid := v.organization_uuid, valid_from := v.valid_from, valid_to := v.valid_to,
                            removed_at := v.removed_at) as u
         from actors as a
         join ${directory.users} as v on v.user_id = a.user_id
         where coalesce(v.valid_from, '-infinity'::timestamptz) <= a.as_of
           and a.as_of < coalesce(v.valid_to, 'infinity'::timestamptz)
         qualify row_number() over (partition by a.rule_id, a.k order by v.valid_from desc nulls last, v.organization_uuid) = 1
       ),
       memberships as (
         select a.rule_id, a.k, m.group_id, gr.name, m.valid_from as since
         from actors as a
         join ${directory.memberships} as m on m.user_id = a.user_id
         left join ${directory.groups} as gr on gr.group_id = m.group_id
         where coalesce(m.valid_from, '-infinity'::timestamptz) <= a.as_of
           and a.as_of < coalesce(m.valid_to, 'infinity'::timestamptz)
       ),
       groups_held as (
         -- sorted after aggregating: the same order by group_id, but an ordered aggregate sorts each actor's
         -- groups on its own (5.5 s for the 2 349 snapshots of an inviter in 186 groups at 100 M, 0.2 s this way)
         select rule_id, k, list_sort(list(struct_pack(group_id := group_id, name := name, since := since))) as groups
         from memberships group by rule_id, k
       ),
       -- the roles held directly; those held through the groups above follow from the groups and
       -- marts.role_assignments as of as_of, and are resolved when read (detections.md §4)
       principals as (
         select rule_id, k, user_id as principal_id, 'user' as principal_type, as_of from actors where user_id is not null${
           groupRoles
             ? `
         union all
         select m.rule_id, m.k, m.group_id, 'group', a.as_of from memberships as m join actors as a using (rule_id, k)`
             : ''
         }
       ),
       roles_held as (
         select p.rule_id, p.k,
                list(struct_pack(role_id := ra.role_id, role_kind := ra.role_kind, via := ra.principal_type, principal_id := ra.principal_id)
                     order by ra.role_kind, ra.role_id, ra.principal_id) as roles
         from principals as p
         join ${directory.roles} as ra on ra.principal_id = p.principal_id and ra.principal_type = p.principal_type
         where coalesce(ra.valid_from, '-infinity'::timestamptz) <= p.as_of
           and p.as_of < coalesce(ra.valid_to, 'infinity'::timestamptz)
         group by p.rule_id, p.k
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
         left join user_versions as u using (rule_id, k)
         left join groups_held as g using (rule_id, k)
         left join roles_held as r using (rule_id, k)
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
