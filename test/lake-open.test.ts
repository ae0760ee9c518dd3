// Lake.open's start-up check and the manifest's canonical JSON: the direct serializer gives the bytes the
// replacer-based one gave (every lake's hashes were computed with it), and the check still names a missing
// file, a file of another size and an edited entry.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Lake, LakeCorruptError } from '../src/lake/lake.js';
import { type ManifestFile, canonicalJson, entryHash, manifestsDir, readManifest } from '../src/lake/manifest.js';

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'lake-open-'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** The first definition of canonicalJson, kept here as the reference. */
function canonicalJsonByReplacer(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
    }
    return v;
  });
}

test('canonicalJson gives the bytes of the replacer-based definition', () => {
  const values: unknown[] = [
    { b: 1, a: [3, 'x', null, { d: true, c: false }], 'é': 'ü\u2028"\\', '': 0 },
    // array-index keys come first in numeric order in an object, whatever the string sort says
    { '10': 'ten', '9': 'nine', a: 1, '01': 'not an index', '4294967295': 'not an index either', '4294967294': 'index' },
    { undefinedField: undefined, fn: () => 1, nested: { z: undefined, y: [undefined, () => 2] } },
    { when: new Date(Date.UTC(2026, 11, 7, 21, 0, 0)), nan: Number.NaN, inf: Number.POSITIVE_INFINITY, neg: -0, big: 1e21, small: 1e-7 },
    { cursor: { after: 'abc', page: { size: 5000, ids: ['a', 'b'] } }, params: { types: ['x', 'y'], limit: '5000' } },
    [],
    {},
    'a string',
    42,
    null,
  ];
  for (const v of values) expect(canonicalJson(v)).toBe(canonicalJsonByReplacer(v));
  // random nested values
  let seed = 17;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const gen = (depth: number): unknown => {
    const r = rand();
    if (depth > 3 || r < 0.3) return [null, true, 1.5, -3, 'tx"t', '😀', undefined][Math.floor(rand() * 7)];
    if (r < 0.6) return Array.from({ length: Math.floor(rand() * 5) }, () => gen(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(rand() * 6) }, () => [[`k${Math.floor(rand() * 20)}`, String(Math.floor(rand() * 12)), 'Z', 'a'][Math.floor(rand() * 4)], gen(depth + 1)]));
  };
  for (let i = 0; i < 500; i++) {
    const v = gen(0);
    expect(canonicalJson(v)).toBe(canonicalJsonByReplacer(v));
  }
});

function file(path: string, bytes: number): ManifestFile {
  return {
    path,
    stream: 'activities',
    date: '2026-10-01',
    sha256: 'f'.repeat(64),
    bytes,
    rows: 1,
    min_time: '2026-10-01T00:00:00.000000Z',
    max_time: '2026-10-01T00:00:00.000000Z',
    first_id: 'a',
    last_id: 'a',
    endpoint: '/v1/compliance/activities',
    params: { created_at_gte: '2026-10-01T00:00:00Z' },
    run_id: 'run1',
    request_ids: ['req_1', 'req_2'],
  };
}

/** A lake of two committed files, written through Lake.commit. */
function makeLake(name: string): { dataDir: string; paths: string[] } {
  const dataDir = join(root, name);
  const lake = Lake.open(dataDir);
  const paths: string[] = [];
  for (const n of [1, 2]) {
    const path = `activities/date=2026-10-01/part-${n}.parquet`;
    const staged = join(root, `${name}-staged-${n}`);
    writeFileSync(staged, 'x'.repeat(10 * n));
    lake.commit([{ ...file(path, 10 * n), stagedPath: staged }], {
      kind: 'append',
      run_id: `run${n}`,
      stream: 'activities',
      committed_at: `2026-10-0${n}T00:00:00.000Z`,
      removed: [],
      cursor: { created_at: `2026-10-0${n}T00:00:00Z`, ids: ['a', 'b'] },
      coverage: [],
      request_ids: ['req_1', 'req_2'],
    });
    paths.push(path);
  }
  return { dataDir, paths };
}

function openProblems(dataDir: string): string[] {
  try {
    Lake.open(dataDir);
    return [];
  } catch (err) {
    if (!(err instanceof LakeCorruptError)) throw err;
    return err.problems;
  }
}

test('Lake.open reads back what it committed, with the hashes it wrote', () => {
  const { dataDir, paths } = makeLake('ok');
  const lake = Lake.open(dataDir);
  expect(lake.head.seq).toBe(2);
  expect(lake.files().map((f) => f.path)).toEqual(paths);
  const { entries, problems } = readManifest(join(dataDir, 'lake'));
  expect(problems).toEqual([]);
  for (const e of entries) expect(entryHash(e)).toBe(e.hash);
});

test('Lake.open names a missing committed file and one whose size changed', () => {
  const { dataDir, paths } = makeLake('broken-files');
  rmSync(join(dataDir, 'lake', paths[0]));
  appendFileSync(join(dataDir, 'lake', paths[1]), 'y');
  expect(openProblems(dataDir)).toEqual([`lake/${paths[0]}: committed file is missing`, `lake/${paths[1]}: size 21 bytes, the manifest says 20 (modified)`]);
});

test('Lake.open names an edited manifest entry', () => {
  const { dataDir } = makeLake('edited-entry');
  const entryFile = join(manifestsDir(join(dataDir, 'lake')), '000000000001.json');
  writeFileSync(entryFile, readFileSync(entryFile, 'utf8').replace('"req_2"', '"req_3"'));
  const problems = openProblems(dataDir);
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(/000000000001\.json: entry was modified: its hash/);
});
