// The reference's endpoint table (schema/compliance-api.md §2.0), the client's CLIENT_ENDPOINTS and the simulator's
// ROUTES list the same read endpoints, so none of the three can drift from the others.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { CLIENT_ENDPOINTS, ComplianceClient } from '../src/api/index.js';
import { ROUTES } from '../src/simulator/server/router.js';

/** Writes are deliberately not implemented: the connector is read-only (README, design.md). */
const NOT_IMPLEMENTED: Record<string, string> = {
  'DELETE /v1/compliance/apps/chats/{}': 'a write (hard delete); the connector is read-only',
  'DELETE /v1/compliance/apps/chats/files/{}': 'a write (hard delete); the connector is read-only',
  'DELETE /v1/compliance/apps/projects/{}': 'a write (hard delete); the connector is read-only',
  'DELETE /v1/compliance/apps/projects/documents/{}': 'a write (hard delete); the connector is read-only',
  'DELETE /v1/compliance/apps/code/artifacts/{}': 'a write (deletion); the connector is read-only',
};

/** Path parameters are compared by position, not name: the table says {org_uuid} where a route may say {organization_id}. */
const normalise = (endpoint: string) => endpoint.replace(/\{[^}]+\}/g, '{}');

function referenceTable(): { number: number; endpoint: string }[] {
  const doc = readFileSync(new URL('../schema/compliance-api.md', import.meta.url), 'utf8');
  const start = doc.indexOf('### 2.0 Summary table');
  const end = doc.indexOf('\n### ', start + 1);
  expect(start).toBeGreaterThan(0);
  const rows: { number: number; endpoint: string }[] = [];
  for (const line of doc.slice(start, end).split('\n')) {
    const m = /^\|\s*(\d+)\s*\|\s*(GET|DELETE)\s+`([^`]+)`/.exec(line);
    if (m) rows.push({ number: Number(m[1]), endpoint: normalise(`${m[2]} ${m[3]}`) });
  }
  return rows;
}

describe('endpoint catalogue (compliance-api.md §2.0)', () => {
  const table = referenceTable();
  const client = Object.keys(CLIENT_ENDPOINTS).map(normalise);
  const routes = ROUTES.map((r) => normalise(`GET ${r.pattern}`));

  test('the table parses: 36 numbered rows, numbered 1..36', () => {
    expect(table.map((r) => r.number)).toEqual(Array.from({ length: 36 }, (_, i) => i + 1));
  });

  test('every GET row has a client method, every DELETE row is an explicit exclusion, and nothing else', () => {
    const gets = table.filter((r) => r.endpoint.startsWith('GET ')).map((r) => r.endpoint);
    const deletes = table.filter((r) => r.endpoint.startsWith('DELETE ')).map((r) => r.endpoint);
    expect([...client].sort()).toEqual([...gets].sort());
    expect(deletes.sort()).toEqual(Object.keys(NOT_IMPLEMENTED).sort());
    expect(new Set(client).size).toBe(client.length);
  });

  test("the simulator serves exactly the client's endpoints", () => {
    expect([...routes].sort()).toEqual([...client].sort());
  });

  test('each declared method exists on a client', () => {
    const c = new ComplianceClient({ apiKey: 'sk-ant-api01-catalog-test', requestsPerMinute: 0 }) as unknown as Record<string, Record<string, unknown>>;
    for (const [endpoint, method] of Object.entries(CLIENT_ENDPOINTS)) {
      const [group, name] = method.split('.');
      expect(typeof c[group]?.[name], `${endpoint} → ${method}`).toBe('function');
    }
  });
});
