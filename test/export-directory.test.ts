// An export read on its own: a window in which no directory snapshot was taken still carries the directory in
// force (the last snapshot before it, of every directory stream) and the history marts cut to the window, so
// whoever holds only the export can name the user behind every activity, as the simulator's truth says.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DIRECTORY_STREAMS, type ExportReport, HISTORY_DIR, exportLake } from '../src/lake/export.js';
import { type Duck, openDuck, sqlString } from '../src/lake/duck.js';
import { committedFiles, readManifest } from '../src/lake/manifest.js';
import { buildModels } from '../src/models/build.js';
import { warehouseRows } from '../src/models/query.js';
import type { Simulator } from '../src/simulator/server/app.js';
import type { SyntheticTenant } from '../src/simulator/tenant/index.js';
import { userAt } from './support/e2e-harness.js';
import { syncWith, tempDataDir } from './support/lake-harness.js';
import { MINUTE, NOW, type Transport, connect, makeSim, makeTenant } from './support/sim-harness.js';

const DAY = 24 * 60 * MINUTE;
const SINCE = '2026-11-03';
const UNTIL = '2026-11-06';

let tenant: SyntheticTenant;
let sim: Simulator;
let t: Transport;
let dir: string;
let cleanup: () => void;
let duck: Duck;
let report: ExportReport;
let out: string;

beforeAll(async () => {
  // snapshots at NOW (2026-11-01) and seven days later: none between 11-03 and 11-06, whose activities the
  // second sync brings in
  tenant = makeTenant({ live: true, horizonDays: 10, activitiesPerDay: 300, users: 80, groups: 10 });
  sim = makeSim({ shared: tenant });
  t = await connect(sim, 'in-process');
  ({ dir, cleanup } = tempDataDir('cl-export-dir-'));
  expect((await syncWith(t, dir)).ok).toBe(true);
  sim.clock.advance(7 * DAY);
  expect((await syncWith(t, dir)).ok).toBe(true);
  await buildModels(dir);
  duck = await openDuck();
  await duck.run(`SET TimeZone = 'UTC'`);
  out = join(dir, '..', `${dir.split('/').pop()}-export`);
  report = await exportLake(dir, { since: SINCE, until: UNTIL, out, duck });
}, 240_000);

afterAll(() => {
  duck?.close();
  cleanup?.();
});

const live = (root: string) => [...committedFiles(readManifest(join(root, 'lake')).entries).values()];
const inWindow = (iso: string | null) => iso !== null && iso >= `${SINCE}T` && iso < `${UNTIL}T`;

describe('an export of a window without a directory snapshot', () => {
  test('the window itself holds no snapshot: without the snapshot before it, the export would name no user', () => {
    const source = live(dir);
    for (const stream of ['users', 'groups', 'group_members']) {
      const own = source.filter((f) => f.stream === stream);
      expect(own.length, stream).toBeGreaterThan(0);
      expect(own.some((f) => inWindow(f.min_time) || inWindow(f.max_time)), stream).toBe(false);
    }
  });

  test('every directory stream carries its last snapshot before the window, and no later one', () => {
    const source = live(dir);
    const exported = live(out);
    const present = DIRECTORY_STREAMS.filter((s) => source.some((f) => f.stream === s));
    expect(present).toEqual(expect.arrayContaining(['organizations', 'users', 'roles', 'role_permissions', 'groups', 'group_members']));
    const sinceMs = Date.parse(SINCE);
    for (const stream of present) {
      const own = source.filter((f) => f.stream === stream);
      const lastBefore = own.map((f) => f.max_time!).filter((x) => Date.parse(x) < sinceMs).sort().pop()!;
      expect(Date.parse(lastBefore)).toBeGreaterThanOrEqual(NOW);
      const want = own.filter((f) => f.min_time! <= lastBefore && lastBefore <= f.max_time!).map((f) => f.path).sort();
      const got = exported.filter((f) => f.stream === stream).map((f) => f.path).sort();
      expect(got, stream).toEqual(want);
      expect(report.streams.find((s) => s.stream === stream)!.snapshotBefore).toBe(lastBefore);
    }
    // the activities are those of the window's days, not the directory's
    const activityDays = new Set(exported.filter((f) => f.stream === 'activities').map((f) => f.date));
    expect([...activityDays].sort()).toEqual(['2026-11-03', '2026-11-04', '2026-11-05']);
  });

  test('the history marts are cut to the versions and intervals that overlap the window', async () => {
    for (const relation of ['users', 'group_memberships']) {
      const cut = `(coalesce(valid_from, '-infinity') < '${UNTIL}'::timestamptz and coalesce(valid_to, 'infinity') > '${SINCE}'::timestamptz)`;
      const all = await warehouseRows(dir, `select count(*) as n, count(*) filter (where ${cut}) as inside from marts.${relation}`);
      const [got] = await duck.all(`select count(*) as n, count(*) filter (where ${cut}) as inside from read_parquet(${sqlString(join(out, 'lake', HISTORY_DIR, `${relation}.parquet`))})`);
      expect(Number(got.n), relation).toBe(Number(all[0].inside));
      expect(Number(got.inside), relation).toBe(Number(got.n));
      expect(Number(all[0].n), relation).toBeGreaterThan(Number(all[0].inside));
      expect(report.history.find((h) => h.relation === relation)!.rows).toBe(Number(got.n));
    }
    expect(report.verify.ok).toBe(true);
    expect(live(out).filter((f) => f.stream === HISTORY_DIR).map((f) => f.path)).toEqual(expect.arrayContaining([`${HISTORY_DIR}/users.parquet`, `${HISTORY_DIR}/group_memberships.parquet`]));
  });

  test("the README's join names the user behind every member's activity of the window, as the truth does", async () => {
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    const sql = /```sql\n([\s\S]*?)```/.exec(readme)![1].replaceAll("'lake/", `'${out}/lake/`);
    expect(readme).toContain(`lake/${HISTORY_DIR}/users.parquet`);
    const statements = sql.split(';').map((x) => x.trim()).filter(Boolean);
    for (const s of statements.slice(0, -1)) await duck.run(s);
    const rows = await duck.all(`select epoch_ms(created_at) as ms, actor_user_id, email, organization_role from (${statements[statements.length - 1]}) where actor_user_id is not null`);
    const byId = new Map(tenant.timeline.users.map((u) => [u.id, u]));
    let named = 0;
    for (const r of rows) {
      const u = byId.get(String(r.actor_user_id));
      const then = u ? userAt(tenant, u, Number(r.ms)) : null;
      if (then === null) continue;
      expect(r.email, `${String(r.actor_user_id)} at ${new Date(Number(r.ms)).toISOString()}`).toBe(then.email);
      expect(r.organization_role).toBe(then.role);
      named++;
    }
    expect(named).toBeGreaterThan(200);
  });

  test('the export alone builds the models: a user of the window is known from the snapshot it carries', async () => {
    const report = await buildModels(out);
    expect(report.mode).toBe('full');
    const [row] = await warehouseRows(out, `select count(distinct user_id) as n from marts.users where valid_to is null or valid_to > '${SINCE}'::timestamptz`);
    const [cut] = await duck.all(`select count(distinct user_id) as n from read_parquet(${sqlString(join(out, 'lake', HISTORY_DIR, 'users.parquet'))})`);
    expect(Number(row.n)).toBeGreaterThan(0);
    expect(Number(row.n)).toBeLessThanOrEqual(Number(cut.n));
  });
});
