// Crash safety of `compliance-lake sync` (design.md invariant 2): the built CLI is killed with SIGKILL at 20
// seeded-random moments of a backfill (start-up, mid-page, mid-write, mid-commit) and resumed each time.
// After every kill the lake must open, every committed file must be whole and readable with its manifest's
// row count, no key may be stored twice, and whatever the kill left uncommitted must be quarantined by the
// next run. A final run must then finish with exactly the ground truth, each activity once, and the same
// content as an uninterrupted run. Needs the built CLI (`npx tsc -p tsconfig.json`, or `npm test`).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { STREAM_NAMES } from '../src/extract/registry.js';
import { type Duck, openDuck, sqlString } from '../src/lake/duck.js';
import { Lake } from '../src/lake/lake.js';
import { TABLES } from '../src/lake/tables.js';
import { verifyLake } from '../src/lake/verify.js';
import { StateStore } from '../src/state/index.js';
import {
  type CliRun,
  type Leftovers,
  filesUnder,
  hasManifestTmp,
  leftovers,
  listenRecording,
  manifestEntryCount,
  newStagedParquet,
  phaseOf,
  quarantineMoves,
  requireBuiltCli,
  seededRandom,
  spawnCli,
  waitFor,
  writerDirs,
} from './support/crash-harness.js';
import { lakeActivityIds, tempDataDir } from './support/lake-harness.js';
import { KEYS, type Transport, makeSim, truthIds } from './support/sim-harness.js';

const KILLS = 20;
const SEED = 20_261_101;
/** About 60 000 activities over 20 days: an uninterrupted CLI sync takes a few seconds. */
const TENANT = { horizonDays: 20, activitiesPerDay: 3000 };
const ENV = { ANTHROPIC_COMPLIANCE_API_KEY: KEYS.full };
/**
 * early: inside the start-up; timed: a random moment of the run; after-commit: a random moment after the
 * run's first commit (work in progress is interrupted and the lake moves on); at-commit: while a manifest
 * entry is being written; just-committed: the instant a manifest entry has been renamed into place (before
 * the state store applies it); in-stream: just after a given stream has started in this run.
 */
type Kill = { kind: 'early' | 'timed' | 'after-commit' | 'at-commit' | 'just-committed' } | { kind: 'in-stream'; stream: string };
/** The streams after the activity feed that get a kill of their own (7 of the 20). */
const IN_STREAM = ['organizations', 'users', 'role_permissions', 'group_members', 'chats', 'projects', 'project_attachments'];
/** Directory streams: each run commits one complete snapshot (project_attachments snapshots only updated projects). */
const DIRECTORY_STREAMS = ['organizations', 'organization_settings', 'users', 'roles', 'role_permissions', 'groups', 'group_members'];

function killName(kill: Kill): string {
  return kill.kind === 'in-stream' ? `in ${kill.stream}` : kill.kind;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cleanups: (() => void | Promise<void>)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
beforeAll(requireBuiltCli);

function syncArgs(dataDir: string, baseUrl: string): string[] {
  return ['sync', '--data-dir', dataDir, '--base-url', baseUrl, '--rpm', '0', '--quiet'];
}

function readParquet(lake: Lake, stream?: string): string {
  return `read_parquet([${lake.files(stream).map((f) => sqlString(lake.absolute(f))).join(', ')}], filename = '_lake_file')`;
}

/** The checks that must hold at every moment a reader might look, i.e. after every kill. */
async function checkLakeAfterKill(
  duck: Duck,
  dataDir: string,
  what: string,
  earlier: ReadonlySet<string>,
  earlierWriters: ReadonlySet<string>,
): Promise<{ lake: Lake; left: Leftovers }> {
  // Opening must succeed: a kill never leaves the manifest chain broken or a committed file short.
  const lake = Lake.open(dataDir);
  const committed = new Set(lake.files().map((f) => f.path));
  const left = leftovers(dataDir, committed, earlier, earlierWriters);
  const uncommittedInLake = leftovers(dataDir, committed).lakeUncommitted;

  // verify: every committed file has its SHA-256, size, rows, time range and ids; the only tolerated finding
  // is an uncommitted Parquet file in the lake (a kill between the rename and the manifest entry), which no
  // reader of the manifest sees and the next run quarantines.
  const report = await verifyLake(dataDir, { duck });
  const notAdded = report.problems.filter((p) => p.kind !== 'added');
  expect(notAdded, `${what}: verify found ${JSON.stringify(notAdded, null, 1)}`).toEqual([]);
  expect(report.problems.length, `${what}: uncommitted lake files`).toBe(uncommittedInLake);
  for (const p of report.problems) expect(committed.has(p.path.replace(/^lake\//, '')), `${what}: ${p.path} is listed and unlisted`).toBe(false);

  if (committed.size === 0) return { lake, left };
  // Independently of verify: DuckDB reads every committed file with exactly its manifest row count.
  const counts = await duck.all(`SELECT _lake_file, count(*) AS n FROM ${readParquet(lake)} GROUP BY _lake_file`);
  const byFile = new Map(counts.map((r) => [String(r._lake_file), Number(r.n)]));
  for (const f of lake.files()) expect(byFile.get(lake.absolute(f)) ?? 0, `${what}: rows of ${f.path}`).toBe(f.rows);

  // Nothing is stored twice, at any moment (not only at the end).
  for (const stream of new Set(lake.files().map((f) => f.stream))) {
    const key = TABLES[stream].key.join(', ');
    const dups = await duck.all(`SELECT ${key}, count(*) AS n FROM ${readParquet(lake, stream)} GROUP BY ${key} HAVING count(*) > 1 LIMIT 3`);
    expect(dups, `${what}: duplicate ${stream} keys`).toEqual([]);
  }
  return { lake, left };
}

/** Rows of a stream without provenance (and without snapshot_at), as comparable text. */
function contentSql(lake: Lake, stream: string): string {
  const cols = Object.keys(TABLES[stream].columns).filter((c) => c !== 'snapshot_at');
  return `SELECT ${cols.map((c) => `${c}::VARCHAR AS ${c}`).join(', ')} FROM ${readParquet(lake, stream)}`;
}

function appliedSeq(dataDir: string): number {
  const state = StateStore.open(dataDir, { readonly: true });
  try {
    return state.appliedSeq();
  } finally {
    state.close();
  }
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

describe('sync under kill -9', () => {
  test(`${KILLS} kills at random moments, then a run to the end: no loss, no duplicates, nothing half-written read`, async () => {
    const started = Date.now();
    // No server-side rate limit: the clock is frozen, so a spent minute's budget would never come back.
    const sim = makeSim({ tenant: TENANT, sim: { rpm: 0 } });
    const server = await listenRecording(sim);
    cleanups.push(() => server.close());
    const t: Transport = { kind: 'loopback', baseUrl: server.url, fetch: globalThis.fetch, close: () => server.close() };
    const duck = await openDuck();
    cleanups.push(() => duck.close());

    // 1. One uninterrupted run: how long a backfill takes, how long until the lock is taken, and the
    //    reference content of every stream.
    const ref = tempDataDir('cl-crash-ref-');
    cleanups.push(ref.cleanup);
    const measure = spawnCli(syncArgs(ref.dir, server.url), ENV);
    const spawnedAt = Date.now();
    await waitFor(() => existsSync(join(ref.dir, 'lake.lock')), 15_000, 1);
    const startupMs = Date.now() - spawnedAt;
    const full = await measure.done;
    expect(full.code, full.stderr).toBe(0);
    const fullMs = full.ms;
    expect(fullMs, 'the tenant is too small for the kills to land mid-run').toBeGreaterThan(1000);

    // 2. Kill and resume, 20 times, on one data dir.
    const { dir, cleanup } = tempDataDir('cl-crash-');
    cleanups.push(cleanup);
    const random = seededRandom(SEED);
    // The first kills (shuffled) land in the backfill; the last ones each wait for one of the later streams
    // to start, so every kind of stream is interrupted too (in whichever run reaches it).
    const first: Kill[] = [
      ...Array.from({ length: 3 }, (): Kill => ({ kind: 'early' })),
      ...Array.from({ length: 2 }, (): Kill => ({ kind: 'timed' })),
      ...Array.from({ length: 3 }, (): Kill => ({ kind: 'after-commit' })),
      ...Array.from({ length: 2 }, (): Kill => ({ kind: 'at-commit' })),
      ...Array.from({ length: 3 }, (): Kill => ({ kind: 'just-committed' })),
    ];
    for (let i = first.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [first[i], first[j]] = [first[j], first[i]];
    }
    const plan: Kill[] = [...first, ...IN_STREAM.map((stream): Kill => ({ kind: 'in-stream', stream }))];
    expect(plan.length).toBe(KILLS);
    const workMs = fullMs - startupMs;
    const gapMs = workMs / Lake.open(ref.dir).entries.length;

    const runs: (CliRun & { kill: Kill; delay: number; phase: string; entriesBefore: number; entriesAfter: number; lastStream: string })[] = [];
    /** Uncommitted files a kill left, waiting to be quarantined by a later run: data-dir-relative path. */
    let pending: string[] = [];
    let quarantinedOnDisk = 0;
    for (let k = 0; k < KILLS; k++) {
      const kill = plan[k];
      const entriesBefore = manifestEntryCount(dir);
      const oldStaging = new Set(writerDirs(dir));
      // a just-committed kill has the child hold between its commit point and the state store's apply
      // (src/extract/stream.ts), so the kill lands there however loaded the machine is
      const proc = spawnCli(syncArgs(dir, server.url), kill.kind === 'just-committed' ? { ...ENV, COMPLIANCE_LAKE_FAULT_HOLD_AFTER_COMMIT_MS: '300' } : ENV);
      let exited = false;
      void proc.done.then(() => (exited = true));
      const spawnedAt = Date.now();
      const committedMore = () => exited || manifestEntryCount(dir) > entriesBefore;
      const hung = () => new Error(`run ${k} (${killName(kill)}) made no progress for 30 s:\n${proc.output().stderr.slice(-3000)}`);
      if (kill.kind === 'early') {
        // before the lock is taken, or while the lake is being opened and checked
        await sleep(random() * startupMs);
      } else if (kill.kind === 'timed') {
        // a random moment of the run, within the first third of a backfill's work (so that several land
        // inside the backfill before it completes)
        await sleep(startupMs + (random() * workMs) / 3);
      } else if (kill.kind === 'after-commit') {
        // once this run has committed something: somewhere in its next piece (mid-page or mid-write)
        if (!(await waitFor(committedMore, 30_000))) throw hung();
        await sleep(random() * 2 * gapMs);
      } else if (kill.kind === 'at-commit') {
        // once this run has committed something: the moment its next manifest entry is being written
        if (!(await waitFor(committedMore, 30_000))) throw hung();
        await waitFor(() => exited || hasManifestTmp(dir), 30_000, 0);
      } else if (kill.kind === 'just-committed') {
        // once this run is finishing a piece (a staged Parquet file of its own exists), the instant the piece's
        // manifest entry appears: right after the commit point, before the state store has applied it. The
        // wait is a busy loop (the child needs no HTTP while it commits), so the kill follows within microseconds.
        const staged = () => exited || newStagedParquet(dir, oldStaging);
        if (!(await waitFor(staged, 30_000, 0))) throw hung();
        const base = manifestEntryCount(dir);
        const until = Date.now() + 3000;
        while (!exited && Date.now() < until && manifestEntryCount(dir) === base) {
          // spin
        }
      } else if (kill.kind === 'in-stream') {
        // a few milliseconds after this run's writer for the stream appears (its pages are being read)
        const prefix = `${kill.stream}-`;
        const started = () => exited || writerDirs(dir).some((d) => !oldStaging.has(d) && d.split('/')[1].startsWith(prefix));
        if (!(await waitFor(started, 30_000, 1))) throw hung();
        await sleep(random() * 30);
      }
      const delay = Date.now() - spawnedAt;
      if (!exited) proc.child.kill('SIGKILL');
      const run = await proc.done;
      if (run.signal !== 'SIGKILL') expect(run.code, `run ${k} ended by itself but failed:\n${run.stderr}`).toBe(0);

      const what = `after kill ${k} (${killName(kill)}, ${delay} ms)`;
      const { lake, left } = await checkLakeAfterKill(duck, dir, what, new Set(pending), oldStaging);
      // What earlier kills left is gone from its place only into the quarantine, never deleted.
      const stillThere = pending.filter((p) => existsSync(join(dir, p)));
      const quarantine = filesUnder(join(dir, 'quarantine'));
      const moved = pending.filter((x) => !stillThere.includes(x));
      for (const p of moved) {
        expect(quarantine.some((q) => q.endsWith(`/${p}`)), `${what}: ${p} disappeared instead of being quarantined`).toBe(true);
        quarantinedOnDisk++;
      }
      // a run that got to its end says what it moved (a killed one never gets to say it)
      if (run.code === 0) expect(quarantineMoves(run.stderr), `${what}: the "Moved N" message`).toEqual(moved.length ? [moved.length] : []);
      const committed = new Set(lake.files().map((f) => `lake/${f.path}`));
      pending = [
        ...stillThere,
        ...filesUnder(join(dir, 'staging')).map((p) => `staging/${p}`),
        ...filesUnder(join(dir, 'lake'))
          .map((p) => `lake/${p}`)
          .filter((p) => !committed.has(p) && (!p.startsWith('lake/_manifests/') || p.endsWith('.tmp'))),
      ].filter((p, i, all) => all.indexOf(p) === i);

      const entriesAfter = lake.entries.length;
      const phase = run.signal === 'SIGKILL' ? phaseOf(left, entriesBefore, entriesAfter) : 'finished before the kill';
      const lastStream = lake.entries[lake.entries.length - 1]?.stream ?? '-';
      // a kill between a manifest commit and the state store's apply leaves the store behind (the next run catches up)
      const stateSeq = existsSync(join(dir, 'state.sqlite')) ? appliedSeq(dir) : 0;
      expect(stateSeq, `${what}: the state store is ahead of the manifest`).toBeLessThanOrEqual(lake.head.seq);
      const where = stateSeq < lake.head.seq && entriesAfter > entriesBefore ? 'after a commit point, before the state store applied it' : phase;
      runs.push({ ...run, kill, delay, phase: where, entriesBefore, entriesAfter, lastStream });
    }

    // 3. Resume to the end.
    const last = await spawnCli(syncArgs(dir, server.url), ENV).done;
    expect(last.code, last.stderr).toBe(0);
    expect(quarantineMoves(last.stderr), 'the final run says what it quarantined').toEqual(pending.length ? [pending.length] : []);
    for (const p of pending) {
      expect(existsSync(join(dir, p)), `${p} is still in place after the final run`).toBe(false);
      expect(filesUnder(join(dir, 'quarantine')).some((q) => q.endsWith(`/${p}`)), `${p} was not quarantined`).toBe(true);
      quarantinedOnDisk++;
    }
    const allRuns = [...runs, last];
    const movedByMessage = allRuns.flatMap((r) => quarantineMoves(r.stderr));

    const phases = new Map<string, number>();
    for (const r of runs) phases.set(r.phase, (phases.get(r.phase) ?? 0) + 1);
    console.log(
      [
        `uninterrupted run ${fullMs} ms (lock after ${startupMs} ms, ${Lake.open(ref.dir).entries.length} manifest entries)`,
        `phases hit: ${[...phases].map(([p, n]) => `${n} ${p}`).join(', ')}`,
        ...runs.map((r, i) => `  kill ${String(i).padStart(2)}: ${killName(r.kill).padEnd(22)} at ${String(r.delay).padStart(5)} ms  entries ${r.entriesBefore} -> ${r.entriesAfter} (last: ${r.lastStream})  ${r.phase}`),
        `final run: ${Lake.open(dir).entries.length} manifest entries (uninterrupted: ${Lake.open(ref.dir).entries.length})`,
        `quarantine: ${quarantinedOnDisk} file(s) moved on disk into ${Object.keys(countBy(filesUnder(join(dir, 'quarantine')), (f) => f.split('/')[0])).length} run dir(s); "Moved N" printed by ${movedByMessage.length} run(s) (${movedByMessage.join(', ') || 'none'})`,
        `total ${Date.now() - started} ms`,
      ].join('\n'),
    );

    // The kills landed in every kind of moment, and many mid-run (something committed, not everything).
    const killed = runs.filter((r) => r.signal === 'SIGKILL');
    const midRun = killed.filter((r) => r.entriesAfter > r.entriesBefore);
    expect(midRun.length, 'kills that interrupted a run after it had committed something').toBeGreaterThanOrEqual(5);
    expect(killed.filter((r) => r.phase.startsWith('start-up')).length, 'kills during start-up').toBeGreaterThanOrEqual(1);
    expect(killed.filter((r) => /^mid-(page|write|commit)/.test(r.phase)).length, 'kills inside a stream').toBeGreaterThanOrEqual(5);
    expect(killed.filter((r) => r.phase.startsWith('after a commit point')).length, 'kills between a commit and its state update').toBeGreaterThanOrEqual(1);
    expect(quarantinedOnDisk, 'some kill left uncommitted files for the quarantine').toBeGreaterThan(0);
    for (const r of runs.filter((x) => x.kill.kind === 'in-stream')) expect({ kill: killName(r.kill), signal: r.signal }).toEqual({ kill: killName(r.kill), signal: 'SIGKILL' });

    // 4. The final lake: verify is clean, nothing left over, and the content is the ground truth.
    const report = await verifyLake(dir, { duck });
    expect(report.problems).toEqual([]);
    expect(existsSync(join(dir, 'lake.lock'))).toBe(false);
    expect(filesUnder(join(dir, 'staging'))).toEqual([]);

    const state = StateStore.open(dir, { readonly: true });
    const cursor = state.cursor<{ covered_until: string }>('activities');
    const cursors = new Map(state.cursors().map((c) => [c.stream, c.cursor]));
    state.close();
    expect(cursor).not.toBeNull();
    // With the simulator's clock frozen at NOW, the window ends a minute before it; the simulator's own
    // compliance_api_accessed events (created at NOW) are part of the truth but lie after the window.
    const truth = (await truthIds(t, `created_at.lt=${encodeURIComponent(cursor!.covered_until)}`)).sort();
    const ids = await lakeActivityIds(dir);
    expect(new Set(ids).size, 'activities stored more than once').toBe(ids.length);
    expect(ids.length).toBe(truth.length);
    expect(ids).toEqual(truth);
    expect(truth.length).toBeGreaterThan(40_000);

    // Every other stream committed, and holds what the uninterrupted run holds.
    const lake = Lake.open(dir);
    const refLake = Lake.open(ref.dir);
    for (const stream of STREAM_NAMES) {
      expect(cursors.has(stream), `${stream} has a cursor`).toBe(true);
      expect(lake.files(stream).length, `${stream} has files`).toBeGreaterThan(0);
      const [diff] = await duck.all(
        `SELECT (SELECT count(*) FROM ((${contentSql(lake, stream)}) EXCEPT (${contentSql(refLake, stream)}))) AS extra, ` +
          `(SELECT count(*) FROM ((${contentSql(refLake, stream)}) EXCEPT (${contentSql(lake, stream)}))) AS missing`,
      );
      expect({ stream, extra: Number(diff.extra), missing: Number(diff.missing) }).toEqual({ stream, extra: 0, missing: 0 });
    }
    // A snapshot is all or nothing: every directory snapshot a killed run committed is complete.
    for (const stream of DIRECTORY_STREAMS) {
      const [{ n }] = await duck.all(`SELECT count(*) AS n FROM ${readParquet(refLake, stream)}`);
      const sizes = await duck.all(`SELECT snapshot_at::VARCHAR AS at, count(*) AS n FROM ${readParquet(lake, stream)} GROUP BY ALL`);
      for (const s of sizes) expect({ stream, at: s.at, rows: Number(s.n) }).toEqual({ stream, at: s.at, rows: Number(n) });
    }
    // Content streams: each (id, updated_at) version exactly once, like the uninterrupted run.
    for (const stream of ['chats', 'projects']) {
      const [a] = await duck.all(`SELECT count(*) AS n FROM ${readParquet(lake, stream)}`);
      const [b] = await duck.all(`SELECT count(*) AS n FROM ${readParquet(refLake, stream)}`);
      expect({ stream, rows: Number(a.n) }).toEqual({ stream, rows: Number(b.n) });
    }
  }, 300_000); // about 60 s alone; 150 s was not enough at a load average of 20
});
