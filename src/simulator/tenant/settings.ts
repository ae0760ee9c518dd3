// Each linked organization's effective settings over time (compliance-api.md §2.2 item 7). The settings change
// only through the directory timeline's admin events, whose fields are rewritten here to say what changed
// (previous and new value), so the feed and the endpoint tell the same story.
import type { ComplianceApiKeyInfo, OrganizationSetting, OrganizationSettings } from '../../api/types.js';
import type { DirectoryTimeline, TimelineEvent } from './directory.js';
import type { TenantShape } from './options.js';
import { Rng, hash32 } from './random.js';
import { DAY, iso } from './time.js';

type Value = boolean | number | string | string[] | null | Record<string, unknown>;

/** Booleans the simulator serves: a sample of the 46 names the reference documents. */
export const BOOLEAN_SETTINGS = [
  'chat_enabled',
  'sso_enabled',
  'sso_claude_ai_enforced',
  'ip_allowlist_enabled',
  'content_redaction_enabled',
  'web_search_enabled',
  'memory_enabled',
  'code_execution_enabled',
  'code_execution_network_egress_enabled',
  'hipaa_compliance_enabled',
  'directory_sync_enabled',
  'skills_enabled',
  'claude_code_web_enabled',
] as const;

/** `claude_organization_settings_updated` names settings by a PascalCase type (activity-types.md). */
const UPDATE_TYPES: Record<string, string> = {
  WebSearchEnabled: 'web_search_enabled',
  MemoryEnabled: 'memory_enabled',
  CodeExecutionEnabled: 'code_execution_enabled',
  SkillsEnabled: 'skills_enabled',
  ContentRedactionEnabled: 'content_redaction_enabled',
};

const SETTINGS_CHANGE_DAYS = 3;
const SETTINGS_EVENT_TYPES = ['claude_organization_settings_updated', 'org_sso_toggled', 'org_sso_provisioning_mode_changed', 'org_ip_restriction_created'];

const JIT_MODES = ['jit_advanced', 'jit_permissive'];
const SCIM_MODES = ['scim_advanced', 'scim_permissive'];

interface Change {
  ms: number;
  name: string;
  value: Value;
}

interface OrgSettings {
  initial: Map<string, Value>;
  /** In time order. */
  changes: Change[];
  /** Settings this organization's admins cannot change: never listed. */
  omitted: Set<string>;
  /** The value of each changed setting after the last change applied so far (while building). */
  latest: Map<string, Value>;
}

export class SettingsTimeline {
  /** False: the parent has not enabled the endpoint, every request is a 404 (compliance-api.md §2.2 item 7). */
  enabled = true;
  private readonly byOrg: OrgSettings[] = [];
  private readonly keys: { ms: number; key: ComplianceApiKeyInfo }[] = [];

  constructor(
    shape: TenantShape,
    private readonly timeline: DirectoryTimeline,
  ) {
    for (let o = 0; o < timeline.orgs.length; o++) this.byOrg.push(initialSettings(new Rng(hash32(shape.seed, 70 + o)), o));
    const rng = new Rng(hash32(shape.seed, 79));
    this.addChanges(shape, rng);
    // events are sorted by time, so each one sees the state it changes
    for (const event of timeline.events) this.apply(rng, event);
  }

  /** The endpoint's body for a linked organization at `nowMs`; undefined for anything else (a 404). */
  at(orgUuid: string, nowMs: number): OrganizationSettings | undefined {
    if (!this.enabled) return undefined;
    const index = this.timeline.orgs.findIndex((o) => o.uuid === orgUuid && o.createdMs <= nowMs);
    if (index < 0) return undefined;
    const state = this.stateAt(index, nowMs);
    const org = this.byOrg[index];
    const settings: OrganizationSetting[] = [];
    for (const [name, value] of state) {
      if (org.omitted.has(name)) continue;
      settings.push({ name, type: typeOf(name), value: name === 'sso_provisioning_mode' ? effectiveMode(state) : value } as OrganizationSetting);
    }
    return {
      type: 'effective_organization_settings',
      organization_id: orgUuid,
      settings,
      api_keys: this.keys.filter((k) => k.ms <= nowMs).map((k) => ({ ...k.key, scopes: [...k.key.scopes] })),
    };
  }

  /** Ground truth for tests: each listed setting's value at `nowMs`, by name (what `at` serves). */
  values(orgUuid: string, nowMs: number): Map<string, unknown> | undefined {
    const body = this.at(orgUuid, nowMs);
    return body && new Map(body.settings.map((s) => [s.name, s.value]));
  }

  /** Ground truth for tests: every change of a linked organization's settings, in time order. */
  changes(orgUuid: string): { ms: number; name: string; value: unknown }[] {
    const index = this.timeline.orgs.findIndex((o) => o.uuid === orgUuid);
    return index < 0 ? [] : this.byOrg[index].changes.map((c) => ({ ...c }));
  }

  private stateAt(index: number, nowMs: number): Map<string, Value> {
    const org = this.byOrg[index];
    const state = new Map(org.initial);
    for (const c of org.changes) {
      if (c.ms > nowMs) break;
      state.set(c.name, c.value);
    }
    return state;
  }

  private current(index: number, name: string): Value {
    const org = this.byOrg[index];
    return org.latest.has(name) ? org.latest.get(name)! : (org.initial.get(name) ?? null);
  }

  private set(index: number, ms: number, name: string, value: Value): void {
    this.byOrg[index].changes.push({ ms, name, value });
    this.byOrg[index].latest.set(name, value);
  }

  /**
   * The directory's admin actions are rare; settings change more often than that (about every
   * SETTINGS_CHANGE_DAYS per organization), so that a few snapshots apart already show a history.
   */
  private addChanges(shape: TenantShape, rng: Rng): void {
    const { epochStartMs, timelineEndMs } = shape;
    const days = (timelineEndMs - epochStartMs) / DAY;
    for (let o = 0; o < this.timeline.orgs.length; o++) {
      // the scenario organization's changes are the scenarios' own (scenarios.ts)
      if (this.timeline.orgs[o].scripted) continue;
      const count = rng.poisson(days / SETTINGS_CHANGE_DAYS);
      for (let k = 0; k < count; k++) {
        const ms = epochStartMs + Math.floor(rng.next() * (timelineEndMs - epochStartMs));
        const admin = this.timeline.pickAdmin(rng, ms, o);
        if (!admin) continue;
        const type = rng.pick(SETTINGS_EVENT_TYPES);
        this.timeline.events.push({ ms, orgIndex: o, actor: this.timeline.actorFor(admin), type, fields: {} });
      }
    }
    this.timeline.events.sort((a, b) => a.ms - b.ms);
  }

  private apply(rng: Rng, e: TimelineEvent): void {
    const o = e.orgIndex;
    if (o === null) return;
    switch (e.type) {
      case 'claude_organization_settings_updated': {
        const type = rng.pick(Object.keys(UPDATE_TYPES));
        const name = UPDATE_TYPES[type];
        const previous = this.current(o, name) === true;
        this.set(o, e.ms, name, !previous);
        e.fields = { updates: [{ type, previous_value: previous, current_value: !previous }] };
        return;
      }
      case 'org_sso_toggled': {
        const enabled = this.current(o, 'sso_enabled') !== true;
        this.set(o, e.ms, 'sso_enabled', enabled);
        e.fields = { enabled };
        return;
      }
      case 'org_sso_provisioning_mode_changed': {
        const previous = String(this.current(o, 'sso_provisioning_mode'));
        const next = rng.pick([...JIT_MODES, ...SCIM_MODES].filter((m) => m !== previous));
        this.set(o, e.ms, 'sso_provisioning_mode', next);
        // the configured mode; what the endpoint shows is resolved against SSO and directory sync (effectiveMode)
        e.fields = { previous_mode: previous, new_mode: next };
        return;
      }
      case 'org_ip_restriction_created': {
        const ranges = [...((this.current(o, 'ip_allowlist_ip_ranges') as string[] | null) ?? [])];
        const range = `203.0.${113 + ranges.length}.0/24`;
        this.set(o, e.ms, 'ip_allowlist_ip_ranges', [...ranges, range]);
        if (this.current(o, 'ip_allowlist_enabled') !== true) this.set(o, e.ms, 'ip_allowlist_enabled', true);
        e.fields = { ip_ranges: [range] };
        return;
      }
      case 'org_domain_verified': {
        const domains = (this.current(o, 'allowed_invite_domains') as string[] | null) ?? [];
        const domain = `team${domains.length + 1}.acme.example`;
        this.set(o, e.ms, 'allowed_invite_domains', [...domains, domain]);
        e.fields = { domain };
        return;
      }
      case 'api_key_created': {
        const id = String(e.fields.api_key_id);
        const scopes = Array.isArray(e.fields.scopes) ? (e.fields.scopes as string[]) : [];
        const createdBy = (e.actor as { user_id?: unknown }).user_id;
        this.keys.push({
          ms: e.ms,
          key: {
            type: 'compliance_api_key',
            id,
            name: `Compliance export ${this.keys.length + 1}`,
            scopes: [...scopes],
            is_active: true,
            created_at: iso(e.ms),
            created_by_id: typeof createdBy === 'string' ? createdBy : null,
            expires_at: null,
          },
        });
        return;
      }
      default:
        return;
    }
  }
}

function initialSettings(rng: Rng, orgIndex: number): OrgSettings {
  const initial = new Map<string, Value>();
  for (const name of BOOLEAN_SETTINGS) initial.set(name, rng.chance(0.5));
  initial.set('chat_enabled', true);
  // the first org provisions people over SCIM (directory.ts), so it has SSO and directory sync on
  if (orgIndex === 0) {
    initial.set('sso_enabled', true);
    initial.set('directory_sync_enabled', true);
  }
  initial.set('account_session_duration_seconds', rng.chance(0.5) ? null : 3600 * (8 + rng.int(16)));
  initial.set('claude_code_default_worker_environment_id', rng.chance(0.5) ? null : `env_${orgIndex}`);
  initial.set('claude_code_default_worker_pool_id', null);
  initial.set('allowed_invite_domains', ['acme.example']);
  initial.set('disabled_admin_request_types', []);
  initial.set('ip_allowlist_ip_ranges', []);
  initial.set('sso_provisioning_mode', orgIndex === 0 ? 'scim_advanced' : 'jit_permissive');
  initial.set(
    'data_retention_periods',
    rng.chance(0.5) ? { chat: { type: 'fixed', duration: 1 + rng.int(24), timescale: 'month' } } : { all: { type: 'indefinite' } },
  );
  // e.g. HIPAA mode is set by Anthropic, not by the org's admins: omitted, which is not the same as off
  const omitted = new Set(['hipaa_compliance_enabled']);
  if (rng.chance(0.5)) omitted.add('code_execution_network_egress_enabled');
  return { initial, changes: [], omitted, latest: new Map() };
}

function typeOf(name: string): OrganizationSetting['type'] {
  if (name === 'account_session_duration_seconds') return 'integer';
  if (name === 'sso_provisioning_mode') return 'provisioning_mode';
  if (name === 'data_retention_periods') return 'data_retention';
  if (name.startsWith('claude_code_default_')) return 'string';
  if (name === 'allowed_invite_domains' || name === 'disabled_admin_request_types' || name === 'ip_allowlist_ip_ranges') return 'string_list';
  return 'boolean';
}

/** JIT modes hold only while SSO is on, SCIM modes only while directory sync is on; else `login_only`. */
function effectiveMode(state: Map<string, Value>): string {
  const mode = String(state.get('sso_provisioning_mode'));
  if (JIT_MODES.includes(mode)) return state.get('sso_enabled') === true ? mode : 'login_only';
  if (SCIM_MODES.includes(mode)) return state.get('directory_sync_enabled') === true ? mode : 'login_only';
  return 'login_only';
}
