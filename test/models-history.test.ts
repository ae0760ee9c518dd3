// The directory history built incrementally (int_directory_subjects_touched, int_directory_facts_unioned,
// int_directory_versioned and the marts over them) against a --full build of the same lake. A live tenant whose
// people, groups and roles change every few hours, with late-arriving feed events, is synced at random clock
// steps with a random choice of streams (everything, the directory alone: snapshots without their events, the
// activities alone: events without a snapshot); after each step the chain of incremental builds is compared
// with a full build of a copy of the data dir. The activities and the daily counts are compared too: the
// activities fold (a part file per build, the month written as one file again every third build), and the daily
// counts merge the folded rows into the month's counts, and admin actions recompute a month only from the
// earliest new activity or history change on (schema/models.md), late activities included.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { buildModels, type BuildReport } from '../src/models/build.js';
import { warehouseRows } from '../src/models/query.js';
import { MINUTE, connect, makeSim, makeTenant } from './support/sim-harness.js';
import { syncWith, tempDataDir } from './support/lake-harness.js';

const HOUR = 60 * MINUTE;
const DIRECTORY_STREAMS = ['organizations', 'users', 'roles', 'role_permissions', 'groups', 'group_members'];
const STREAM_CHOICES: [string, string[]][] = [
  ['everything', ['activities', ...DIRECTORY_STREAMS]],
  ['directory', DIRECTORY_STREAMS],
  ['activities', ['activities']],
];
/** What the history feeds: compared row for row (the touched set itself differs by design). */
const RELATIONS = [
  'intermediate.int_directory_snapshots_numbered',
  'intermediate.int_directory_snapshots_collapsed',
  'intermediate.int_directory_facts_unioned',
  'intermediate.int_directory_versioned',
  'intermediate.int_groups_listed',
  'marts.groups',
  'intermediate.int_organization_names_listed',
  'marts.organizations',
  'marts.users',
  'marts.group_memberships',
  'marts.roles',
  'marts.role_permissions',
  'marts.role_assignments',
  'marts.admin_actions',
  'marts.activities',
  'marts.activity_counts_daily',
  'marts.actor_counts_daily',
  'marts.activity_types',
];
/** Part files a folded month may have: small, so the steps write parts and rewrite months both. */
const MAX_FOLD_PARTS = 2;
const COLLAPSED = 'intermediate.int_directory_snapshots_collapsed';

const cleanups: (() => void)[] = [];
afterAll(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A small seeded generator (mulberry32), so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function dump(dir: string): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const relation of RELATIONS) out[relation] = await warehouseRows(dir, `select * from ${relation} order by all`);
  return out;
}

const count = async (dir: string, sql: string) => Number((await warehouseRows(dir, sql))[0].n);

describe('the directory history, refreshed after every sync, equals a full build', () => {
  for (const seed of [5, 23]) {
    test(`random syncs of a changing directory with late events (seed ${seed})`, async () => {
      const next = random(seed);
      const tenant = makeTenant({ seed, live: true, lateShare: 0.1, horizonDays: 12, activitiesPerDay: 300, users: 120, groups: 30 });
      const sim = makeSim({ shared: tenant });
      const t = await connect(sim, 'in-process');
      const { dir, cleanup } = tempDataDir('cl-history-');
      cleanups.push(cleanup);
      const sync = async (streams: string[]) => {
        const r = await syncWith(t, dir, { streams });
        expect(r.ok, JSON.stringify(r.streams)).toBe(true);
      };
      await sync(STREAM_CHOICES[0][1]);
      // seed 23 starts from a data dir built with int_directory_snapshots_collapsed's SQL before its runs were
      // paired by a join: the first refresh must rebuild it (and what reads it) by itself and equal a full build
      const before = seed === 23 ? join(dir, 'sql-windows') : undefined;
      if (before) {
        cpSync(join(process.cwd(), 'sql'), before, { recursive: true });
        cpSync(join(process.cwd(), 'test', 'fixtures', 'models', 'int_directory_snapshots_collapsed.windows.sql'), join(before, 'intermediate', 'int_directory_snapshots_collapsed.sql'));
      }
      expect((await buildModels(dir, { sqlDir: before })).mode).toBe('full');
      let partial = 0;
      let merged = 0;
      let recomputedSince = 0;
      let newSnapshotFiles = 0;
      const kept = new Set<string>();
      for (let step = 0; step < 5; step++) {
        sim.clock.advance(Math.round((2 + next() * 40) * HOUR));
        const [what, streams] = STREAM_CHOICES[Math.floor(next() * STREAM_CHOICES.length)];
        await sync(streams);
        const report: BuildReport = await buildModels(dir, { maxFoldParts: MAX_FOLD_PARTS });
        expect(report.mode).toBe('incremental');
        if (before && step === 0) {
          // its last output is that of other SQL: rebuilt from nothing, with what reads it
          expect(report.reason).toMatch(/new or changed SQL of intermediate\.int_directory_snapshots_collapsed: rebuilt in full/);
          expect(report.relations.find((r) => r.relation === COLLAPSED)!.folded).toBe(false);
        }
        const daily = report.relations.find((r) => r.relation === 'marts.activity_counts_daily')!;
        merged += daily.foldedMonths!.length;
        recomputedSince += report.relations.find((r) => r.relation === 'marts.admin_actions')!.foldedMonths!.length;
        // a merged month is one the fold of marts.activities added rows to
        const activities = report.relations.find((r) => r.relation === 'marts.activities')!;
        expect(activities.foldedMonths).toEqual(expect.arrayContaining(daily.foldedMonths!));
        for (const relation of ['intermediate.int_directory_facts_unioned', 'intermediate.int_directory_versioned']) {
          // (the first refresh after the SQL change rebuilds the history from nothing)
          expect(report.relations.find((r) => r.relation === relation)!.folded, `${relation} after step ${step} (${what})`).toBe(!(before && step === 0));
        }
        // a refresh reads only the snapshot files committed since the last build (`-- new lake files:`)
        for (const relation of ['intermediate.int_directory_snapshots_numbered', 'intermediate.int_directory_snapshots_collapsed']) {
          const files = report.relations.find((r) => r.relation === relation)!.newLakeFiles;
          // (but the collapsed runs the first refresh after the SQL change rebuilds, from every snapshot file)
          expect(files, `${relation} after step ${step} (${what})`).toEqual(before && step === 0 && relation === COLLAPSED ? null : expect.any(Number));
          if (relation.endsWith('numbered')) newSnapshotFiles += files!;
        }
        // tables and incremental models whose inputs did not change keep their last output (compared below)
        for (const r of report.relations) if (r.kept) kept.add(r.relation);
        if (what === 'activities') {
          // no groups snapshot: the groups' latest attributes stay as they were (the snapshot chain reads the lake's
          // manifest, which every sync adds to, so it is recomputed)
          for (const relation of ['intermediate.int_groups_listed', 'intermediate.int_organization_names_listed', 'marts.organizations']) {
            expect(report.relations.find((r) => r.relation === relation)!.kept, `${relation} after step ${step} (${what})`).toBe(true);
          }
        }
        const touched = await count(dir, 'select count(*) as n from intermediate.int_directory_subjects_touched');
        const subjects = await count(dir, 'select count(distinct (subject_kind, scope_id, subject_id)) as n from intermediate.int_directory_facts_unioned');
        if (touched < subjects) partial++;
        const incremental = await dump(dir);

        const copy = tempDataDir('cl-history-full-');
        cleanups.push(copy.cleanup);
        cpSync(dir, copy.dir, { recursive: true });
        expect((await buildModels(copy.dir, { full: true })).mode).toBe('full');
        const full = await dump(copy.dir);
        for (const relation of RELATIONS) {
          expect(incremental[relation], `${relation} after step ${step} (${what}; ${touched} of ${subjects} subjects touched)`).toEqual(full[relation]);
        }
        expect(incremental['intermediate.int_directory_versioned'].length).toBeGreaterThan(0);
      }
      // the refreshes replayed only part of the history (a step with nothing new for a subject keeps its rows)
      expect(partial).toBeGreaterThan(0);
      // and the daily counts were merged, not only recomputed
      expect(merged).toBeGreaterThan(0);
      // and admin actions kept a month's rows before a cut at least once
      expect(recomputedSince).toBeGreaterThan(0);
      // and the snapshot intermediates read new snapshot files, not only none
      expect(newSnapshotFiles).toBeGreaterThan(0);
      // and some models kept their last output, whose rows equalled the full build's
      expect(kept.size).toBeGreaterThan(0);
    }, 900_000);
  }
});
