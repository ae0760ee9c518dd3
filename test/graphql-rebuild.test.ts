// Keyset pagination stays exact while the warehouse is rebuilt underneath (a new file renamed over the old
// one, as `models build` does): a walk started before the rebuild sees every row it started with once,
// plus only the rows that arrived behind its position; the server re-opens the new file; requests in flight
// during a rebuild all succeed.
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Fixture, type FxActivity, type TestServer, appendActivities, buildFixture, expectedActivities, startTestServer, walk, writeWarehouse } from './graphql-fixture.js';

const v1: Fixture = buildFixture();
const v2: Fixture = appendActivities(v1, 40, 25, 101);
const v3: Fixture = appendActivities(v2, 10, 10, 202);
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ fixture: v1 });
});

afterAll(async () => {
  await t?.close();
});

const QUERY = `
  query($first: Int!, $after: String, $filter: ActivityFilter) {
    activities(first: $first, after: $after, filter: $filter) { totalCount pageInfo { hasNextPage endCursor } edges { node { id createdAt } } }
  }`;

const before = (a: FxActivity, b: FxActivity) => a.us < b.us || (a.us === b.us && a.id < b.id);

test('a walk across a rebuild has no gaps and no repeats, and sees late rows that land behind its position', async () => {
  let position: FxActivity | null = null;
  const edges = await walk(t, QUERY, { first: 37 }, (d) => d.activities, async (page, sofar) => {
    if (page === 2) {
      // where the walk stands: the last row read so far
      position = v1.activities.find((a) => a.id === sofar.at(-1)!.node.id)!;
      await writeWarehouse(t.dataDir, v2);
    }
  });
  const ids = edges.map((e) => e.node.id);
  expect(new Set(ids).size).toBe(ids.length);
  const v2ids = new Set(v2.activities.map((a) => a.id));
  for (const id of ids) expect(v2ids.has(id)).toBe(true);
  const got = new Set(ids);
  for (const a of v1.activities) expect(got.has(a.id), `v1 row ${a.id} missing`).toBe(true);
  const added = v2.activities.slice(v1.activities.length);
  expect(added.filter((a) => got.has(a.id)).map((a) => a.id).sort()).toEqual(added.filter((a) => before(a, position!)).map((a) => a.id).sort());
  expect(added.some((a) => before(a, position!))).toBe(true); // the test does move rows behind the position
  // the walk's order is the new warehouse's order
  expect(ids).toEqual(expectedActivities(v2, (a) => got.has(a.id)).map((a) => a.id));
  // and the server now answers from the new file
  expect((await t.gql(QUERY, { first: 0 })).body.data!.activities.totalCount).toBe(v2.activities.length);
});

test('requests in flight while the file is replaced all succeed', async () => {
  const requests = Array.from({ length: 16 }, (_, i) =>
    new Promise((r) => setTimeout(r, i * 15)).then(() => t.gql(QUERY, { first: 20, filter: { categories: ['admin', 'content'] } })),
  );
  await new Promise((r) => setTimeout(r, 40));
  await writeWarehouse(t.dataDir, v3);
  const results = await Promise.all(requests);
  for (const { status, body } of results) {
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data!.activities.edges).toHaveLength(20);
  }
  expect((await t.gql(QUERY, { first: 0 })).body.data!.activities.totalCount).toBe(v3.activities.length);
});

test('replaced files are closed once no request uses them (no file handles kept on old warehouses)', async () => {
  if (!existsSync('/proc/self/fd')) return; // Linux only
  await t.gql(QUERY, { first: 1 });
  const open = readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((target) => target.startsWith(t.dataDir));
  expect(open.filter((target) => target.endsWith('(deleted)'))).toEqual([]);
  expect(open.filter((target) => target.endsWith('warehouse.duckdb')).length).toBeGreaterThan(0);
});
