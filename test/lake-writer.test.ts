// The staging writer on disk: rows spread over many partitions, some revisited after the writer moved on,
// come back from DuckDB exactly as written, while only a few partitions ever hold an encoding chunk.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Duck, openDuck, sqlString } from '../src/lake/duck.js';
import { TABLES } from '../src/lake/tables.js';
import { MAX_BUFFERED_PARTITIONS, StreamWriter } from '../src/lake/writer.js';

let duck: Duck;
let root: string;

beforeAll(async () => {
  duck = await openDuck();
  root = mkdtempSync(join(tmpdir(), 'lake-writer-'));
});

afterAll(() => {
  duck.close();
  rmSync(root, { recursive: true, force: true });
});

function chat(day: number, n: number): Record<string, unknown> {
  const updated = `2026-10-${String(day).padStart(2, '0')}T12:00:${String(n % 60).padStart(2, '0')}.${String(n).padStart(6, '0')}Z`;
  return {
    id: `claude_chat_${day}_${n}`,
    updated_at: updated,
    created_at: updated,
    deleted_at: null,
    // long enough that a partition fills several 4 MB chunks
    name: `chat ${n} ${'x'.repeat(1500)}`,
    model: 'claude-sonnet-4',
    organization_uuid: 'org-1',
    organization_id: 'organization_01',
    project_id: null,
    user_id: `user_${n % 7}`,
    user_email: `user${n % 7}@example.com`,
    raw: { id: `claude_chat_${day}_${n}`, note: 'ü' },
  };
}

test('rows over twenty partitions, revisited out of order, come back exactly; at most a few partitions hold a chunk', async () => {
  const writer = new StreamWriter({
    dataDir: join(root, 'data'),
    spec: TABLES.chats,
    runId: 'run1',
    extractedAt: '2026-11-01T00:00:00.000Z',
    endpoint: '/v1/compliance/apps/chats',
    params: {},
    part: 'p0',
  });
  const expected = new Map<string, string[]>();
  let mostBuffered = 0;
  const add = (day: number, n: number) => {
    const row = chat(day, n);
    const date = String(row.updated_at).slice(0, 10);
    writer.add(row, date, `req_${day}`);
    expected.set(date, [...(expected.get(date) ?? []), String(row.id)]);
    mostBuffered = Math.max(mostBuffered, writer.bufferedPartitions);
  };
  // days in order, as a walk by updated_at fills them (day 5 large enough for several chunks) ...
  for (let day = 1; day <= 20; day++) for (let n = 0; n < (day === 5 ? 9000 : 200); n++) add(day, n);
  // ... then rows for days the writer left long ago, interleaved
  for (let n = 200; n < 400; n++) add(1 + (n % 3) * 7, n);
  expect(mostBuffered).toBeLessThanOrEqual(MAX_BUFFERED_PARTITIONS);

  const files = await writer.finish(duck);
  expect(files.map((f) => f.date)).toEqual([...expected.keys()].sort());
  for (const f of files) {
    const rows = await duck.all(`SELECT id, name, raw::VARCHAR AS raw FROM read_parquet(${sqlString(f.stagedPath)}) ORDER BY id`);
    expect(rows.map((r) => r.id)).toEqual([...expected.get(f.date)!].sort());
    expect(f.rows).toBe(expected.get(f.date)!.length);
    for (const r of rows) {
      expect(String(r.name)).toMatch(/^chat \d+ x{1500}$/);
      expect(JSON.parse(String(r.raw))).toEqual({ id: r.id, note: 'ü' });
    }
  }
  writer.discard();
});

test('a lone UTF-16 surrogate is stored as U+FFFD (lake-tables.md); pairs, escaped backslashes and the rest of the text are kept', async () => {
  const writer = new StreamWriter({
    dataDir: join(root, 'data-surrogates'),
    spec: TABLES.chats,
    runId: 'run2',
    extractedAt: '2026-11-01T00:00:00.000Z',
    endpoint: '/v1/compliance/apps/chats',
    params: {},
    part: 'p0',
  });
  // what JSON.parse gives for "\ud800", "a\udfffb", "\\ud800" (a backslash and the text ud800) and an emoji
  const names: [string, string][] = [
    ['\ud800', '\ufffd'],
    ['a\udfffb\udbff', 'a\ufffdb\ufffd'],
    ['\\ud800 and \\\ud800', '\\ud800 and \\\ufffd'],
    ['\ud83d\ude00 pair', '\ud83d\ude00 pair'],
    ['\ude00\ud83d reversed', '\ufffd\ufffd reversed'],
  ];
  names.forEach(([name], n) => writer.add({ ...chat(1, n), name, raw: { name } }, '2026-10-01', 'req_s'));
  const [file] = await writer.finish(duck);
  const rows = await duck.all(`SELECT name, raw::VARCHAR AS raw FROM read_parquet(${sqlString(file.stagedPath)}) ORDER BY id`);
  expect(rows.map((r) => r.name)).toEqual(names.map(([, stored]) => stored));
  expect(rows.map((r) => JSON.parse(String(r.raw)).name)).toEqual(names.map(([, stored]) => stored));
  writer.discard();
});
