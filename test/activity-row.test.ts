// activityRow builds `rest` and `actor_rest` as plain objects (JSON.stringify's fast path) instead of the
// prototype-less dictionaries it built before (BENCHMARKS.md, issue 11). The staging line, and so every lake
// column, must be byte for byte what the dictionary version wrote: checked over every activity of a simulated
// tenant (reference timestamps, own requests) and over records with odd shapes, `__proto__` fields included.
import { describe, expect, it } from 'vitest';
import type { Activity, PageOf } from '../src/api/index.js';
import { activityRow } from '../src/extract/activities.js';
import { sixDigits } from '../src/extract/stream.js';
import { connect, makeClient, makeSim } from './support/sim-harness.js';

/** The split as it was written with Object.create(null) (the oracle the new code must match). */
function dictionaryRow(record: Activity, own: Set<string>): Record<string, unknown> {
  const envelope = new Set(['id', 'type', 'organization_id', 'organization_uuid']);
  const actorColumns = new Map([
    ['type', 'actor_type'],
    ['user_id', 'actor_user_id'],
    ['email_address', 'actor_email'],
    ['ip_address', 'actor_ip'],
    ['user_agent', 'actor_user_agent'],
    ['api_key_id', 'actor_api_key_id'],
  ]);
  const row: Record<string, unknown> = {};
  const rest: Record<string, unknown> = Object.create(null);
  for (const k of Object.keys(record)) {
    if (k === 'actor' || k === 'created_at') continue;
    const v = record[k];
    if (envelope.has(k) && typeof v === 'string') row[k] = v;
    else rest[k] = v;
  }
  const created = record.created_at;
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(created);
  row.created_at = sixDigits(created);
  const digits = m ? (m[2] ?? '').length : -1;
  if (digits >= 0 && digits < 6) row.created_at_digits = digits;
  else if (digits !== 6) rest.created_at = created;
  const actor = record.actor as unknown;
  if (actor && typeof actor === 'object' && !Array.isArray(actor)) {
    const actorRest: Record<string, unknown> = Object.create(null);
    for (const k of Object.keys(actor)) {
      const v = (actor as Record<string, unknown>)[k];
      const column = actorColumns.get(k);
      if (column && typeof v === 'string') row[column] = v;
      else actorRest[k] = v;
    }
    row.actor_rest = actorRest;
  } else {
    if ('actor' in record) rest.actor = actor;
    row.actor_rest = null;
  }
  row.rest = rest;
  row.is_own_request = record.type === 'compliance_api_accessed' && typeof record.request_id === 'string' && own.has(record.request_id);
  return row;
}

function expectSameLines(records: Activity[], own: Set<string>): void {
  for (const record of records) {
    const { row } = activityRow(record, own);
    expect(JSON.stringify(row), record.id).toBe(JSON.stringify(dictionaryRow(record, own)));
  }
}

describe('activityRow with plain objects writes what the dictionary version wrote', () => {
  it('over every activity of a simulated tenant (Z and +00:00 timestamps, own requests)', async () => {
    const sim = makeSim({ tenant: { timestampStyle: 'reference', horizonDays: 2, activitiesPerDay: 3000 }, sim: { selfEventDelayMs: 0 } });
    const t = await connect(sim, 'in-process');
    const { client } = makeClient(sim, t);
    for (let i = 0; i < 4; i++) await client.activities.list({ limit: 1 });
    const pages: PageOf<Activity>[] = [];
    for await (const page of client.activities.pages({ limit: 1000 })) pages.push(page);
    await t.close();
    const records = pages.flatMap((p) => p.data);
    expect(records.length).toBeGreaterThan(5000);
    expect(new Set(records.map((r) => r.type)).size).toBeGreaterThan(40);
    const accessed = records.filter((r) => r.type === 'compliance_api_accessed' && typeof r.request_id === 'string');
    expect(accessed.length).toBeGreaterThan(0);
    const own = new Set(accessed.filter((_, i) => i % 2 === 0).map((r) => r.request_id as string));
    expect(records.filter((r) => activityRow(r, own).row.is_own_request).length).toBeGreaterThan(0);
    expectSameLines(records, own);
  });

  it('over odd shapes: __proto__ fields, non-string envelope and actor fields, numeric keys, offsets and fractions', () => {
    const raw =
      '[' +
      [
        '{"id":"a1","created_at":"2026-10-01T10:00:00.123456Z","organization_id":null,"actor":{"type":"api_actor","api_key_id":"k1","ip_address":null,"__proto__":"actor field"},"type":"compliance_api_accessed","request_id":"req_own","__proto__":{"polluted":true}}',
        '{"id":"a2","created_at":"2026-10-01T10:00:00.1Z","organization_id":7,"actor":{"type":"user_actor","user_id":5,"2":"two","1":"one","extra":{"n":null}},"type":42,"10":"ten","b":1,"a":2}',
        '{"id":"a3","created_at":"2026-10-01T12:00:00+02:00","actor":[],"type":"something_new","text":"quote \\" backslash \\\\ \\u2028 ñ 😀","big":12345678901234,"f":1.5,"t":true,"arr":[]}',
        '{"id":"a4","created_at":"2026-10-01T05:30:00.999999999Z","type":"sso_login_initiated"}',
        '{"id":"a5","created_at":"2026-10-01T00:00:00Z","actor":null,"type":"claude_chat_created","organization_uuid":"u"}',
      ].join(',') +
      ']';
    const records = JSON.parse(raw) as Activity[];
    expect(Object.keys(records[0])).toContain('__proto__');
    expectSameLines(records, new Set(['req_own']));
    const { row } = activityRow(records[0], new Set());
    // the field is kept as a field; no prototype was set
    expect(JSON.stringify(row.rest)).toContain('"__proto__":{"polluted":true}');
    expect(Object.getPrototypeOf(row.rest)).toBe(Object.prototype);
    expect((row.rest as { polluted?: unknown }).polluted).toBeUndefined();
    expect(JSON.stringify(row.actor_rest)).toBe('{"ip_address":null,"__proto__":"actor field"}');
  });
});
