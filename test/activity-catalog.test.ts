// schema/activity-types.json: one entry per known activity type, categorized by the written rules of
// src/models/catalog.ts, and (where the reference exists outside the repo) equal to what it builds.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { KNOWN_ACTOR_TYPES } from '../src/api/types.js';
import {
  buildCatalog,
  CATEGORIES,
  CATEGORIES_DOC_PATH,
  CATEGORY_OVERRIDES,
  categorize,
  CATALOG_PATH,
  classify,
  DEFAULT_REFERENCE_PATH,
  loadCatalog,
  packageRoot,
  RULES,
  serializeCatalog,
  SOURCES,
  UNKNOWN_FAMILY,
  withCategoryTables,
} from '../src/models/catalog.js';

const root = packageRoot();
const catalog = loadCatalog();
const byType = new Map(catalog.map((e) => [e.type, e]));

describe('the committed catalog', () => {
  test('has 485 unique types, sorted by type: 467 + 16 from the enum, 2 from Access Transparency', () => {
    expect(catalog).toHaveLength(485);
    expect(byType.size).toBe(485);
    const types = catalog.map((e) => e.type);
    expect(types).toEqual([...types].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const perSource = Object.fromEntries(SOURCES.map((s) => [s, catalog.filter((e) => e.source === s).length]));
    expect(perSource).toEqual({ 'reference-2026-08-14': 467, 'sdk-2026-09-04': 16, 'access-transparency': 2 });
  });

  test('every entry has the documented shape and valid values', () => {
    const actorTypes: readonly string[] = KNOWN_ACTOR_TYPES;
    for (const e of catalog) {
      expect(Object.keys(e), e.type).toEqual(['type', 'family', 'category', 'description', 'actors', 'fields', 'source']);
      expect(e.type, e.type).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(e.family, e.type).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(e.family, e.type).not.toBe(UNKNOWN_FAMILY);
      expect(CATEGORIES, e.type).toContain(e.category);
      expect(SOURCES, e.type).toContain(e.source);
      expect(e.description, e.type).toMatch(/^[A-Z].{10,200}\.$/);
      expect(e.actors.length, e.type).toBeGreaterThan(0);
      expect(new Set(e.actors).size, e.type).toBe(e.actors.length);
      for (const a of e.actors) expect(actorTypes, `${e.type} actor ${a}`).toContain(a);
      expect(new Set(e.fields).size, e.type).toBe(e.fields.length);
      for (const f of e.fields) expect(f, e.type).toMatch(/^[a-z][a-z0-9_]*$/);
    }
  });

  test('the file is exactly what serializeCatalog writes (one entry per line)', () => {
    expect(readFileSync(join(root, CATALOG_PATH), 'utf8')).toBe(serializeCatalog(catalog));
  });

  test('actors: "any" is all eleven actor types, narrower lists stay narrow', () => {
    expect(byType.get('claude_chat_created')!.actors).toEqual([...KNOWN_ACTOR_TYPES]);
    expect(byType.get('compliance_api_accessed')!.actors).toEqual(['api_actor']);
    expect(byType.get('sso_login_initiated')!.actors).toEqual(['unauthenticated_user_actor']);
    expect(byType.get('claude_organization_settings_updated')!.actors).toEqual(['user_actor', 'anthropic_actor']);
    expect(byType.get('anthropic_access')!.actors).toEqual(['anthropic_actor']);
    expect(byType.get('cmek_preserve')!.actors).toEqual(['anthropic_actor']);
  });

  test('fields are the type-specific names without ? markers', () => {
    expect(byType.get('compliance_api_accessed')!.fields).toEqual(['request_id', 'request_method', 'status_code', 'url', 'request_body']);
    expect(byType.get('group_member_added')!.fields).toEqual(['group_id', 'member_ids']);
    expect(byType.get('sso_login_failed')!.fields).toEqual([]);
    expect(byType.get('ccr_session_created')!.fields).toEqual([]);
    const accessTransparency = ['accessed_at', 'accessor_department', 'reason_code', 'resource_details', 'workspace_id'];
    expect(byType.get('anthropic_access')!.fields).toEqual(accessTransparency);
    expect(byType.get('cmek_preserve')!.fields).toEqual(accessTransparency);
  });
});

describe('categories', () => {
  test('categorize() and classify() agree with the JSON for every entry, each by an explicit rule', () => {
    for (const e of catalog) {
      const c = classify(e.type);
      expect(categorize(e.type), e.type).toBe(e.category);
      expect(c.family, e.type).toBe(e.family);
      expect(c.rule, `${e.type} matches no rule`).toBeGreaterThanOrEqual(0);
    }
  });

  test('every rule is used and every override names a catalog type its rule would categorize otherwise', () => {
    const used = new Set(catalog.map((e) => classify(e.type).rule));
    RULES.forEach((r, i) => expect(used.has(i), `unused rule ${r.match}`).toBe(true));
    for (const [type, override] of Object.entries(CATEGORY_OVERRIDES)) {
      expect(byType.has(type), type).toBe(true);
      expect(RULES[classify(type).rule].category, type).not.toBe(override.category);
      expect(override.why.length, type).toBeGreaterThan(10);
    }
  });

  test.each([
    ['sso_login_succeeded', 'authentication'],
    ['magic_link_login_initiated', 'authentication'],
    ['step_up_authentication_failed', 'authentication'],
    ['trusted_device_enrolled', 'authentication'],
    ['org_sso_toggled', 'admin'],
    ['org_sso_connection_activated', 'admin'],
    ['org_sso_group_role_mappings_updated', 'admin'],
    ['claude_organization_settings_updated', 'admin'],
    ['rbac_role_assigned', 'admin'],
    ['group_member_added', 'admin'],
    ['org_user_invite_sent', 'admin'],
    ['org_user_deleted', 'admin'],
    ['claude_user_role_updated', 'admin'],
    ['scim_user_created', 'admin'],
    ['api_key_created', 'admin'],
    ['admin_api_key_created', 'admin'],
    ['org_compliance_api_settings_updated', 'admin'],
    ['org_data_export_started', 'admin'],
    ['org_data_export_completed', 'admin'],
    ['audit_log_export_started', 'admin'],
    ['subscription_started', 'admin'],
    ['claude_chat_created', 'content'],
    ['claude_project_document_uploaded', 'content'],
    ['claude_artifact_viewed', 'content'],
    ['claude_chat_sync_source_created', 'content'],
    ['compliance_api_accessed', 'api_access'],
    ['ccr_session_created', 'code'],
    ['ccr_agent_created', 'code'],
    ['claude_code_security_scan_created', 'code'],
    ['mcp_server_created', 'integration'],
    ['mcp_tool_policy_updated', 'integration'],
    ['claude_github_integration_created', 'integration'],
    ['tunnel_created', 'integration'],
    ['platform_oauth_app_created', 'integration'],
    ['inference_hooks_config_updated', 'integration'],
    ['claude_user_settings_updated', 'other'],
  ] as const)('%s is %s', (type, category) => {
    expect(byType.get(type)?.category, `${type} in the JSON`).toBe(category);
    expect(categorize(type)).toBe(category);
  });

  test('every ccr_* and mcp_server_* type is code and integration', () => {
    const ccr = catalog.filter((e) => e.type.startsWith('ccr_'));
    const mcp = catalog.filter((e) => e.type.startsWith('mcp_server_'));
    expect(ccr.length).toBeGreaterThan(20);
    expect(mcp.length).toBeGreaterThan(3);
    for (const e of ccr) expect(e.category, e.type).toBe('code');
    for (const e of mcp) expect(e.category, e.type).toBe('integration');
    for (const e of catalog.filter((x) => /^org_sso_|data_export|_exported$/.test(x.type) && x.type !== 'claude_file_exported')) {
      expect(e.category, e.type).toBe('admin');
    }
  });

  test('unknown types: a name no rule matches is other; a new name in a known family follows its rule', () => {
    expect(classify('quantum_widget_reticulated')).toEqual({ family: UNKNOWN_FAMILY, category: 'other', rule: -1, overridden: false });
    expect(categorize('')).toBe('other');
    expect(categorize('org')).toBe('other');
    expect(categorize('toString')).toBe('other');
    expect(categorize('org_sso_brand_new_setting_toggled')).toBe('admin');
    expect(categorize('claude_chat_brand_new_thing')).toBe('content');
  });
});

describe('buildCatalog', () => {
  const sample = [
    '# catalog',
    '## A. Types in the reference (2), with fields',
    '| type | actor | type-specific fields |',
    '|---|---|---|',
    '| `claude_chat_created` | any | claude_chat_id: string; claude_project_id?: string or null |',
    '| `claude_artifact_sharing_updated` | user,anthropic | audience: array of object {A:type? \\| B:type?}; new_mode?: string or null |',
    '| `sso_login_failed` | unauthenticated_user | — |',
    '## B. Types added later',
    '| type | gist |',
    '|---|---|',
    '| `ccr_session_created` | A Claude Code session was created. |',
    '## C. Outside the enum',
    '| type | actor | fields | notes |',
    '|---|---|---|---|',
    '| `anthropic_access` | always `{type: anthropic_actor, email_address: null}` | `accessed_at` (RFC 3339), `resource_details` {`type` (x), `id` (y)}, `workspace_id` (string or null); `organization_id`/`organization_uuid` are non-null | Human view. |',
    '| `cmek_preserve` | same as above | same fields as `anthropic_access` | Preserved. |',
    '## D. Not a catalog section',
    '| `not_a_type` | any | — |',
  ].join('\n');

  test('reads all three sections of a small reference', () => {
    const built = buildCatalog(sample);
    expect(built.map((e) => [e.type, e.source, e.category])).toEqual([
      ['anthropic_access', 'access-transparency', 'content'],
      ['ccr_session_created', 'sdk-2026-09-04', 'code'],
      ['claude_artifact_sharing_updated', 'reference-2026-08-14', 'content'],
      ['claude_chat_created', 'reference-2026-08-14', 'content'],
      ['cmek_preserve', 'access-transparency', 'content'],
      ['sso_login_failed', 'reference-2026-08-14', 'authentication'],
    ]);
    const get = (t: string) => built.find((e) => e.type === t)!;
    expect(get('claude_artifact_sharing_updated').fields).toEqual(['audience', 'new_mode']);
    expect(get('claude_artifact_sharing_updated').actors).toEqual(['user_actor', 'anthropic_actor']);
    expect(get('claude_chat_created').actors).toEqual([...KNOWN_ACTOR_TYPES]);
    expect(get('ccr_session_created').actors).toEqual([...KNOWN_ACTOR_TYPES]);
    expect(get('sso_login_failed').fields).toEqual([]);
    expect(get('anthropic_access').fields).toEqual(['accessed_at', 'resource_details', 'workspace_id']);
    expect(get('cmek_preserve')).toMatchObject({ actors: ['anthropic_actor'], fields: ['accessed_at', 'resource_details', 'workspace_id'] });
  });

  test('refuses an actor it does not know and a type listed twice', () => {
    expect(() => buildCatalog(sample.replace('| user,anthropic |', '| user,robot |'))).toThrow(/unknown actor "robot_actor"/);
    expect(() => buildCatalog(sample.replace('`sso_login_failed`', '`claude_chat_created`'))).toThrow(/listed twice/);
  });

  test('finds the package root from src/models and from dist/src/models', () => {
    expect(existsSync(join(root, 'package.json'))).toBe(true);
    expect(packageRoot(join(root, 'dist', 'src', 'models'))).toBe(root);
    expect(packageRoot(join(root, 'src', 'models'))).toBe(root);
  });
});

test('schema/activity-categories.md carries the counts and admin list of the JSON', () => {
  const doc = readFileSync(join(root, CATEGORIES_DOC_PATH), 'utf8');
  expect(doc).toBe(withCategoryTables(doc, catalog));
});

const reference = join(root, DEFAULT_REFERENCE_PATH);
test('the committed JSON is what schema/activity-types.md builds (drift check)', () => {
  expect(buildCatalog(readFileSync(reference, 'utf8'))).toEqual(catalog);
});
