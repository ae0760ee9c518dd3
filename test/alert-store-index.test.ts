// The console's overview asks for open alerts by level (console.md §5): on a store of tens of thousands of alerts
// (370 MB at 100 M activities) SQLite must answer from alerts_status_level_idx, not by reading every alert.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, test } from 'vitest';
import { AlertStore } from '../src/detections/store.js';

const dir = mkdtempSync(join(tmpdir(), 'alert-index-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('open alerts of one level: the count reads only the index, the newest page needs no sort', () => {
  AlertStore.open(dir).close();
  const db = new Database(AlertStore.path(dir), { readonly: true });
  try {
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('\n');
    const count = plan(`SELECT count(*) FROM alerts WHERE status IN ('open') AND level IN ('high')`);
    expect(count).toMatch(/USING COVERING INDEX alerts_status_level_idx/);
    const page = plan(`SELECT * FROM alerts WHERE status IN ('open') AND level IN ('high') ORDER BY last_seen DESC, id DESC LIMIT 2`);
    expect(page).toMatch(/alerts_status_level_idx/);
    expect(page).not.toMatch(/TEMP B-TREE/);
  } finally {
    db.close();
  }
});
