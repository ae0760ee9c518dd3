// The event text of `events` and `forward` built from the reader's rows (src/siem/served.ts, OcsfMapper.ocsfText,
// src/siem/output.ts) against the way it was built before: the lake read column by column, the record rebuilt by
// reassembleActivity, `JSON.stringify(toOcsf(...))`. Over a simulator-synced lake with every catalog type and
// records with odd strings, names and numbers, both must give the same bytes, line for line (ocsf.md §4).
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reassembleActivity } from '../src/extract/activities.js';
import { connectUtc, createDuck, sqlString } from '../src/lake/duck.js';
import { Lake } from '../src/lake/lake.js';
import { loadCatalog } from '../src/models/catalog.js';
import { buildModels } from '../src/models/build.js';
import { warehousePath } from '../src/models/warehouse.js';
import { ActivityReader } from '../src/siem/events.js';
import { OcsfMapper, type UserAsOf } from '../src/siem/ocsf.js';
import { mapInOrder, openMappingPool } from '../src/siem/mapping.js';
import { LineBuffer, eventBytes, eventText, formerEventText } from '../src/siem/output.js';
import { lakeMs, msText, ocsfRowText, secondsText } from '../src/siem/ocsf-row.js';
import { lakeActivity, userOf } from '../src/siem/events.js';
import { CLI, requireBuiltCli, runCli, seededRandom as random } from './support/crash-harness.js';
import { type Transport, connect, control, makeSim } from './support/sim-harness.js';
import { syncWith, tempDataDir } from './support/lake-harness.js';

const data = tempDataDir('cl-siem-text-');
/** A second lake of varied records only (no models: their random fields would break the models' tests). */
const varied = tempDataDir('cl-siem-text-varied-');
const catalog = loadCatalog();
const ORG = { organization_id: 'org_01texttexttexttexttexttext', organization_uuid: '00000000-0000-4000-8000-00000000beef' };
const ODD = 'q"uote \\back\\slash \u0000\u0001\u001f\u007f tab\tnl\n cr\r ff\f bs\b \u2028\u2029 é ß 漢字 😀 \u{1F9EA} </script>';

function actorOf(kind: string, i: number): Record<string, unknown> {
  switch (kind) {
    case 'user_actor':
      return { type: kind, user_id: `user_01text${i}`, email_address: `text${i}@acme.example`, ip_address: '203.0.113.7', user_agent: 'Mozilla/5.0' };
    case 'api_actor':
      return { type: kind, api_key_id: `apikey_01text${i}`, ip_address: '2001:db8::1' };
    case 'unauthenticated_user_actor':
      return { type: kind, unauthenticated_email_address: `anon${i}@acme.example`, ip_address: '198.51.100.2', user_agent: 'curl/8' };
    default:
      return { type: kind, email_address: null };
  }
}

/** One record of every catalog type, with its documented fields filled in. */
function everyType(): Record<string, unknown>[] {
  return catalog.map((e, i) => {
    const record: Record<string, unknown> = {
      id: `activity_01TEXTtype${String(i).padStart(4, '0')}`,
      created_at: `2026-10-31T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')}Z`,
      ...ORG,
      type: e.type,
      actor: actorOf(e.actors[0] ?? 'user_actor', i),
    };
    for (const f of e.fields) record[f] = f === 'member_ids' ? [`user_m${i}`] : f.endsWith('_count') ? i : f.endsWith('email') ? `${f}.${i}@acme.example` : `${f}_${i}`;
    return record;
  });
}

/**
 * Records whose text is hard to get right by hand. Lone surrogates are not among them: the lake stores each as
 * U+FFFD (lake-tables.md), so what is read back is ordinary text.
 */
function oddRecords(): Record<string, unknown>[] {
  const at = (s: string) => `2026-10-31T12:00:${s}`;
  return [
    {
      id: 'activity_01TEXTstrings000000000001',
      created_at: at('00.123Z'),
      ...ORG,
      type: 'claude_chat_viewed',
      actor: { type: 'user_actor', user_id: 'user_01textodd', email_address: `odd"mail\\@acme.example`, ip_address: '203.0.113.9', user_agent: ODD, mood: { level: ODD } },
      claude_chat_id: `claude_chat_${ODD}`,
      [`we"ird\\key ${ODD}`]: ODD,
      'ключ': 'значение',
      numbers: [0.1, -0, 1e21, 1.5e-7, 2 ** 60, 123456789012345678901234567890, -42, 3.141592653589793],
      nested: { a: [{ b: null, c: true, d: ODD }], e: {} },
      empty: '',
    },
    {
      // names an object puts first (array indices), and __proto__: the record's slow road
      id: 'activity_01TEXTindexKeys00000000002',
      created_at: at('01Z'),
      ...ORG,
      type: 'claude_file_viewed',
      actor: { type: 'api_actor', api_key_id: 'apikey_01textodd' },
      claude_file_id: 'claude_file_01text',
      '10': 'ten',
      '0': 'zero',
      '1x': 'not an index',
    },
    {
      id: 'activity_01TEXTproto00000000000003',
      created_at: at('02.5Z'),
      ...ORG,
      type: 'claude_project_created',
      actor: { type: 'user_actor', user_id: 'user_01textproto', ['__proto__']: { polluted: true } },
      claude_project_id: 'claude_proj_01text',
      ['__proto__']: { polluted: true },
    },
    {
      // no actor, null organization ids, nanoseconds (kept as text in the lake)
      id: 'activity_01TEXTnoActorNanos000004',
      created_at: at('03.123456789Z'),
      organization_id: null,
      organization_uuid: null,
      type: 'org_settings_changed',
    },
    {
      // actor null, an organization id that is a number, lifted actor fields that are not strings
      id: 'activity_01TEXTnumbers00000000005',
      created_at: at('04.000001Z'),
      organization_id: 42,
      organization_uuid: ORG.organization_uuid,
      type: 'compliance_api_accessed',
      actor: null,
      request_id: 'req_01text',
    },
    {
      id: 'activity_01TEXTactorNumbers000006',
      created_at: at('05.100Z'),
      ...ORG,
      type: 'user_role_updated',
      actor: { type: 'user_actor', user_id: 7, email_address: null, ip_address: ['10.0.0.1'], user_agent: { ua: ODD } },
      user_id: 'user_01texttarget',
      current_role: 'admin',
    },
    {
      // a type the catalog does not know, with fields of every JSON kind
      id: 'activity_01TEXTunknownType0000007',
      created_at: at('06.000Z'),
      ...ORG,
      type: `future_feature_${ODD}`,
      actor: { type: 'robot_actor', robot_id: 'robot_7' },
      flag: false,
      nothing: null,
      list: [1, 'two', null, { three: [3] }],
    },
    {
      // fields named like the envelope and the lake's columns, inside and outside the record
      id: 'activity_01TEXTcollisions00000008',
      created_at: at('07.250Z'),
      ...ORG,
      type: 'claude_chat_viewed',
      actor: { type: 'user_actor', user_id: 'user_01textcoll', email_address: 'coll@acme.example', rest: 'x', actor_rest: 'y' },
      rest: { not: 'the column' },
      actor_rest: 'neither',
      created_at_digits: 9,
      claude_chat_id: 'claude_chat_01coll',
    },
  ];
}

/** Strings that are hard to get right by hand (besides ODD), and plain ones, which take the one-pass builder's quick road. */
const HOSTILE = [ODD, '</script><script>alert(1)</script>', 'a"b', 'back\\slash', '\u0000', 'tab\there', '漢字', '😀', 'é', '\u2028', '', 'x'.repeat(300), '{"json":"inside"}', '1.5e-7'];
const PLAIN = ['plain_value', 'user_01plain', 'someone@acme.example', 'not an email', 'claude_chat_01plain', '203.0.113.5', 'Mozilla/5.0 (X11) 1.2.3'];
/** Field names classBody reads (ocsf.ts: user ids, e-mails, groups, privileges, names), besides the catalog's. */
const READ_FIELDS = ['user_id', 'member_id', 'target_user_id', 'principal_type', 'principal_id', 'member_ids', 'invitee_email', 'invited_email', 'user_email', 'group_id', 'workspace_id', 'group_name', 'request_id', 'filename', 'role', 'current_role', 'scope'];

/** Records of random types, actors, organizations, times and field values (plain, hostile, of every JSON kind). */
function variedRecords(n: number, seed: number): Record<string, unknown>[] {
  const next = random(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const text = () => (next() < 0.6 ? pick(PLAIN) : pick(HOSTILE));
  const value = (): unknown => {
    const k = next();
    if (k < 0.55) return text();
    if (k < 0.65) return null;
    if (k < 0.75) return pick([0, -1, 42, 1e21, 0.1, 2 ** 60, 3.5]);
    if (k < 0.8) return next() < 0.5;
    if (k < 0.9) return [text(), text()];
    return { nested: text(), list: [1, text(), null] };
  };
  const fractions = ['', '.5', '.123', '.120', '.123456', '.000001', '.123456789'];
  return Array.from({ length: n }, (_, i) => {
    const entry = pick(catalog);
    const type = next() < 0.03 ? `future_${text()}` : entry.type;
    const record: Record<string, unknown> = {
      id: `activity_01TEXTvaried${String(i).padStart(6, '0')}`,
      created_at: `2026-10-31T14:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}${pick(fractions)}Z`,
    };
    const org = next();
    if (org < 0.7) Object.assign(record, next() < 0.5 ? ORG : { organization_id: text(), organization_uuid: text() });
    else if (org < 0.85) Object.assign(record, { organization_id: null, organization_uuid: null });
    else if (org < 0.92) Object.assign(record, { organization_uuid: ORG.organization_uuid });
    record.type = type;
    const actorKind = next();
    if (actorKind < 0.85) {
      const actor: Record<string, unknown> = { type: pick([...entry.actors, 'user_actor', 'api_actor', 'admin_api_key_actor', 'system_actor', text()]) };
      for (const f of ['user_id', 'email_address', 'ip_address', 'user_agent', 'api_key_id']) if (next() < 0.5) actor[f] = next() < 0.85 ? text() : value();
      if (next() < 0.2) actor.extra = value();
      record.actor = actor;
    } else if (actorKind < 0.93) record.actor = null;
    for (const f of entry.fields) if (next() < 0.8) record[f] = value();
    for (const f of READ_FIELDS) if (next() < 0.15) record[f] = f === 'principal_type' ? pick(['user', 'group']) : value();
    if (next() < 0.1) record[`odd key ${text()}`] = value();
    return record;
  });
}

/** The reader as it was: one column at a time, the record rebuilt from the row object (BENCHMARKS.md, issue 14 §1). */
async function formerLines(dataDir: string, mapper: OcsfMapper): Promise<{ ndjson: string[]; ocsf: string[] }> {
  const ISO_US = "'%Y-%m-%dT%H:%M:%S.%fZ'";
  const lake = Lake.open(dataDir);
  const instance = await createDuck({ memoryLimit: '256MB', threads: 2 });
  const connection = await connectUtc(instance);
  const ndjson: string[] = [];
  const ocsf: string[] = [];
  try {
    await connection.run(`attach ${sqlString(warehousePath(dataDir))} as wh (read_only)`);
    await connection.run(
      'create temp table actor_users as select user_id, organization_uuid, email, full_name, organization_role, valid_from, valid_to, ' +
        "user_id || '|' || organization_uuid as k, coalesce(valid_from, '-infinity'::timestamptz) as vf from wh.marts.users",
    );
    const days = [...new Set(lake.files('activities').map((f) => f.date))].sort();
    for (const date of days) {
      const files = lake.files('activities').filter((f) => f.date === date).map((f) => sqlString(lake.absolute(f)));
      const reader = await connection.runAndReadAll(
        `with firsts as (select * from read_parquet([${files.join(', ')}], union_by_name = true, hive_partitioning = false, filename = true, file_row_number = true) ` +
          `qualify row_number() over (partition by id order by _extracted_at, filename, file_row_number) = 1) ` +
          `select a.id, strftime(a.created_at, ${ISO_US}) as created_at, a.created_at_digits, a.type, a.organization_id, a.organization_uuid, a.actor_type, ` +
          `a.actor_user_id, a.actor_email, a.actor_ip, a.actor_user_agent, a.actor_api_key_id, a.actor_rest::varchar as actor_rest, a.rest::varchar as rest, ` +
          `u.user_id as h_user_id, u.email as h_email, u.full_name as h_full_name, u.organization_role as h_role, ` +
          `strftime(u.valid_from, ${ISO_US}) as h_valid_from, strftime(u.valid_to, ${ISO_US}) as h_valid_to, (u.valid_to is null or a.created_at < u.valid_to) as h_current ` +
          `from firsts a asof left join actor_users u on u.k = a.actor_user_id || '|' || a.organization_uuid and a.created_at >= u.vf order by a.created_at, a.id`,
      );
      for (const row of reader.getRowObjects() as Record<string, unknown>[]) {
        const activity = reassembleActivity(row);
        const user: UserAsOf | null =
          row.h_user_id == null || row.h_current === false
            ? null
            : {
                user_id: row.h_user_id as string,
                email: (row.h_email as string | null) ?? null,
                full_name: (row.h_full_name as string | null) ?? null,
                organization_role: (row.h_role as string | null) ?? null,
                valid_from: (row.h_valid_from as string | null) ?? null,
                valid_to: (row.h_valid_to as string | null) ?? null,
              };
        const raw = JSON.stringify(activity);
        ndjson.push(raw);
        ocsf.push(JSON.stringify(mapper.toOcsf(activity, user, raw)));
      }
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return { ndjson, ocsf };
}

let t: Transport;
let t2: Transport;

beforeAll(async () => {
  const sim = makeSim({ tenant: { horizonDays: 3, activitiesPerDay: 200 } });
  t = await connect(sim, 'in-process');
  await control(t, 'POST', '/_sim/activities', { records: [...everyType(), ...oddRecords()] });
  const sync = await syncWith(t, data.dir);
  if (!sync.ok) throw new Error(`sync failed: ${JSON.stringify(sync.streams.filter((s) => s.status !== 'committed'))}`);
  await buildModels(data.dir);
  const sim2 = makeSim({ tenant: { horizonDays: 1, activitiesPerDay: 20 } });
  t2 = await connect(sim2, 'in-process');
  await control(t2, 'POST', '/_sim/activities', { records: variedRecords(2000, 14) });
  const sync2 = await syncWith(t2, varied.dir);
  if (!sync2.ok) throw new Error(`sync failed: ${JSON.stringify(sync2.streams.filter((s) => s.status !== 'committed'))}`);
}, 180_000);

afterAll(async () => {
  await t?.close();
  await t2?.close();
  data.cleanup();
  varied.cleanup();
});

describe('event text from the reader rows', () => {
  it('is byte for byte the former record and OCSF event, for every type and odd record, on both roads', async () => {
    const mapper = new OcsfMapper();
    const former = await formerLines(data.dir, mapper);
    const reader = await ActivityReader.open(data.dir);
    const ndjson: string[] = [];
    const ocsf: string[] = [];
    const slow: string[] = [];
    const types = new Set<string>();
    try {
      expect(reader.history).toBe(true);
      // small buffers, so lines also cross buffer ends
      const lines = new LineBuffer(4096);
      for await (const rows of reader.all({})) {
        for (const r of rows) {
          if (!r.served) slow.push(r.id);
          types.add(String(r.activity.type));
        }
        ndjson.push(Buffer.concat(eventBytes(rows, 'ndjson', null, lines)).toString('utf8'));
        ocsf.push(Buffer.concat(eventBytes(rows, 'ocsf', mapper, lines)).toString('utf8'));
      }
    } finally {
      reader.close();
    }
    const split = (chunks: string[]) => chunks.join('').split('\n').slice(0, -1);
    const gotNdjson = split(ndjson);
    const gotOcsf = split(ocsf);
    expect(gotNdjson.length).toBe(former.ndjson.length);
    expect(former.ndjson.length).toBeGreaterThan(catalog.length + 500);
    for (let i = 0; i < gotNdjson.length; i++) expect(gotNdjson[i], `ndjson line ${i}`).toBe(former.ndjson[i]);
    for (let i = 0; i < gotOcsf.length; i++) expect(gotOcsf[i], `ocsf line ${i}`).toBe(former.ocsf[i]);
    // every catalog type went through, and both roads were taken: the index names and __proto__ the slow one
    for (const e of catalog) expect(types.has(e.type), e.type).toBe(true);
    expect(slow).toEqual(expect.arrayContaining(['activity_01TEXTindexKeys00000000002', 'activity_01TEXTproto00000000000003', 'activity_01TEXTnoActorNanos000004']));
    expect(slow.length).toBeLessThan(10);
    // the odd strings came through the lake as they were sent
    const odd = gotNdjson.map((l) => JSON.parse(l) as Record<string, unknown>).find((a) => a.id === 'activity_01TEXTstrings000000000001')!;
    expect(odd[`we"ird\\key ${ODD}`]).toBe(ODD);
    expect((odd.actor as Record<string, unknown>).user_agent).toBe(ODD);

    // the built CLI maps on threads (src/siem/mapping.ts): the same bytes, in the same order
    requireBuiltCli();
    for (const [format, want] of [['ocsf', former.ocsf], ['ndjson', former.ndjson]] as const) {
      const run = await runCli(['events', '--format', format, '--data-dir', data.dir]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.split('\n').slice(0, -1)).toEqual(want);
    }
  }, 180_000);

  it('builds in one pass (ocsf-row.ts) the text of the served record road, over every lake row and with varied user records', async () => {
    const mapper = new OcsfMapper();
    const texts: string[] = [];
    for (const dir of [data.dir, varied.dir]) {
      const reader = await ActivityReader.open(dir, { noHistory: dir === varied.dir });
      try {
        for await (const slice of reader.texts({})) texts.push(...slice);
      } finally {
        reader.close();
      }
    }
    const next = random(18);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
    const roles = ['admin', 'owner', 'primary_owner', 'user', 'member', '', null];
    const counts = { rows: 0, oneRoad: 0, plain: 0, escaped: 0, withUser: 0 };
    for (const text of texts) {
      const values = JSON.parse(text) as unknown[];
      // the row as read, then with a user record of random shape (the lake's history has plain ones only)
      const variants = [values.length > 14 ? values : [...values, null, null, null, null, null, null, null]];
      const user = [pick([...PLAIN, ...HOSTILE]), pick([...PLAIN, ...HOSTILE, null]), pick([...PLAIN, ...HOSTILE, null]), pick(roles), pick(['2026-10-01T00:00:00.000000Z', null]), pick(['2026-12-01T00:00:00.000000Z', null]), next() < 0.8];
      variants.push([...values.slice(0, 14), ...user]);
      for (const v of variants) {
        const r = lakeActivity(JSON.stringify(v));
        const got = eventText(r, r.values(), mapper);
        const want = formerEventText(r, r.values(), mapper);
        expect(got.text, r.text).toBe(want.text);
        expect(got.ascii).toBe(want.ascii);
        // the same as JSON.stringify of toOcsf's event
        expect(JSON.parse(got.text)).toEqual(JSON.parse(JSON.stringify(mapper.toOcsf(r.activity, r.user, r.json))));
        const plain = r.ascii && !r.text.includes('\\');
        counts.rows++;
        if (ocsfRowText(mapper, r.values(), userOf(r.values()), plain) !== null) {
          counts.oneRoad++;
          if (plain) counts.plain++;
          else counts.escaped++;
          if (userOf(r.values())) counts.withUser++;
        }
      }
    }
    // most rows take the one-pass road (the rest: nanoseconds, index names, __proto__, non-object `rest`), with and without escapes and user records
    expect(counts.rows).toBeGreaterThan(2 * (catalog.length + 2000));
    expect(counts.oneRoad).toBeGreaterThan(counts.rows * 0.8);
    expect(counts.plain).toBeGreaterThan(1000);
    expect(counts.escaped).toBeGreaterThan(500);
    expect(counts.withUser).toBeGreaterThan(1000);
  }, 180_000);

  it('reads a created_at text as Date.parse does (lakeMs), or says NaN', () => {
    const next = random(7);
    const digits = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 10)).join('');
    const two = (below: number) => String(Math.floor(next() * below)).padStart(2, '0');
    const texts = ['2020-11-10T00:00:02.450999Z', '1969-12-31T23:59:59.999999Z', '0001-01-01T00:00:00.000000Z', '9999-12-31T23:59:59.999999Z', '2020-02-30T00:00:00.000000Z',
      '2020-02-29T12:00:00.000001Z', '2020-11-10T24:00:00.000000Z', '2020-11-10T23:60:00.000000Z', '2020-11-10T23:59:60.000000Z', '2020-13-10T00:00:00.000000Z', '2020-11-10T00:00:02.45a999Z',
      '2020-11-10 00:00:02.450999Z', '2020-11-10T00:00:02.450999+', '2020-11-10T00:00:02.4509999Z', '2020-11-10T00:00:02Z'];
    for (let i = 0; i < 3000; i++) {
      const y = 1900 + Math.floor(next() * 200);
      texts.push(`${y}-${String(1 + Math.floor(next() * 12)).padStart(2, '0')}-${String(1 + Math.floor(next() * 31)).padStart(2, '0')}T${two(24)}:${two(60)}:${two(60)}.${digits(6)}Z`);
    }
    let fast = 0;
    for (const text of texts)
      for (let keep = 0; keep <= 6; keep++) {
        const ms = lakeMs(text, keep);
        const frac = /\.(\d{6})Z$/.exec(text);
        const served = frac ? text.replace(/\.(\d{6})Z$/, keep === 0 ? 'Z' : `.${frac[1].slice(0, keep)}Z`) : text;
        if (Number.isNaN(ms)) continue;
        fast++;
        expect(ms, `${text} ${keep}`).toBe(Date.parse(served));
      }
    expect(fast).toBeGreaterThan(7 * 1000);
    // and their text, as JSON.stringify and toFixed(3) write it
    for (const ms of [0, 1, 999, 1000, 1001, 1604966402450, 1604966402000, -1, -1001, 2 ** 31 * 1000 - 1, 2 ** 31 * 1000, 253402300799999, NaN, Infinity, 1.5, ...texts.map((t) => Date.parse(t))]) {
      expect(msText(ms), String(ms)).toBe(JSON.stringify(ms));
      expect(secondsText(ms), String(ms)).toBe((ms / 1000).toFixed(3));
    }
  });

  it('gives the same framed bytes, slice after slice in order, on two mapping threads as on this one', async () => {
    requireBuiltCli();
    // the compiled module: its worker file is beside it (the sources map on this thread only)
    const built = (await import(pathToFileURL(join(dirname(CLI), '../siem/mapping.js')).href)) as typeof import('../src/siem/mapping.js');
    const reader = await ActivityReader.open(data.dir);
    const frame = { kind: 'bulk', action: '{"create":{"_index":"i","_id":' } as const;
    const texts: string[][] = [];
    try {
      // small slices, so that both threads take many and their answers interleave
      for await (const slice of reader.texts({})) for (let i = 0; i < slice.length; i += 7) texts.push(slice.slice(i, i + 7));
    } finally {
      reader.close();
    }
    // slices larger than a shared buffer (1 MiB), among the others: they come back in buffers of their own
    const big = texts[0].map((t) => {
      const v = JSON.parse(t) as unknown[];
      return JSON.stringify([...v.slice(0, 13), { ...(v[13] as object), big: 'x'.repeat(400_000) }, ...v.slice(14)]);
    });
    texts.splice(3, 0, big, big.slice(0, 2));
    for (const ocsf of [true, false]) {
      const threads = built.openMappingPool({ ocsf, frame }, 2);
      const inline = openMappingPool({ ocsf, frame }, 0);
      try {
        const rows = async function* () {
          yield* texts;
        };
        const got: Buffer[] = [];
        const ids: string[] = [];
        for await (const s of built.mapInOrder(threads, rows())) {
          got.push(Buffer.from(s.bytes));
          ids.push(...s.ids);
          expect(s.ends[s.ends.length - 1]).toBe(s.bytes.length);
          s.done();
        }
        const want: Buffer[] = [];
        for await (const s of mapInOrder(inline, rows())) {
          want.push(Buffer.from(s.bytes));
          s.done();
        }
        expect(Buffer.concat(got).equals(Buffer.concat(want))).toBe(true);
        expect(Buffer.concat(got).length).toBeGreaterThan(big.length * 400_000);
        expect(ids).toEqual(texts.flat().map((t) => (JSON.parse(t) as string[])[0]));
      } finally {
        await threads.close();
        await inline.close();
      }
    }
  }, 180_000);
});
