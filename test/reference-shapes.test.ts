// Response shapes of the API reference (test/fixtures/reference/*.json) held against the simulator's raw wire
// format field by field, against the client's normaliser, and against their own examples (compliance-api.md §2–§4, §6).
//
// A fixture's `fields` describe the top-level object: per field its JSON `type`, `nullable`, `required`, and
// optionally `prefix`, `format` (uuid, md5), `enum`, `timestamp`, nested `fields`/`items`, a discriminated
// `union`, or a `ref` to another fixture's shape. Objects are allow-lists unless `additional_fields` is set
// (activities: type-specific fields sit flat next to `type`, §3.1). `timestamp_styles` lists the offset forms
// the reference documents for that response: `Z`, a numeric `offset` (+00:00), or `none` (roles, groups, members).
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ComplianceClient, PermissionError, parseErrorBody, type Activity } from '../src/api/index.js';
import { ROUTES } from '../src/simulator/server/router.js';
import type { Simulator } from '../src/simulator/server/app.js';
import type { SyntheticTenant } from '../src/simulator/tenant/index.js';
import { json } from './support/api-fake-fetch.js';
import { BEFORE_NOW, KEYS, MINUTE, NOW, type Transport, connect, makeSim, makeTenant } from './support/sim-harness.js';

type JsonType = 'string' | 'number' | 'boolean' | 'array' | 'object';
type TimestampStyle = 'Z' | 'offset' | 'none';

interface FieldSpec {
  type: JsonType;
  nullable: boolean;
  required: boolean;
  prefix?: string;
  format?: 'uuid' | 'md5';
  enum?: (string | null)[];
  timestamp?: true;
  items?: FieldSpec;
  fields?: Record<string, FieldSpec>;
  union?: UnionSpec;
  ref?: string;
  additional_fields?: boolean;
  note?: string;
}

interface UnionSpec {
  discriminator: string;
  variants: Record<string, Record<string, FieldSpec>>;
  /** Unknown discriminator values pass through unchecked (actor types, §3.1). */
  unknown_variants?: boolean;
  note?: string;
}

interface Fixture {
  name: string;
  source: string;
  endpoint: string;
  timestamp_styles?: TimestampStyle[];
  fields?: Record<string, FieldSpec>;
  union?: UnionSpec;
  headers?: Record<string, FieldSpec>;
  example: unknown;
}

// ---- fixtures -----------------------------------------------------------------------------------

const FIXTURE_DIR = new URL('./fixtures/reference/', import.meta.url);
const FIXTURES: Record<string, Fixture> = Object.fromEntries(
  readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [f, { name: f, ...(JSON.parse(readFileSync(new URL(f, FIXTURE_DIR), 'utf8')) as Omit<Fixture, 'name'>) }]),
);
const NAMES = Object.keys(FIXTURES);

function fixture(name: string): Fixture {
  const fx = FIXTURES[name];
  if (!fx) throw new Error(`no fixture ${name}`);
  return fx;
}

/** The fixture's top-level object as a field spec. */
function rootSpec(fx: Fixture): FieldSpec {
  return { type: 'object', nullable: false, required: true, fields: fx.fields, union: fx.union };
}

// ---- timestamps, parsed independently of the client ---------------------------------------------------

const TIMESTAMP = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d{1,9})?(Z|[+-](\d\d):(\d\d))?$/;
const CANONICAL_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MD5 = /^[0-9a-f]{32}$/;

/** The offset style of an RFC 3339 / ISO 8601 timestamp with a valid calendar date, or undefined. */
function timestampStyle(s: string): TimestampStyle | undefined {
  const m = TIMESTAMP.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number);
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, sec));
  const valid =
    t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && t.getUTCHours() === h && t.getUTCMinutes() === mi && t.getUTCSeconds() === sec;
  if (!valid || (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59))) return undefined;
  return m[8] === undefined ? 'none' : m[8] === 'Z' ? 'Z' : 'offset';
}

/** Microseconds since the epoch; no offset reads as UTC, as the reference implies. */
function instantUs(s: string): number {
  const m = TIMESTAMP.exec(s);
  if (!m) throw new Error(`not a timestamp: ${s}`);
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number);
  const sign = m[8]?.startsWith('-') ? -1 : 1;
  const offsetMs = m[9] === undefined ? 0 : sign * (Number(m[9]) * 60 + Number(m[10])) * 60_000;
  const frac = Number((m[7] ?? '.').slice(1).padEnd(6, '0').slice(0, 6));
  return (Date.UTC(y, mo - 1, d, h, mi, sec) - offsetMs) * 1000 + frac;
}

// ---- the shape checker ----------------------------------------------------------------------------

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Checks values against field specs and keeps what it saw: problems (deduplicated by path pattern, so
 * thousands of records stay readable), timestamp styles per fixture, union variants, and present fields.
 */
class ShapeChecker {
  private readonly problems = new Map<string, { count: number; first: string }>();
  readonly styles = new Map<string, Set<TimestampStyle>>();
  readonly variants = new Map<UnionSpec, Map<string, number>>();
  readonly present = new Set<FieldSpec>();

  check(value: unknown, fx: Fixture, path = fx.name): void {
    this.value(value, rootSpec(fx), path, fx);
  }

  report(): string[] {
    return [...this.problems.values()].map((p) => (p.count > 1 ? `${p.first}  (${p.count}× in all)` : p.first));
  }

  seen(union: UnionSpec): string[] {
    return [...(this.variants.get(union)?.keys() ?? [])].sort();
  }

  private fail(path: string, what: string): void {
    const pattern = `${path.replace(/\[\d+\]/g, '[]')}: ${what.replace(/"[^"]*"/g, '…')}`;
    const hit = this.problems.get(pattern);
    if (hit) hit.count++;
    else this.problems.set(pattern, { count: 1, first: `${path}: ${what}` });
  }

  value(v: unknown, spec: FieldSpec, path: string, fx: Fixture): void {
    if (spec.ref) {
      const target = fixture(spec.ref);
      spec = { ...spec, ref: undefined, fields: target.fields, union: target.union };
      if (target.timestamp_styles) fx = target;
    }
    if (v === null) {
      if (!spec.nullable) this.fail(path, 'is null but not nullable');
      return;
    }
    const t = jsonType(v);
    if (t !== spec.type) return this.fail(path, `is ${t}, expected ${spec.type}`);
    if (spec.enum && !spec.enum.includes(v as string)) this.fail(path, `"${String(v)}" is not one of ${JSON.stringify(spec.enum)}`);
    if (typeof v === 'string') this.string(v, spec, path, fx);
    if (Array.isArray(v) && spec.items) v.forEach((item, i) => this.value(item, spec.items as FieldSpec, `${path}[${i}]`, fx));
    if (t === 'object') this.object(v as Record<string, unknown>, spec, path, fx);
  }

  private string(v: string, spec: FieldSpec, path: string, fx: Fixture): void {
    if (spec.prefix && !v.startsWith(spec.prefix)) this.fail(path, `"${v}" lacks the prefix ${spec.prefix}`);
    if (spec.format === 'uuid' && !UUID.test(v)) this.fail(path, `"${v}" is not a UUID`);
    if (spec.format === 'md5' && !MD5.test(v)) this.fail(path, `"${v}" is not lowercase hex MD5`);
    if (!spec.timestamp) return;
    const style = timestampStyle(v);
    if (!style) return this.fail(path, `"${v}" is not an RFC 3339 / ISO 8601 timestamp`);
    let seen = this.styles.get(fx.name);
    if (!seen) this.styles.set(fx.name, (seen = new Set()));
    seen.add(style);
    const allowed = fx.timestamp_styles ?? [];
    if (!allowed.includes(style)) this.fail(path, `"${v}" has offset style ${style}; ${fx.name} allows ${allowed.join(', ')}`);
  }

  private object(v: Record<string, unknown>, spec: FieldSpec, path: string, fx: Fixture): void {
    let fields = spec.fields ?? {};
    if (spec.union) {
      const { discriminator, variants } = spec.union;
      const d = v[discriminator];
      if (typeof d !== 'string') return this.fail(`${path}.${discriminator}`, 'discriminator is not a string');
      let counts = this.variants.get(spec.union);
      if (!counts) this.variants.set(spec.union, (counts = new Map()));
      counts.set(d, (counts.get(d) ?? 0) + 1);
      const variant = variants[d];
      if (!variant) {
        if (!spec.union.unknown_variants) this.fail(`${path}.${discriminator}`, `unknown variant "${d}"`);
        return;
      }
      fields = { [discriminator]: { type: 'string', nullable: false, required: true }, ...variant };
    }
    for (const [name, f] of Object.entries(fields)) {
      if (!Object.hasOwn(v, name)) {
        if (f.required) this.fail(`${path}.${name}`, 'is missing');
        continue;
      }
      this.present.add(f);
      this.value(v[name], f, `${path}.${name}`, fx);
    }
    if (spec.additional_fields) return;
    for (const key of Object.keys(v)) if (!Object.hasOwn(fields, key)) this.fail(`${path}.${key}`, 'is not in the fixture');
  }
}

function expectConforms(checker: ShapeChecker, what: string): void {
  expect(checker.report(), what).toEqual([]);
}

// ---- fixture validity ---------------------------------------------------------------------------------

const JSON_TYPES: readonly string[] = ['string', 'number', 'boolean', 'array', 'object'];
const SPEC_KEYS = new Set(['type', 'nullable', 'required', 'prefix', 'format', 'enum', 'timestamp', 'items', 'fields', 'union', 'ref', 'additional_fields', 'note']);

/** Problems with the spec itself: unknown keys, keys on the wrong type, dangling refs. */
function specProblems(spec: FieldSpec, path: string, out: string[]): void {
  for (const k of Object.keys(spec)) if (!SPEC_KEYS.has(k)) out.push(`${path}: unknown spec key ${k}`);
  if (!JSON_TYPES.includes(spec.type)) out.push(`${path}: bad type ${String(spec.type)}`);
  if (typeof spec.nullable !== 'boolean' || typeof spec.required !== 'boolean') out.push(`${path}: nullable and required must be booleans`);
  if ((spec.prefix || spec.format || spec.timestamp) && spec.type !== 'string') out.push(`${path}: prefix/format/timestamp on a ${spec.type}`);
  if (spec.enum && (!Array.isArray(spec.enum) || spec.enum.length === 0)) out.push(`${path}: empty enum`);
  if (spec.enum?.includes(null) && !spec.nullable) out.push(`${path}: null in the enum of a non-nullable field`);
  if (spec.type === 'array') {
    if (!spec.items) out.push(`${path}: array without items`);
    else specProblems(spec.items, `${path}[]`, out);
  }
  if (spec.type !== 'array' && spec.items) out.push(`${path}: items on a ${spec.type}`);
  if ((spec.fields || spec.union || spec.ref || spec.additional_fields) && spec.type !== 'object') out.push(`${path}: object keys on a ${spec.type}`);
  if (spec.type === 'object' && [spec.fields, spec.union, spec.ref].filter(Boolean).length !== 1) {
    out.push(`${path}: an object needs exactly one of fields, union, ref`);
  }
  if (spec.ref && !FIXTURES[spec.ref]) out.push(`${path}: ref ${spec.ref} does not exist`);
  for (const [name, f] of Object.entries(spec.fields ?? {})) specProblems(f, `${path}.${name}`, out);
  if (spec.union) {
    for (const [variant, fields] of Object.entries(spec.union.variants)) {
      for (const [name, f] of Object.entries(fields)) specProblems(f, `${path}<${variant}>.${name}`, out);
    }
  }
}

/** Every field spec and union of a fixture's own tree (refs are not followed: the target is checked on its own). */
function walkSpecs(spec: FieldSpec, path: string, visit: (spec: FieldSpec, path: string) => void, unions: (u: UnionSpec, path: string) => void): void {
  visit(spec, path);
  if (spec.items) walkSpecs(spec.items, `${path}[]`, visit, unions);
  for (const [name, f] of Object.entries(spec.fields ?? {})) walkSpecs(f, `${path}.${name}`, visit, unions);
  if (spec.union) {
    unions(spec.union, path);
    for (const [variant, fields] of Object.entries(spec.union.variants)) {
      for (const [name, f] of Object.entries(fields)) walkSpecs(f, `${path}<${variant}>.${name}`, visit, unions);
    }
  }
}

function hasTimestamps(fx: Fixture): boolean {
  let found = false;
  walkSpecs(rootSpec(fx), fx.name, (s) => (found ||= s.timestamp === true || (s.ref !== undefined && hasTimestamps(fixture(s.ref)))), () => {});
  return found;
}

/** Fields without their notes, for comparing two fixtures that describe the same object. */
function withoutNotes(fields: Record<string, FieldSpec>): unknown {
  return JSON.parse(JSON.stringify(fields, (k, v) => (k === 'note' ? undefined : v)));
}

const examplesOf = (fx: Fixture): unknown[] => (fx.union ? (fx.example as unknown[]) : [fx.example]);

describe('reference fixtures', () => {
  test.each(NAMES)('%s: well-formed spec, example conforms to it and shows every field and variant', (name) => {
    const fx = fixture(name);
    expect(fx.source).toMatch(/^compliance-api\.md §\d/);
    expect(fx.endpoint).toMatch(/^(GET \/v1\/compliance\/|any \/v1\/compliance endpoint)/);
    expect(fx.example).toBeDefined();
    if (fx.union) expect(Array.isArray(fx.example), 'a union fixture holds one example per variant').toBe(true);
    else expect(jsonType(fx.example)).toBe('object');

    const problems: string[] = [];
    specProblems(rootSpec(fx), name, problems);
    for (const [header, spec] of Object.entries(fx.headers ?? {})) specProblems(spec, `${name} header ${header}`, problems);
    expect(problems).toEqual([]);
    expect(fx.timestamp_styles !== undefined, 'timestamp_styles is set exactly when there are timestamp fields').toBe(hasTimestamps(fx));
    for (const style of fx.timestamp_styles ?? []) expect(['Z', 'offset', 'none']).toContain(style);

    const checker = new ShapeChecker();
    for (const [i, example] of examplesOf(fx).entries()) checker.check(example, fx, `${name}.example[${i}]`);
    expectConforms(checker, `${name} example`);

    // complete: every field of the fixture's own tree appears at least once, and every union variant
    const missing: string[] = [];
    walkSpecs(
      rootSpec(fx),
      name,
      (spec, path) => {
        if (path !== name && !path.endsWith('[]') && !checker.present.has(spec)) missing.push(path);
      },
      (union, path) => {
        for (const v of Object.keys(union.variants)) if (!checker.seen(union).includes(v)) missing.push(`${path}<${v}>`);
      },
    );
    expect(missing, 'fields and variants the example never shows').toEqual([]);
  });

  test('the checker rejects what the fixtures forbid', () => {
    const role = fixture('role.json');
    const bad = [
      [{ ...(role.example as object), surprise: 1 }, 'surprise: is not in the fixture'],
      [{ ...(role.example as object), id: 'role_01' }, 'lacks the prefix rbac_role_'],
      [{ ...(role.example as object), name: null }, 'is null but not nullable'],
      [{ ...(role.example as object), created_at: '2025-03-12T18:22:41+00:00' }, 'has offset style offset'],
      [{ ...(role.example as object), updated_at: '2025-02-30T00:00:00Z' }, 'is not an RFC 3339'],
      [{ ...(role.example as object), description: 3 }, 'is number, expected string'],
    ] as const;
    for (const [value, problem] of bad) {
      const checker = new ShapeChecker();
      checker.check(value, role);
      expect(checker.report().join('\n')).toContain(problem);
    }
    const { description: _d, ...withoutDescription } = role.example as Record<string, unknown>;
    const checker = new ShapeChecker();
    checker.check(withoutDescription, role);
    expect(checker.report().join('\n')).toContain('description: is missing');
  });

  test('fixtures that describe the same object agree, and every simulated route has a fixture', () => {
    const chatItem = fixture('chats-page.json').fields?.data.items?.fields ?? {};
    const { chat_messages: _m, has_more: _h, first_id: _f, last_id: _l, ...chatOfMessages } = fixture('chat-messages.json').fields ?? {};
    expect(withoutNotes(chatOfMessages), 'messages = chat metadata + messages (§2.3)').toEqual(withoutNotes(chatItem));

    const projectItem = fixture('projects-page.json').fields?.data.items?.fields ?? {};
    const { description: _d, instructions: _i, chats_count: _c, attachments_count: _a, ...projectList } = fixture('project.json').fields ?? {};
    expect(withoutNotes(projectList), 'project detail = list shape + four fields (§2.4)').toEqual(withoutNotes(projectItem));

    const endpoints = new Set(NAMES.map((n) => /^GET (\S+)$/.exec(fixture(n).endpoint)?.[1]).filter(Boolean));
    for (const route of ROUTES) expect(endpoints, `fixture for ${route.pattern}`).toContain(route.pattern);
  });
});

// ---- the simulator's wire format ------------------------------------------------------------------------

interface Raw {
  status: number;
  headers: Headers;
  body: any;
}

/** One request as any HTTP client would send it: no client, no normalisation. */
async function raw(t: Transport, path: string, key: string = KEYS.full): Promise<Raw> {
  const res = await t.fetch(`${t.baseUrl}${path}`, { headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01' } });
  const text = await res.text();
  expect(res.headers.get('content-type') ?? '', path).toContain('application/json');
  return { status: res.status, headers: res.headers, body: JSON.parse(text) };
}

async function ok(t: Transport, path: string): Promise<any> {
  const r = await raw(t, path);
  if (r.status !== 200) expect(r.status, `${path}: ${JSON.stringify(r.body).slice(0, 300)}`).toBe(200);
  return r.body;
}

const enc = encodeURIComponent;
const V = '/v1/compliance';
const ACTORS = fixture('activity-actors.json');

describe.each(['reference', 'z'] as const)('simulator responses match the reference shapes (%s timestamps)', (style) => {
  let tenant: SyntheticTenant;
  let sim: Simulator;
  let t: Transport;
  beforeAll(async () => {
    tenant = makeTenant({ timestampStyle: style });
    // no rate budget: the frozen clock would otherwise keep every request in one 600-request window
    sim = makeSim({ shared: tenant, sim: { rpm: 0 } });
    t = await connect(sim, 'in-process');
  });
  afterAll(async () => {
    await t.close();
  });

  test('directory: organizations, users, roles, role, permissions, groups, group, members', async () => {
    const checker = new ShapeChecker();
    const orgs = await ok(t, `${V}/organizations`);
    checker.check(orgs, fixture('organizations-page.json'));
    const first = await ok(t, `${V}/organizations?limit=1`);
    checker.check(first, fixture('organizations-page.json'));
    expect(first.has_more).toBe(true);
    expect(typeof first.next_page).toBe('string');
    checker.check(await ok(t, `${V}/organizations?limit=1&page=${enc(first.next_page)}`), fixture('organizations-page.json'));

    let roles = 0;
    for (const org of orgs.data) {
      checker.check(await ok(t, `${V}/organizations/${org.uuid}/users`), fixture('users-page.json'));
      checker.check(await ok(t, `${V}/organizations/${org.uuid}/settings`), fixture('organization-settings.json'));
      const page = await ok(t, `${V}/organizations/${org.uuid}/roles`);
      checker.check(page, fixture('roles-page.json'));
      for (const role of page.data.slice(0, 3)) {
        roles++;
        checker.check(await ok(t, `${V}/organizations/${org.uuid}/roles/${enc(role.id)}`), fixture('role.json'));
        checker.check(await ok(t, `${V}/organizations/${org.uuid}/roles/${enc(role.id)}/permissions`), fixture('role-permissions-page.json'));
      }
    }
    const groups = await ok(t, `${V}/groups`);
    checker.check(groups, fixture('groups-page.json'));
    for (const group of groups.data.slice(0, 6)) {
      checker.check(await ok(t, `${V}/groups/${enc(group.id)}`), fixture('group.json'));
      checker.check(await ok(t, `${V}/groups/${enc(group.id)}/members`), fixture('group-members-page.json'));
    }
    expectConforms(checker, 'directory responses');
    expect(roles).toBeGreaterThan(0);
    expect(groups.data.length).toBeGreaterThan(0);

    // the allowed offset styles were exercised, not vacuously passed
    const styles = (name: string) => [...(checker.styles.get(name) ?? [])].sort();
    if (style === 'reference') {
      expect(styles('organizations-page.json')).toEqual(['offset']);
      expect(styles('role.json')).toEqual(['none']);
      expect(styles('group.json')).toEqual(['none']);
      expect(styles('group-members-page.json')).toEqual(['none']);
    } else {
      for (const name of ['organizations-page.json', 'role.json', 'group.json', 'group-members-page.json']) expect(styles(name)).toEqual(['Z']);
    }
    expect(styles('users-page.json')).toEqual(['Z']);
  });

  test('content: chats, chat messages, file metadata, projects, project, attachments', async () => {
    const checker = new ShapeChecker();
    const chats = await ok(t, `${V}/apps/chats?limit=1000`);
    checker.check(chats, fixture('chats-page.json'));
    expect(chats.data.length).toBeGreaterThan(20);
    checker.check(await ok(t, `${V}/apps/chats?limit=2&after_id=${enc(chats.first_id)}`), fixture('chats-page.json'));

    const fileIds = new Set<string>();
    for (const chat of chats.data.slice(0, 80)) {
      const page = await ok(t, `${V}/apps/chats/${enc(chat.id)}/messages`);
      checker.check(page, fixture('chat-messages.json'));
      for (const m of page.chat_messages) for (const f of m.files ?? []) fileIds.add(f.id);
    }
    checker.check(await ok(t, `${V}/apps/chats/${enc(chats.data[0].id)}/messages?limit=1`), fixture('chat-messages.json'));

    const projects = await ok(t, `${V}/apps/projects?limit=100`);
    checker.check(projects, fixture('projects-page.json'));
    expect(projects.data.length).toBeGreaterThan(0);
    for (const project of projects.data.slice(0, 12)) {
      checker.check(await ok(t, `${V}/apps/projects/${enc(project.id)}`), fixture('project.json'));
      const attachments = await ok(t, `${V}/apps/projects/${enc(project.id)}/attachments`);
      checker.check(attachments, fixture('project-attachments-page.json'));
      for (const a of attachments.data) if (a.type === 'project_file') fileIds.add(a.id);
    }
    // file metadata covers chat uploads and project files alike (§2.3 #14)
    expect(fileIds.size).toBeGreaterThan(0);
    for (const id of [...fileIds].slice(0, 20)) checker.check(await ok(t, `${V}/apps/chats/files/${enc(id)}`), fixture('file.json'));
    expectConforms(checker, 'content responses');

    const blocks = fixture('chat-messages.json').fields?.chat_messages.items?.fields?.content.items?.union as UnionSpec;
    expect(checker.seen(blocks)).toEqual(['text', 'tool_result', 'tool_use']);
    const attachmentUnion = fixture('project-attachments-page.json').fields?.data.items?.union as UnionSpec;
    expect(checker.seen(attachmentUnion)).toEqual(['project_doc', 'project_file']);
  });

  test('content added in issue 11: generated files, artifacts, collaborators, documents, sessions, code artifacts, downloads', async () => {
    const checker = new ShapeChecker();
    const chats = await ok(t, `${V}/apps/chats?limit=1000`);
    const generated = new Set<string>();
    const versions = new Set<string>();
    for (const chat of chats.data) {
      const page = await ok(t, `${V}/apps/chats/${enc(chat.id)}/messages`);
      for (const m of page.chat_messages) {
        for (const g of m.generated_files ?? []) generated.add(g.id);
        for (const a of m.artifacts ?? []) versions.add(a.version_id);
      }
    }
    expect(generated.size).toBeGreaterThan(0);
    expect(versions.size).toBeGreaterThan(0);
    for (const id of [...generated].slice(0, 10)) checker.check(await ok(t, `${V}/apps/chats/generated-files/${enc(id)}`), fixture('generated-file.json'));
    for (const id of [...versions].slice(0, 10)) {
      checker.check(await ok(t, `${V}/apps/artifacts/${enc(id)}`), fixture('artifact.json'));
      checker.check(await ok(t, `${V}/apps/artifacts/${enc(id)}/content`), fixture('artifact-content.json'));
    }

    const projects = await ok(t, `${V}/apps/projects?limit=100`);
    const docs: string[] = [];
    for (const project of projects.data) {
      checker.check(await ok(t, `${V}/apps/projects/${enc(project.id)}/collaborators?limit=100`), fixture('project-collaborators-page.json'));
      const attachments = await ok(t, `${V}/apps/projects/${enc(project.id)}/attachments?limit=100`);
      for (const a of attachments.data) if (a.type === 'project_doc') docs.push(a.id);
    }
    expect(docs.length).toBeGreaterThan(0);
    for (const id of docs.slice(0, 10)) {
      checker.check(await ok(t, `${V}/apps/projects/documents/${enc(id)}`), fixture('project-document.json'));
      checker.check(await ok(t, `${V}/apps/projects/documents/${enc(id)}/metadata`), fixture('project-document-metadata.json'));
    }

    const local = await ok(t, `${V}/apps/sessions/local?limit=500`);
    checker.check(local, fixture('local-sessions-page.json'));
    expect(local.data.length).toBeGreaterThan(0);
    for (const s of local.data.slice(0, 10)) {
      checker.check(await ok(t, `${V}/apps/sessions/local/${enc(s.id)}`), fixture('local-session.json'));
      checker.check(await ok(t, `${V}/apps/sessions/local/${enc(s.id)}/messages`), fixture('local-session-messages.json'));
    }
    const remote = await ok(t, `${V}/apps/sessions/remote?limit=500`);
    checker.check(remote, fixture('remote-sessions-page.json'));
    for (const s of remote.data.filter((r: any) => r.status !== 'pending').slice(0, 10)) {
      checker.check(await ok(t, `${V}/apps/sessions/remote/${enc(s.id)}/messages`), fixture('remote-session-messages.json'));
    }
    const artifacts = await ok(t, `${V}/apps/code/artifacts?limit=100`);
    checker.check(artifacts, fixture('code-artifacts-page.json'));
    expectConforms(checker, 'issue 11 content responses');

    const sessionBlocks = fixture('local-session-messages.json').fields?.data.items?.fields?.content.items?.union as UnionSpec;
    expect(checker.seen(sessionBlocks)).toEqual(['text', 'tool_result', 'tool_use']);
    const collaborators = fixture('project-collaborators-page.json').fields?.data.items?.union as UnionSpec;
    expect(checker.seen(collaborators)).toEqual(['group', 'organization', 'organization_role', 'user']);

    // downloads: the headers of §2.3/§2.7 against their fixtures
    const fileId = (await ok(t, `${V}/apps/projects/${enc(projects.data[0].id)}/attachments?limit=100`)).data.find((a: any) => a.type === 'project_file')?.id;
    const artifact = artifacts.data.find((a: any) => a.versions.length > 0);
    const downloads: [string, string][] = [
      [`${V}/apps/chats/generated-files/${enc([...generated][0])}/content`, 'generated-file-content.json'],
      [`${V}/apps/code/artifacts/${enc(artifact.id)}/versions/${enc(artifact.versions[artifact.versions.length - 1].id)}`, 'code-artifact-version.json'],
    ];
    if (fileId) downloads.push([`${V}/apps/chats/files/${enc(fileId)}/content`, 'file-content.json']);
    for (const [path, name] of downloads) {
      const res = await t.fetch(`${t.baseUrl}${path}`, { headers: { 'x-api-key': KEYS.full } });
      expect(res.status, path).toBe(200);
      await res.arrayBuffer();
      const fx = fixture(name);
      for (const [h, spec] of Object.entries(fx.headers ?? {})) {
        const value = res.headers.get(h);
        if (value === null) {
          if (spec.required && !spec.nullable) expect.fail(`${name}: header ${h} is missing`);
        } else checker.value(value, spec, `${name} header ${h}`, fx);
      }
    }
    expectConforms(checker, 'download headers');
  });

  test('activities: envelope and actor variants over the whole generated feed (a few thousand activities)', async () => {
    const checker = new ShapeChecker();
    const activities = fixture('activities-page.json');
    let cursor: string | undefined;
    let hasMore = true;
    let count = 0;
    for (let pages = 0; pages < 5 && hasMore; pages++) {
      const after = cursor ? `&after_id=${enc(cursor)}` : '';
      const page = await ok(t, `${V}/activities?limit=5000&created_at.lt=${enc(BEFORE_NOW)}${after}`);
      checker.check(page, activities);
      count += page.data.length;
      hasMore = page.has_more;
      cursor = page.last_id;
    }
    expect(hasMore, 'walked to the end of the feed').toBe(false);
    expect(count).toBeGreaterThan(3000);
    expectConforms(checker, 'activity pages');

    const actorTypes = checker.seen(ACTORS.union as UnionSpec);
    for (const required of ['user_actor', 'api_actor', 'admin_api_key_actor', 'unauthenticated_user_actor', 'scim_directory_sync_actor']) {
      expect(actorTypes).toContain(required);
    }
    // the simulator also sends an actor kind newer than the reference, which passes through (§3.1)
    const known = new Set(Object.keys(ACTORS.union?.variants ?? {}));
    expect(actorTypes.filter((a) => !known.has(a))).toEqual(['workload_agent_actor']);
    expect([...(checker.styles.get('activities-page.json') ?? [])].sort()).toEqual(style === 'reference' ? ['Z', 'offset'] : ['Z']);
  });

  test('compliance_api_accessed: the record of our own call (§2.1, §3.4)', async () => {
    // a second simulator on the same tenant, so moving its clock leaves the other tests' clock alone
    const own = makeSim({ shared: tenant, sim: { rpm: 0 } });
    const ot = await connect(own, 'in-process');
    // a minute after the other simulators' calls (all at NOW on their frozen clocks), so only ours is in the window
    const callMs = NOW + MINUTE;
    own.clock.set(callMs);
    const call = await raw(ot, `${V}/organizations?limit=2`);
    expect(call.status).toBe(200);
    const requestId = call.headers.get('request-id');
    own.clock.set(callMs + 2000); // the activity becomes visible about a second after the call
    const since = new Date(callMs).toISOString();
    const page = await ok(ot, `${V}/activities?activity_types[]=compliance_api_accessed&created_at.gte=${enc(since)}&limit=50`);
    const checker = new ShapeChecker();
    checker.check(page, fixture('activities-page.json'));
    expectConforms(checker, 'compliance_api_accessed page');
    const record = (page.data as Activity[]).find((a) => a.request_id === requestId);
    expect(record, `activity for ${requestId}`).toBeDefined();
    expect(record).toMatchObject({
      organization_id: null,
      organization_uuid: null,
      type: 'compliance_api_accessed',
      actor: { type: 'api_actor' },
      request_method: 'GET',
      status_code: 200,
      request_body: null,
    });
    expect(record?.request_id).toMatch(/^req_/);
    expect(String(record?.url)).toMatch(/\/v1\/compliance\/organizations\?limit=2$/);
    await ot.close();
  });
});

describe('error envelopes match error.json (§6.1, §6.2)', () => {
  let t: Transport;
  beforeAll(async () => {
    t = await connect(makeSim({ sim: { rpm: 0 } }), 'in-process');
  });

  const cases = [
    { status: 400, type: 'invalid_request_error', path: `${V}/activities?limit=0`, key: KEYS.full },
    { status: 401, type: 'authentication_error', path: `${V}/activities`, key: KEYS.unknown },
    { status: 403, type: 'permission_error', path: `${V}/organizations`, key: KEYS.admin },
    { status: 404, type: 'not_found_error', path: `${V}/groups/rbac_group_01NoSuchGroupNoSuchGroup12`, key: KEYS.full },
  ];
  test.each(cases)('$status $type', async ({ status, type, path, key }) => {
    const error = fixture('error.json');
    const res = await raw(t, path, key);
    expect(res.status).toBe(status);
    const checker = new ShapeChecker();
    checker.check(res.body, error);
    const headers = Object.fromEntries(Object.keys(error.headers ?? {}).map((h) => [h, res.headers.get(h) ?? undefined]));
    for (const [h, spec] of Object.entries(error.headers ?? {})) {
      if (headers[h] === undefined) {
        if (spec.required) expect.fail(`header ${h} is missing`);
      } else checker.value(headers[h], spec, `header ${h}`, error);
    }
    expectConforms(checker, `${status} response`);
    expect(res.body.error.type).toBe(type);
    expect(res.body.error.message.length).toBeGreaterThan(0);
    // the body's request_id is the header's, or null (a 401 body had null, WIRE)
    if (res.body.request_id !== null) expect(res.body.request_id).toBe(headers['request-id']);
    if (status === 403) expect(res.body.error.details?.error_visibility).toBeTypeOf('string');
  });
});

// ---- the client's normaliser on every example ---------------------------------------------------------------

const PROBE = { x_reference_probe: { nested: [1, 'two', null] } };
const withProbe = <T extends object>(record: T): T => ({ ...record, ...PROBE });

/** The same instant in canonical `Z` form; the examples use only zero offsets (their validity test checks styles). */
function toZ(s: string): string {
  expect(s, 'fixture examples use zero offsets').toMatch(/(Z|[+-]00:00|:\d\d(\.\d+)?)$/);
  return s.replace(/(Z|[+-]00:00)?$/, 'Z');
}

/** `record` with every timestamp field of `spec` rewritten to canonical `Z` (nested objects and arrays too). */
function expectedCanonical(value: unknown, spec: FieldSpec): unknown {
  if (value === null || value === undefined) return value;
  if (spec.ref) spec = rootSpec(fixture(spec.ref));
  if (spec.timestamp && typeof value === 'string') return toZ(value);
  if (Array.isArray(value)) return spec.items ? value.map((v) => expectedCanonical(v, spec.items as FieldSpec)) : value;
  if (typeof value !== 'object') return value;
  const v = value as Record<string, unknown>;
  let fields = spec.fields ?? {};
  if (spec.union) fields = spec.union.variants[String(v[spec.union.discriminator])] ?? {};
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fields[k] ? expectedCanonical(x, fields[k]) : x]));
}

/** Every timestamp in `value` per `spec` is canonical UTC and at the same instant as in `rawValue`. */
function expectTimestampsCanonical(value: unknown, rawValue: unknown, spec: FieldSpec, path: string): number {
  if (value === null || value === undefined) return 0;
  if (spec.ref) spec = rootSpec(fixture(spec.ref));
  if (spec.timestamp) {
    expect(value, path).toMatch(CANONICAL_UTC);
    expect(instantUs(value as string), `${path} keeps its instant`).toBe(instantUs(rawValue as string));
    return 1;
  }
  let n = 0;
  if (Array.isArray(value)) value.forEach((x, i) => (n += spec.items ? expectTimestampsCanonical(x, (rawValue as unknown[])[i], spec.items, `${path}[${i}]`) : 0));
  else if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    const r = rawValue as Record<string, unknown>;
    const fields = spec.union ? (spec.union.variants[String(v[spec.union.discriminator])] ?? {}) : (spec.fields ?? {});
    for (const [k, f] of Object.entries(fields)) n += expectTimestampsCanonical(v[k], r[k], f, `${path}.${k}`);
  }
  return n;
}

function clientServing(body: unknown, status = 200, headers: Record<string, string> = {}): ComplianceClient {
  return new ComplianceClient({
    apiKey: 'sk-ant-api01-reference-shapes-test-key',
    baseUrl: 'https://api.test',
    fetch: (async () => json(body, status, headers)) as typeof fetch,
    requestsPerMinute: 0,
    maxRetries: 0,
  });
}

type Records = { raw: unknown[]; out: unknown[]; spec: FieldSpec };

const ORG = 'ffaf4903-6a2d-4af0-ae66-174dc2a5f81a';

/** How each fixture reaches the client: the call, and the records (raw vs normalised) to compare. */
const NORMALISED: Record<string, (fx: Fixture, body: any) => Promise<Records[]>> = {
  'activities-page.json': async (fx, body) => page(fx, body, (c) => c.activities.list()),
  'organizations-page.json': async (fx, body) => page(fx, body, (c) => c.organizations.list()),
  'organization-settings.json': async (fx, body) => item(fx, body, (c) => c.organizationSettings.get(body.organization_id)),
  'users-page.json': async (fx, body) => page(fx, body, (c) => c.users.list(ORG)),
  'roles-page.json': async (fx, body) => page(fx, body, (c) => c.roles.list(ORG)),
  'role.json': async (fx, body) => item(fx, body, (c) => c.roles.get(ORG, body.id)),
  'role-permissions-page.json': async (fx, body) => page(fx, body, (c) => c.rolePermissions.list(ORG, 'rbac_role_01efiRNHioF8GXiyGq2ZxscX')),
  'groups-page.json': async (fx, body) => page(fx, body, (c) => c.groups.list()),
  'group.json': async (fx, body) => item(fx, body, (c) => c.groups.get(body.id)),
  'group-members-page.json': async (fx, body) => page(fx, body, (c) => c.groupMembers.list('rbac_group_01kDcg6xtGdwsrdK9kqkAMpK')),
  'chats-page.json': async (fx, body) => page(fx, body, (c) => c.chats.list()),
  'chat-messages.json': async (fx, body) => {
    const out = await clientServing(body).chatMessages.list(body.id);
    const { chat_messages, has_more: _h, first_id: _f, last_id: _l, ...chat } = body;
    const fields = fx.fields ?? {};
    const { chat_messages: messageSpec, has_more: _hs, first_id: _fs, last_id: _ls, ...chatFields } = fields;
    return [
      { raw: [chat], out: [out.chat], spec: { type: 'object', nullable: false, required: true, fields: chatFields } },
      { raw: chat_messages, out: out.data, spec: messageSpec.items as FieldSpec },
    ];
  },
  'file.json': async (fx, body) => item(fx, body, (c) => c.files.get(body.id)),
  'projects-page.json': async (fx, body) => page(fx, body, (c) => c.projects.list()),
  'project.json': async (fx, body) => item(fx, body, (c) => c.projects.get(body.id)),
  'project-attachments-page.json': async (fx, body) => page(fx, body, (c) => c.projectAttachments.list('claude_proj_01NLKbUph2Dhd8bR7NBwqcog')),
  'generated-file.json': async (fx, body) => item(fx, body, (c) => c.generatedFiles.get(body.id)),
  'artifact.json': async (fx, body) => item(fx, body, (c) => c.artifacts.get(body.version_id)),
  'artifact-content.json': async (fx, body) => item(fx, body, (c) => c.artifacts.content('claude_artifact_version_01FJRrMhK3uKve257setWoZz')),
  'project-collaborators-page.json': async (fx, body) => page(fx, body, (c) => c.projectCollaborators.list('claude_proj_01NLKbUph2Dhd8bR7NBwqcog')),
  'project-document.json': async (fx, body) => item(fx, body, (c) => c.projectDocuments.get(body.id)),
  'project-document-metadata.json': async (fx, body) => item(fx, body, (c) => c.projectDocuments.metadata(body.id)),
  'local-sessions-page.json': async (fx, body) => page(fx, body, (c) => c.localSessions.list()),
  'local-session.json': async (fx, body) => item(fx, body, (c) => c.localSessions.get(body.id)),
  'local-session-messages.json': async (fx, body) => sessionMessages(fx, body, (c) => c.localSessionMessages.list(body.session.id)),
  'remote-sessions-page.json': async (fx, body) => page(fx, body, (c) => c.remoteSessions.list()),
  'remote-session.json': async (fx, body) => {
    const out = await clientServing({ data: [body], next_page: null }).remoteSessions.list();
    return [{ raw: [body], out: out.data, spec: rootSpec(fx) }];
  },
  'remote-session-messages.json': async (fx, body) => sessionMessages(fx, body, (c) => c.remoteSessionMessages.list(body.session.id)),
  'code-artifacts-page.json': async (fx, body) => page(fx, body, (c) => c.codeArtifacts.list()),
};

/** Downloads are bytes, not JSON: their headers are checked against the simulator below and in test/endpoints-download.test.ts. */
const DOWNLOAD_FIXTURES = ['file-content.json', 'generated-file-content.json', 'code-artifact-version.json'];

async function sessionMessages(fx: Fixture, body: any, call: (c: ComplianceClient) => Promise<{ data: unknown[]; session: unknown }>): Promise<Records[]> {
  const out = await call(clientServing(body));
  return [
    { raw: [body.session], out: [out.session], spec: fx.fields?.session as FieldSpec },
    { raw: body.data, out: out.data, spec: fx.fields?.data.items as FieldSpec },
  ];
}

async function page(fx: Fixture, body: any, call: (c: ComplianceClient) => Promise<{ data: unknown[] }>): Promise<Records[]> {
  const out = await call(clientServing(body));
  return [{ raw: body.data, out: out.data, spec: fx.fields?.data.items as FieldSpec }];
}

async function item(fx: Fixture, body: any, call: (c: ComplianceClient) => Promise<{ data: unknown }>): Promise<Records[]> {
  const out = await call(clientServing(body));
  return [{ raw: [body], out: [out.data], spec: rootSpec(fx) }];
}

/** The example as served, with an unknown field on every record (and on the chat of a messages page). */
function probed(name: string, example: any): any {
  if (name === 'chat-messages.json') return withProbe({ ...example, chat_messages: example.chat_messages.map(withProbe) });
  if (example.session) return { ...example, session: withProbe(example.session), data: example.data.map(withProbe) };
  if (Array.isArray(example.data)) return { ...example, data: example.data.map(withProbe) };
  return withProbe(example);
}

describe("the client's normaliser on each fixture example", () => {
  test('every fixture is covered here or below', () => {
    expect([...Object.keys(NORMALISED), ...DOWNLOAD_FIXTURES, 'activity-actors.json', 'error.json'].sort()).toEqual(NAMES);
  });

  test.each(Object.keys(NORMALISED))('%s: timestamps become canonical UTC Z at the same instant; unknown fields survive', async (name) => {
    const fx = fixture(name);
    const body = probed(name, fx.example);
    let timestamps = 0;
    for (const { raw: rawRecords, out, spec } of await NORMALISED[name](fx, body)) {
      expect(out).toHaveLength(rawRecords.length);
      rawRecords.forEach((r, i) => {
        expect(out[i], `${name} record ${i}`).toEqual(expectedCanonical(r, spec));
        expect((out[i] as Record<string, unknown>).x_reference_probe).toEqual(PROBE.x_reference_probe);
        timestamps += expectTimestampsCanonical(out[i], r, spec, `${name}[${i}]`);
      });
    }
    if (fx.timestamp_styles) expect(timestamps, 'timestamps compared').toBeGreaterThan(0);
  });

  test('activity-actors.json: every actor variant passes through the client unchanged, unknown fields included', async () => {
    const actors = (ACTORS.example as Record<string, unknown>[]).map(withProbe);
    const unknownActor = { type: 'workload_agent_actor', agent_id: 'cagt_01X', runtime: { kind: 'managed_agent' } };
    const data = [...actors, unknownActor].map((actor, i) => ({
      id: `activity_01${String(i).padStart(22, 'A')}`,
      created_at: '2026-06-08T17:12:09.812446+00:00',
      organization_id: null,
      organization_uuid: null,
      actor,
      type: 'sso_login_initiated',
    }));
    const out = await clientServing({ data, has_more: false, first_id: null, last_id: null }).activities.list();
    expect(out.data.map((a) => a.actor)).toEqual([...actors, unknownActor]);
    expect(out.data.every((a) => a.created_at === '2026-06-08T17:12:09.812446Z')).toBe(true);
  });

  test('error.json: the example parses to its type, message and request id, and maps to the typed error', async () => {
    const example = fixture('error.json').example as { error: { type: string; message: string }; request_id: string };
    expect(parseErrorBody(JSON.stringify(example))).toEqual({
      errorType: example.error.type,
      message: example.error.message,
      requestId: example.request_id,
    });
    const err = await clientServing(example, 403, { 'request-id': example.request_id, 'x-should-retry': 'false' })
      .organizations.list()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(PermissionError);
    expect(err).toMatchObject({ status: 403, errorType: example.error.type, requestId: example.request_id });
  });
});
