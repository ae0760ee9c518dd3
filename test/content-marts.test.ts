// The organization_settings stream and the content marts against the simulator's ground truth. A live tenant is
// synced whole, then its organization settings alone every two days (so the snapshots are the only evidence of
// what changed in between), then whole again (so the feed's settings events refine those bounds); the models
// are built and compared with what the simulator served at each moment. Then the settings endpoint is switched
// off for the tenant, and the stream records a coverage event per organization instead of failing.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { NotFoundError } from '../src/api/index.js';
import { Lake } from '../src/lake/lake.js';
import { buildModels } from '../src/models/build.js';
import { warehouseRows } from '../src/models/query.js';
import type { Simulator } from '../src/simulator/server/app.js';
import type { SyntheticTenant } from '../src/simulator/tenant/index.js';
import { MINUTE, SECRET_MARKERS, type Transport, connect, failure, makeClient, makeSim, makeTenant } from './support/sim-harness.js';
import { lakeQuery, syncWith, tempDataDir } from './support/lake-harness.js';

const DAY = 24 * 60 * MINUTE;
const SETTINGS_STREAMS = ['organizations', 'organization_settings'];

let tenant: SyntheticTenant;
let sim: Simulator;
let t: Transport;
let dir: string;
let cleanup: () => void;
/** The simulator's clock at each organization_settings sync. */
const settingsSyncsMs: number[] = [];
let finalMs: number;

async function syncOk(streams?: string[]): Promise<void> {
  const before = sim.clock.now();
  const r = await syncWith(t, dir, streams ? { streams } : {});
  expect(r.ok, JSON.stringify(r.streams.filter((s) => s.status !== 'committed'))).toBe(true);
  settingsSyncsMs.push(before);
}

beforeAll(async () => {
  tenant = makeTenant({ live: true, horizonDays: 10, activitiesPerDay: 2000, users: 120, groups: 8 });
  sim = makeSim({ shared: tenant });
  t = await connect(sim, 'in-process');
  ({ dir, cleanup } = tempDataDir('cl-content-'));
  await syncOk();
  for (let k = 0; k < 5; k++) {
    sim.clock.advance(2 * DAY);
    await syncOk(SETTINGS_STREAMS);
  }
  sim.clock.advance(DAY);
  finalMs = sim.clock.now();
  await syncOk();
  await buildModels(dir);
}, 240_000);

afterAll(() => cleanup?.());

const ms = (iso: unknown) => Date.parse(String(iso));
const orgUuids = () => tenant.timeline.orgs.map((o) => o.uuid);

interface SettingRow {
  organization_uuid: string;
  setting_name: string;
  value: unknown;
  valid_from: string;
  valid_to: string | null;
  valid_from_source: string;
  valid_from_earliest: string | null;
}

async function settingVersions(): Promise<SettingRow[]> {
  const rows = await warehouseRows(dir, 'select * from marts.organization_settings order by organization_uuid, setting_name, valid_from');
  return rows as unknown as SettingRow[];
}

/** The sync's clock nearest a snapshot stamp (the stamp is the server's `date` header, whole seconds, plus local time). */
function syncNear(stampMs: number): number {
  return settingsSyncsMs.reduce((best, s) => (Math.abs(s - stampMs) < Math.abs(best - stampMs) ? s : best));
}

describe('organization_settings', () => {
  test('each snapshot holds every linked organization once, and marts.organization_settings as of it is what the simulator served', async () => {
    const snapshots = await lakeQuery(dir, 'organization_settings', 'select distinct snapshot_at::varchar as s, organization_uuid from {files}');
    const stamps = [...new Set(snapshots.map((r) => String(r.s)))];
    expect(stamps).toHaveLength(settingsSyncsMs.length);
    for (const s of stamps) expect(snapshots.filter((r) => r.s === s).map((r) => r.organization_uuid).sort()).toEqual([...orgUuids()].sort());

    const versions = await settingVersions();
    let compared = 0;
    for (const stamp of stamps) {
      const at = ms(stamp.replace(' ', 'T').replace(/\+00$/, 'Z'));
      for (const org of orgUuids()) {
        const inForce = versions.filter(
          (v) => v.organization_uuid === org && ms(v.valid_from) <= at && (v.valid_to === null || at < ms(v.valid_to)),
        );
        const served = tenant.settingsTimeline.values(org, syncNear(at))!;
        expect(Object.fromEntries(inForce.map((v) => [v.setting_name, v.value])), `${org} at ${stamp}`).toEqual(Object.fromEntries(served));
        compared++;
      }
    }
    expect(compared).toBe(stamps.length * orgUuids().length);
    // omitted settings (admins cannot change them) are absent, not "off"
    expect(versions.some((v) => v.setting_name === 'hipaa_compliance_enabled')).toBe(false);
  });

  test('a change is placed at the feed event that made it, else bracketed by the snapshots around it', async () => {
    const versions = await settingVersions();
    const byEvent = versions.filter((v) => v.valid_from_source === 'event');
    const bySnapshot = versions.filter((v) => v.valid_from_source === 'snapshot' && v.valid_from_earliest !== null);
    expect(byEvent.length).toBeGreaterThan(0);
    expect(bySnapshot.length).toBeGreaterThan(0);
    for (const v of byEvent) {
      const change = tenant.settingsTimeline
        .changes(v.organization_uuid)
        .find((c) => c.name === v.setting_name && Math.abs(c.ms - ms(v.valid_from)) < 1);
      expect(change, `${v.setting_name} ${v.valid_from}`).toBeDefined();
      expect(change!.value).toEqual(v.value);
    }
    // between two snapshots the setting changed at least once, and its last change before the later snapshot set this value
    for (const v of bySnapshot) {
      const from = syncNear(ms(v.valid_from_earliest));
      const to = syncNear(ms(v.valid_from));
      const changes = tenant.settingsTimeline.changes(v.organization_uuid).filter((c) => c.name === v.setting_name && c.ms > from && c.ms <= to);
      if (v.setting_name === 'sso_provisioning_mode') continue; // served resolved against SSO and directory sync
      expect(changes.length, `${v.setting_name} ${v.valid_from}`).toBeGreaterThan(0);
      expect(changes.at(-1)!.value).toEqual(v.value);
    }
  });

  test('the feed tells the same story: every org_sso_toggled event says the value the endpoint then served', async () => {
    const events = await warehouseRows(
      dir,
      `select organization_uuid, epoch_ms(created_at) as at, details ->> 'enabled' as enabled from marts.activities where type = 'org_sso_toggled'`,
    );
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      expect(tenant.settingsTimeline.values(String(e.organization_uuid), Number(e.at))!.get('sso_enabled')).toBe(e.enabled === 'true');
    }
  });

  test('api_keys lists the parent keys by id, scopes and creator, and no secret reaches the lake', async () => {
    const rows = await lakeQuery(dir, 'organization_settings', 'select snapshot_at, organization_uuid, api_keys::varchar as k, raw::varchar as raw from {files} order by snapshot_at desc');
    const latest = rows.filter((r) => String(r.snapshot_at) === String(rows[0].snapshot_at));
    for (const r of latest) {
      const keys = JSON.parse(String(r.k)) as { id: string }[];
      const served = tenant.settingsTimeline.at(String(r.organization_uuid), finalMs)!.api_keys;
      expect(keys.map((k) => k.id)).toEqual(served.map((k) => k.id));
    }
    const text = rows.map((r) => `${r.k}${r.raw}`).join('\n');
    for (const secret of SECRET_MARKERS) expect(text).not.toContain(secret);
  });

  test('the parent, a foreign id and a non-UUID are the same 404; with the endpoint off the stream records a coverage event per organization', async () => {
    const { client } = makeClient(sim, t);
    for (const id of [tenant.timeline.parentOrganizationUuid, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const err = await failure(() => client.organizationSettings.get(id));
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as NotFoundError).apiMessage).toBe(`organization \`${id}\` not found in this organization's hierarchy`);
    }
    const filesBefore = Lake.open(dir).files('organization_settings').length;
    tenant.settingsTimeline.enabled = false;
    try {
      const r = await syncWith(t, dir, { streams: SETTINGS_STREAMS });
      expect(r.ok).toBe(true);
      const summary = r.streams.find((s) => s.stream === 'organization_settings')!;
      expect(summary.status).toBe('committed');
      expect(summary.coverageEvents).toBe(orgUuids().length);
      const lake = Lake.open(dir);
      expect(lake.files('organization_settings')).toHaveLength(filesBefore);
      const entry = lake.entries.filter((e) => e.stream === 'organization_settings').at(-1)!;
      expect(entry.coverage.map((c) => c.record_id).sort()).toEqual([...orgUuids()].sort());
      for (const c of entry.coverage) {
        expect(c.found_by).toBe('unavailable');
        expect(c.reason).toContain("not found in this organization's hierarchy");
      }
    } finally {
      tenant.settingsTimeline.enabled = true;
    }
  });
});

describe('content marts', () => {
  /** Records whose last change is this close to the final sync may be outside its window (it ends a minute back). */
  const settled = (updatedIso: string) => ms(updatedIso) < finalMs - 3 * MINUTE;

  test('marts.chats: one row per chat with its latest state, deletions kept, creator as of the creation', async () => {
    const truth = tenant.content.chats(finalMs).filter((c) => settled(c.updated_at));
    const rows = await warehouseRows(
      dir,
      `select chat_id, name, versions_seen, user_id, project_id, deleted_at::varchar as deleted_at, epoch_ms(deleted_at) as deleted_ms,
              creator_email_at_creation, creator_full_name_at_creation, creator_role_at_creation from marts.chats`,
    );
    const byId = new Map(rows.map((r) => [String(r.chat_id), r]));
    expect(byId.size).toBe(rows.length);
    const users = new Map(tenant.timeline.users.map((u) => [u.id, u]));
    let withCreator = 0;
    let deleted = 0;
    let deletedSeenBefore = 0;
    for (const c of truth) {
      const row = byId.get(c.id);
      expect(row, c.id).toBeDefined();
      // the API drops the creator once their account is gone; the mart keeps the last one a version named
      if (c.user) expect(row!.user_id).toBe(c.user.id);
      expect(row!.project_id).toBe(c.project_id ?? null);
      expect(row!.deleted_ms).toBe(c.deleted_at === null ? null : ms(c.deleted_at));
      if (c.deleted_at !== null) {
        deleted++;
        // the API empties a deleted chat's name; the mart keeps the last name the lake saw before the deletion
        const before = tenant.content.chat(c.id, ms(c.deleted_at) - 1)!.chat.name;
        expect(row!.name).toBe(Number(row!.versions_seen) > 1 ? before : '');
        if (Number(row!.versions_seen) > 1) deletedSeenBefore++;
      } else expect(row!.name).toBe(c.name);
      if (row!.creator_email_at_creation !== null) {
        withCreator++;
        const u = users.get(String(row!.user_id))!;
        expect(row!.creator_email_at_creation).toBe(u.email);
        expect(row!.creator_full_name_at_creation).toBe(u.fullName);
        expect(row!.creator_role_at_creation).toBe(tenant.timeline.roleAt(u, ms(c.created_at)));
      }
    }
    expect(truth.length).toBeGreaterThan(50);
    expect(deleted).toBeGreaterThan(0);
    expect(deletedSeenBefore).toBeGreaterThan(0);
    expect(withCreator).toBeGreaterThan(truth.length * 0.8);
  });

  test('marts.projects and marts.project_attachments: latest state, chat and attachment counts, current attachments', async () => {
    const truth = tenant.content.projects(finalMs).filter((p) => settled(p.updated_at));
    const chats = tenant.content.chats(finalMs);
    const rows = await warehouseRows(dir, 'select project_id, name, is_private, user_id, epoch_ms(deleted_at) as deleted_ms, chat_count, attachment_count from marts.projects');
    const byId = new Map(rows.map((r) => [String(r.project_id), r]));
    const attachments = await warehouseRows(dir, 'select project_id, attachment_id from marts.project_attachments where is_current');
    expect(truth.length).toBeGreaterThan(5);
    for (const p of truth) {
      const row = byId.get(p.id);
      expect(row, p.id).toBeDefined();
      expect(row!.name).toBe(p.name);
      expect(row!.is_private).toBe(p.is_private);
      expect(row!.deleted_ms).toBe(p.deleted_at === null ? null : ms(p.deleted_at));
      if (p.user) expect(row!.user_id).toBe(p.user.id);
      const served = tenant.content.projectAttachments(p.id, finalMs)!.map((a) => a.id).sort();
      expect(Number(row!.attachment_count)).toBe(served.length);
      expect(attachments.filter((a) => a.project_id === p.id).map((a) => String(a.attachment_id)).sort()).toEqual(served);
      const projectChats = chats.filter((c) => c.project_id === p.id);
      if (projectChats.every((c) => settled(c.created_at))) expect(Number(row!.chat_count)).toBe(projectChats.length);
    }
  });

  test('marts.project_collaborators: the grants each project listed at its latest snapshot, named, and the projects\' counts', async () => {
    const latest = await warehouseRows(
      dir,
      `select project_id, epoch_ms(max(snapshot_at)) as snapshot_ms from staging.stg_compliance__project_collaborators group by project_id`,
    );
    const grants = await warehouseRows(dir, 'select project_id, principal_type, principal_id, principal_name, role, epoch_ms(granted_at) as granted_ms from marts.project_collaborators where is_current');
    const counts = new Map((await warehouseRows(dir, 'select project_id, collaborator_count from marts.projects')).map((r) => [String(r.project_id), Number(r.collaborator_count)]));
    const groupNames = new Map((await warehouseRows(dir, 'select group_id, name from marts.groups')).map((r) => [String(r.group_id), r.name]));
    expect(latest.length).toBeGreaterThan(5);
    let compared = 0;
    for (const { project_id, snapshot_ms } of latest) {
      const served = tenant.content.projectCollaborators(String(project_id), Number(snapshot_ms));
      if (!served) continue; // deleted since: nothing to compare with
      const key = (type: unknown, id: unknown, role: unknown, granted: unknown) => `${type} ${id} ${role} ${granted}`;
      const principal = (c: Record<string, unknown>) => c.user_id ?? c.group_id ?? c.organization_uuid ?? c.organization_role ?? null;
      const mine = grants.filter((g) => g.project_id === project_id);
      expect(mine.map((g) => key(g.principal_type, g.principal_id, g.role, g.granted_ms)).sort(), String(project_id)).toEqual(
        served.map((c) => key(c.type, principal(c as Record<string, unknown>), c.role, ms(c.granted_at))).sort(),
      );
      for (const g of mine) {
        if (g.principal_type === 'group') expect(g.principal_name).toBe(groupNames.get(String(g.principal_id)));
        if (g.principal_type === 'organization_role') expect(g.principal_name).toBe(g.principal_id);
      }
      expect(counts.get(String(project_id))).toBe(mine.length);
      compared += mine.length;
    }
    expect(compared).toBeGreaterThan(10);
    expect(new Set(grants.map((g) => g.principal_type)).size).toBeGreaterThanOrEqual(3);
  });
});
