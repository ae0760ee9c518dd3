// ocsf.md §2-3: every catalog type is mapped, and the event built for it validates against the OCSF 1.8.0
// subset (schema/ocsf/) for every actor kind the catalog allows, with and without the user history.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../src/models/catalog.js';
import { OcsfMapper, type UserAsOf } from '../src/siem/ocsf.js';
import { ocsfSubset, validateOcsf } from './support/ocsf-validate.js';

const catalog = loadCatalog();
const mapper = new OcsfMapper();

function actorOf(kind: string, i: number): Record<string, unknown> {
  switch (kind) {
    case 'user_actor':
      return { type: kind, user_id: `user_${i}`, email_address: `u${i}@example.com`, ip_address: '203.0.113.7', user_agent: 'Mozilla/5.0' };
    case 'api_actor':
      return { type: kind, api_key_id: `apikey_${i}`, ip_address: '2001:db8::1' };
    case 'admin_api_key_actor':
      return { type: kind, admin_api_key_id: `adminkey_${i}` };
    case 'unauthenticated_user_actor':
      return { type: kind, email_address: i % 2 ? null : `u${i}@example.com`, ip_address: '198.51.100.2', user_agent: 'curl/8' };
    case 'anthropic_actor':
      return { type: kind, email_address: null };
    default:
      return { type: kind, user_id: i % 2 ? null : `user_${i}` };
  }
}

function activityOf(type: string, fields: string[], actor: Record<string, unknown>, i: number): Record<string, unknown> {
  const record: Record<string, unknown> = {
    id: `activity_${i}`,
    created_at: '2026-08-14T09:00:00.123Z',
    organization_id: 'org_1',
    organization_uuid: '7e0d3f4c-2b1a-4c5d-8e9f-0a1b2c3d4e5f',
    type,
    actor,
  };
  for (const f of fields) record[f] = f === 'member_ids' ? [`user_m${i}`] : f.endsWith('_count') ? 3 : f.endsWith('email') ? `${f}.${i}@example.com` : `${f}_${i}`;
  return record;
}

const history: UserAsOf = {
  user_id: 'user_1',
  email: 'then@example.com',
  full_name: 'Ada Lovelace',
  organization_role: 'admin',
  valid_from: '2026-01-01T00:00:00.000000Z',
  valid_to: null,
};

describe('the OCSF mapping (schema/ocsf-mapping.json)', () => {
  it('maps every type of the catalog, to a class and activity the subset defines, with a reason per family', () => {
    const subset = ocsfSubset();
    const missing = catalog.filter((e) => !mapper.mapping.types[e.type]).map((e) => e.type);
    expect(missing).toEqual([]);
    const stale = Object.keys(mapper.mapping.types).filter((t) => !catalog.some((e) => e.type === t));
    expect(stale).toEqual([]);
    for (const e of catalog) {
      const m = mapper.mapping.types[e.type];
      expect(m.family, e.type).toBe(e.family);
      const cls = subset.classes[m.class] as unknown as { activity: Record<string, string> };
      expect(cls, `${e.type} -> ${m.class}`).toBeDefined();
      expect(Object.keys(cls.activity), `${e.type} activity ${m.activity_id}`).toContain(String(m.activity_id));
      expect(mapper.mapping.families[e.family]?.reason.length, e.family).toBeGreaterThan(20);
    }
  });

  it('builds a valid event for every type and every allowed actor kind', () => {
    let i = 0;
    const failures: string[] = [];
    for (const e of catalog) {
      for (const kind of e.actors) {
        i++;
        const activity = activityOf(e.type, e.fields, actorOf(kind, i), i);
        for (const user of kind === 'user_actor' ? [null, { ...history, user_id: `user_${i}` }] : [null]) {
          const event = mapper.toOcsf(activity, user);
          const errors = validateOcsf(event);
          if (errors.length) failures.push(`${e.type} (${kind}${user ? ', with history' : ''}): ${errors.join('; ')}`);
          expect(event.type_uid).toBe(Number(event.class_uid) * 100 + Number(event.activity_id));
          expect(event.time).toBe(Date.parse('2026-08-14T09:00:00.123Z'));
          expect(JSON.parse(String(event.raw_data))).toEqual(activity);
          expect((event.metadata as { uid: string }).uid).toBe(activity.id);
        }
      }
    }
    expect(failures.slice(0, 20)).toEqual([]);
    expect(i).toBeGreaterThan(catalog.length);
  });

  it('keeps the type-specific fields in unmapped and the history in the actor and enrichments', () => {
    const activity = activityOf('claude_user_role_updated', ['user_id', 'previous_role', 'current_role'], actorOf('user_actor', 1), 1);
    const event = mapper.toOcsf(activity, history);
    expect(event.class_uid).toBe(3005);
    expect(event.privileges).toEqual(['current_role_1']);
    expect(event.unmapped).toMatchObject({ user_id: 'user_id_1', previous_role: 'previous_role_1', current_role: 'current_role_1', organization_id: 'org_1' });
    expect((event.actor as { user: Record<string, unknown> }).user).toMatchObject({ uid: 'user_1', full_name: 'Ada Lovelace', type_id: 2, type: 'Admin' });
    expect(event.enrichments).toEqual([expect.objectContaining({ name: 'actor.user', value: 'user_1', data: history })]);
    expect(validateOcsf(event)).toEqual([]);
  });

  it('maps a type the catalog does not know to API Activity, Other, named by the type (design.md invariant 5)', () => {
    const event = mapper.toOcsf(activityOf('claude_canvas_created', ['canvas_id'], actorOf('user_actor', 2), 2));
    expect(event).toMatchObject({ class_uid: 6003, activity_id: 99, activity_name: 'claude_canvas_created', type_uid: 600399 });
    expect(validateOcsf(event)).toEqual([]);
  });

  it('the validator catches what it must (a test that can fail)', () => {
    const event = mapper.toOcsf(activityOf('group_created', ['group_id'], actorOf('user_actor', 3), 3));
    expect(validateOcsf({ ...event, type_uid: 1 })).toContain('type_uid 1 is not class_uid * 100 + activity_id');
    const { group: _g, ...noGroup } = event;
    expect(validateOcsf(noGroup)).toContain('group_management.group: required attribute missing');
    expect(validateOcsf({ ...event, device: {} }).join()).toMatch(/device: unknown attribute/);
  });
});
