// schema/lake-tables.md documents every table and column of src/lake/tables.ts with its type, and nothing else.
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { PROVENANCE_COLUMNS, TABLES } from '../src/lake/tables.js';

const doc = readFileSync(new URL('../schema/lake-tables.md', import.meta.url), 'utf8');

/** The `| column | type |` rows under each `## heading`. */
function documented(): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current = 'provenance';
  for (const line of doc.split('\n')) {
    const h = /^## (\S+)/.exec(line);
    if (h) current = h[1];
    const row = /^\| `([a-z0-9_]+)` \| ([A-Z]+) \|/.exec(line);
    if (row) {
      if (!sections.has(current)) sections.set(current, new Map());
      sections.get(current)!.set(row[1], row[2]);
    }
  }
  return sections;
}

test('every stream table is documented column by column with its type, in order', () => {
  const sections = documented();
  for (const spec of Object.values(TABLES)) {
    const cols = sections.get(spec.stream);
    expect(cols, `schema/lake-tables.md has no section for ${spec.stream}`).toBeDefined();
    expect([...cols!.entries()], spec.stream).toEqual(Object.entries(spec.columns));
  }
  const documentedTables = [...sections.keys()].filter((k) => k !== 'provenance');
  expect(documentedTables.sort()).toEqual(Object.keys(TABLES).sort());
});

test('the provenance columns are documented', () => {
  expect([...documented().get('provenance')!.entries()]).toEqual(Object.entries(PROVENANCE_COLUMNS));
});
