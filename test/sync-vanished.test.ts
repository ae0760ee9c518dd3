// Things vanish between two calls: a group, role or project deleted after it was listed and before its child
// call (members, permissions, attachments answer 404). The snapshot completes without that entity's children
// and says so in a `vanished` coverage event (manifest and state store); the stream does not fail.
import { afterEach, describe, expect, test } from 'vitest';
import { Lake } from '../src/lake/lake.js';
import { StateStore } from '../src/state/index.js';
import { connect, control, makeSim } from './support/sim-harness.js';
import { lakeQuery, syncWith, tempDataDir } from './support/lake-harness.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function dataDir(): string {
  const { dir, cleanup } = tempDataDir('cl-vanish-');
  cleanups.push(cleanup);
  return dir;
}

const CASES = [
  {
    kind: 'group',
    streams: ['groups', 'group_members'],
    child: 'group_members',
    // the parent's id column in the child's table, and where the listed parents are
    parentColumn: 'group_id',
    listed: { stream: 'groups', column: 'id' },
    truth: (sim: ReturnType<typeof makeSim>, id: string) => sim.tenant.directory.groupMembers(id, sim.clock.now())?.length ?? 0,
  },
  {
    kind: 'role',
    streams: ['roles', 'role_permissions'],
    child: 'role_permissions',
    parentColumn: 'role_id',
    listed: { stream: 'roles', column: 'id' },
    truth: (sim: ReturnType<typeof makeSim>, id: string, org?: string) => sim.tenant.directory.rolePermissions(org!, id, sim.clock.now())?.length ?? 0,
  },
  {
    kind: 'project',
    streams: ['project_attachments'],
    child: 'project_attachments',
    parentColumn: 'project_id',
    listed: null,
    truth: (sim: ReturnType<typeof makeSim>, id: string) => sim.tenant.content.projectAttachments(id, sim.clock.now())?.length ?? 0,
  },
] as const;

describe.each(CASES)('a $kind deleted between its list and its child call', (c) => {
  test(`${c.child} completes its snapshot and records a vanished coverage event`, async () => {
    const sim = makeSim();
    const t = await connect(sim, 'in-process');
    await control(t, 'POST', '/_sim/vanish', { kind: c.kind });
    const dir = dataDir();
    const r = await syncWith(t, dir, { streams: [...c.streams] });
    const child = r.streams.find((s) => s.stream === c.child)!;
    expect(child.status, child.error).toBe('committed');
    expect(r.ok).toBe(true);
    expect(child.coverageEvents).toBe(1);

    const gone: string[] = (await control(t, 'GET', '/_sim/vanish')).gone[c.kind];
    expect(gone).toHaveLength(1);
    const vanishedId = gone[0];

    // the manifest entry and the state store both carry the event
    const events = Lake.open(dir).entries.flatMap((e) => e.coverage);
    expect(events).toEqual([
      expect.objectContaining({ stream: c.child, record_id: vanishedId, found_by: 'vanished', entity: c.kind, run_id: r.runId }),
    ]);
    expect(events[0].endpoint).toContain(vanishedId);
    const state = StateStore.open(dir, { readonly: true });
    try {
      expect(state.coverage({ stream: c.child }).map((e) => [e.record_id, e.found_by])).toEqual([[vanishedId, 'vanished']]);
    } finally {
      state.close();
    }

    // the parent was listed (and, where its own stream ran, stored) ...
    if (c.listed) {
      const parents = await lakeQuery(dir, c.listed.stream, `SELECT ${c.listed.column} AS id FROM {files}`);
      expect(parents.map((p) => p.id)).toContain(vanishedId);
    }
    // ... its children are absent, and every other parent's children are all there, as the simulator serves them
    const rows = await lakeQuery(dir, c.child, `SELECT ${c.parentColumn} AS parent, ${c.kind === 'role' ? 'organization_uuid' : 'NULL'} AS org, count(*) AS n FROM {files} GROUP BY ALL`);
    expect(rows.map((x) => x.parent)).not.toContain(vanishedId);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(Number(row.n), String(row.parent)).toBe(c.truth(sim, String(row.parent), row.org as string | undefined));

    // the next run no longer sees the entity: no new event, nothing fails
    const again = await syncWith(t, dir, { streams: [...c.streams] });
    expect(again.ok).toBe(true);
    expect(again.streams.find((s) => s.stream === c.child)!.coverageEvents).toBe(0);
  });
});

test('without the fault, a snapshot has no coverage events', async () => {
  const sim = makeSim();
  const t = await connect(sim, 'in-process');
  const dir = dataDir();
  const r = await syncWith(t, dir, { streams: ['groups', 'group_members', 'roles', 'role_permissions', 'project_attachments'] });
  expect(r.ok).toBe(true);
  expect(r.streams.map((s) => s.coverageEvents)).toEqual([0, 0, 0, 0, 0]);
});
