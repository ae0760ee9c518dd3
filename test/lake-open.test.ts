// Lake.open's start-up check and the manifest's canonical JSON: the direct serializer gives the bytes the
// replacer-based one gave (every lake's hashes were computed with it), and the check still names a missing
// file, a file of another size and an edited entry.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Lake, LakeCorruptError } from '../src/lake/lake.js';
import { type ManifestFile, canonicalJson, entryHash, manifestsDir, readManifest, readManifestIndexed } from '../src/lake/manifest.js';

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

describe('a reader\'s manifest index', () => {
  const commitOne = (dataDir: string, n: number) => {
    const lake = Lake.open(dataDir);
    const staged = join(root, `${dataDir.split('/').pop()}-more-${n}`);
    writeFileSync(staged, 'z'.repeat(5));
    lake.commit([{ ...file(`activities/date=2026-10-02/part-${n}.parquet`, 5), stagedPath: staged }], {
      kind: 'append',
      run_id: `run_more_${n}`,
      stream: 'activities',
      committed_at: '2026-10-03T00:00:00.000Z',
      removed: [],
      coverage: [],
      request_ids: [`req_${n}`],
    });
  };
  const lines = (index: string) => readFileSync(index, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seq: number });

  test('an open with an index reads what a plain open reads, and the index follows the chain', () => {
    const { dataDir } = makeLake('indexed');
    const index = join(root, 'indexed.ndjson');
    const plain = () => readManifest(join(dataDir, 'lake')).entries;
    expect(Lake.open(dataDir, { index }).entries).toEqual(plain());
    expect(lines(index).map((e) => e.seq)).toEqual([1, 2]);
    expect(readManifestIndexed(join(dataDir, 'lake'), index).indexed).toBe(2);
    commitOne(dataDir, 3);
    expect(readManifestIndexed(join(dataDir, 'lake'), index).indexed).toBe(2); // the new entry comes from its file
    const inode = statSync(index).ino;
    expect(Lake.open(dataDir, { index }).entries).toEqual(plain());
    expect(lines(index).map((e) => e.seq)).toEqual([1, 2, 3]);
    // replaced by a rename, never changed in place (a hard-linked copy of the data dir keeps its own)
    expect(statSync(index).ino).not.toBe(inode);
  });

  test('an index of another chain, a torn line or one ahead of the lake is ignored: every entry file is read', () => {
    const { dataDir } = makeLake('other-chain');
    const lakeDir = join(dataDir, 'lake');
    const index = join(root, 'other-chain.ndjson');
    Lake.open(dataDir, { index });
    const good = readFileSync(index, 'utf8');
    // another chain: the last entry's hash differs
    writeFileSync(index, good.replace(/"hash":"([0-9a-f]+)"\}\n$/, '"hash":"0$1"}\n'));
    expect(readManifestIndexed(lakeDir, index)).toMatchObject({ indexed: 0, problems: [] });
    expect(Lake.open(dataDir, { index }).entries).toEqual(readManifest(lakeDir).entries);
    expect(readFileSync(index, 'utf8')).toBe(good); // written again whole
    // a torn last line (a crash while appending)
    writeFileSync(index, `${good}{"seq":3,"ha`);
    expect(readManifestIndexed(lakeDir, index).indexed).toBe(0);
    // ahead of the lake (another lake's index, or a lake restored from an older copy)
    const [first] = readManifest(lakeDir).entries;
    writeFileSync(index, `${good}${JSON.stringify({ ...first, seq: 3 })}\n`);
    expect(readManifestIndexed(lakeDir, index).indexed).toBe(0);
  });

  test('an edit of the index\'s last entry or of a later one is found; of an earlier one, only by a plain open', () => {
    const { dataDir } = makeLake('indexed-edits');
    const lakeDir = join(dataDir, 'lake');
    const index = join(root, 'indexed-edits.ndjson');
    Lake.open(dataDir, { index });
    commitOne(dataDir, 3);
    const entryFile = (seq: number) => join(manifestsDir(lakeDir), `00000000000${seq}.json`);
    const edit = (seq: number) => writeFileSync(entryFile(seq), readFileSync(entryFile(seq), 'utf8').replace('"req_', '"edited_req_'));
    const indexedProblems = () => {
      try {
        Lake.open(dataDir, { index });
        return [];
      } catch (err) {
        return (err as LakeCorruptError).problems;
      }
    };
    const original = (seq: number) => readFileSync(entryFile(seq), 'utf8');
    const keep = [1, 2, 3].map(original);
    // the entry after the index's last (3, read from its file)
    edit(3);
    expect(indexedProblems()).toEqual([expect.stringMatching(/000000000003\.json: entry was modified/)]);
    writeFileSync(entryFile(3), keep[2]);
    // the index's last entry (2): the index is not this chain's any more, every file is read
    edit(2);
    expect(indexedProblems()).toEqual([expect.stringMatching(/000000000002\.json: entry was modified/)]);
    writeFileSync(entryFile(2), keep[1]);
    // an earlier one (1): the index stands in for it; a plain open (and verify) finds it
    edit(1);
    expect(indexedProblems()).toEqual([]);
    expect(openProblems(dataDir)).toEqual([expect.stringMatching(/000000000001\.json: entry was modified/)]);
  });
});
