// The bulk of the feed: everyday activity (chats, files, projects, sign-ins, platform and rarer actors)
// generated deterministically per hour bucket, so any page of a 50-million-activity history is produced
// on demand and the same seed always yields the same activities.
import type { Actor } from '../../api/types.js';
import type { ContentTimeline } from './content.js';
import type { DirectoryTimeline, SimUser } from './directory.js';
import type { TenantShape } from './options.js';
import { adminApiKeyActor, apiActor, exoticActor, futureActor, unauthenticatedActor } from './people.js';
import { Rng, entityId, hash32, randomBase58 } from './random.js';
import { DAY, HOUR } from './time.js';

/** One generated activity before it becomes a record: the feed adds id, created_at and org fields. */
export interface Draft {
  us: number;
  orgIndex: number | null;
  actor: Actor;
  type: string;
  fields: Record<string, unknown>;
}

type Kind = 'adminkey' | 'chat' | 'file' | 'project' | 'artifact' | 'auth' | 'unauth' | 'platform' | 'code' | 'exotic' | 'anthropic' | 'future' | 'future_actor';

/** Types the simulated server knows but the reference (and so the connector's catalog) does not. */
export const FUTURE_TYPES = ['claude_canvas_created', 'platform_agent_session_started'] as const;

// [type, weight, kind]: mostly chat, file and project activity; some authentication; rare exotica.
const MIX: [string, number, Kind][] = [
  ['claude_chat_viewed', 30, 'chat'],
  ['claude_chat_updated', 10, 'chat'],
  ['claude_chat_settings_updated', 1, 'chat'],
  ['claude_chat_snapshot_created', 0.8, 'chat'],
  ['claude_chat_access_failed', 0.2, 'chat'],
  ['claude_file_viewed', 5, 'file'],
  ['claude_file_exported', 0.3, 'file'],
  ['claude_project_viewed', 7, 'project'],
  ['claude_project_document_viewed', 1.5, 'project'],
  ['claude_artifact_viewed', 4, 'artifact'],
  ['claude_artifact_created', 1, 'artifact'],
  ['sso_login_succeeded', 6, 'auth'],
  ['user_logged_out', 2.5, 'auth'],
  ['social_login_succeeded', 0.4, 'auth'],
  ['sso_login_initiated', 3, 'unauth'],
  ['sso_login_failed', 0.3, 'unauth'],
  ['magic_link_login_initiated', 0.4, 'unauth'],
  ['platform_file_uploaded', 1.2, 'platform'],
  ['platform_file_content_downloaded', 0.6, 'exotic'],
  ['platform_file_deleted', 0.3, 'exotic'],
  ['ccr_session_created', 1, 'code'],
  ['claude_code_credential_revoked', 0.15, 'exotic'],
  ['session_share_accessed', 0.2, 'exotic'],
  ['anthropic_access', 0.03, 'anthropic'],
  ['org_users_listed', 0.3, 'adminkey'],
  ['claude_canvas_created', 0.25, 'future'],
  ['platform_agent_session_started', 0.1, 'future_actor'],
];
const CUMULATIVE = (() => {
  const c = new Float64Array(MIX.length);
  let s = 0;
  MIX.forEach(([, w], i) => (c[i] = s += w));
  return c;
})();

// Office hours and weekdays carry most of the traffic; both tables average 1.
const HOURLY = (() => {
  const raw = Array.from({ length: 24 }, (_, h) => 0.25 + 1.5 * Math.max(0, Math.sin((Math.PI * (h - 6)) / 14)));
  const mean = raw.reduce((a, b) => a + b, 0) / 24;
  return raw.map((v) => v / mean);
})();
const WEEKDAY = [0.5, 1.2, 1.2, 1.2, 1.2, 1.2, 0.5]; // Sunday first, as Date#getUTCDay

export class BackgroundGenerator {
  private readonly consoleOrg: number | null;
  private readonly workspaceKeyId: string;

  constructor(
    private readonly shape: TenantShape,
    private readonly dir: DirectoryTimeline,
    private readonly content: ContentTimeline,
  ) {
    const i = dir.orgs.findIndex((o) => o.kind === 'console');
    this.consoleOrg = i >= 0 ? i : null;
    this.workspaceKeyId = entityId('apikey', new Rng(hash32(shape.seed, 40)));
  }

  /**
   * Everyday activities of one hour bucket, each handed to `emit` as it is drawn, in time order (ties included;
   * ids are added by the feed), so that nothing holds a whole bucket.
   */
  bucket(b: number, emit: (d: Draft) => void): void {
    const startMs = b * HOUR;
    const { epochStartMs, live, startMs: simStart, seed } = this.shape;
    if (startMs + HOUR <= epochStartMs) return;
    if (!live && startMs >= simStart) return;
    const rng = new Rng(hash32(seed, 100, b));
    const date = new Date(startMs);
    const mean = (this.shape.activitiesPerDay / 24) * HOURLY[date.getUTCHours()] * WEEKDAY[date.getUTCDay()];
    const count = rng.poisson(mean);
    if (count === 0) return;
    const active = this.dir.users.filter((u) => !u.scripted && u.joinedMs <= startMs && u.leftMs > startMs + HOUR);
    if (active.length === 0) return;
    const offsets = new Float64Array(count);
    for (let i = 0; i < count; i++) offsets[i] = Math.floor(rng.next() * HOUR * 1000);
    offsets.sort();
    let prevUs = -1;
    for (let i = 0; i < count; i++) {
      let us = startMs * 1000 + offsets[i];
      if (rng.chance(0.5)) us = Math.floor(us / 1000) * 1000; // half the feed has millisecond precision
      if (prevUs >= 0 && rng.chance(0.03)) us = prevUs; // exact ties exercise the id tiebreak
      if (us < prevUs) us = prevUs;
      prevUs = us;
      const kindIndex = rng.weighted(CUMULATIVE);
      const d = this.draft(rng, us, kindIndex, active);
      if (d && (live || us < simStart * 1000) && us >= epochStartMs * 1000) emit(d);
    }
  }

  private draft(rng: Rng, us: number, kindIndex: number, active: SimUser[]): Draft | undefined {
    const [type, , kind] = MIX[kindIndex];
    const ms = Math.floor(us / 1000);
    const user = active[rng.int(active.length)];
    const userDraft = (fields: Record<string, unknown>, t = type, orgIndex: number | null = user.orgIndex): Draft => ({
      us,
      orgIndex,
      actor: this.dir.actorFor(user),
      type: t,
      fields,
    });
    switch (kind) {
      case 'chat':
      case 'file': {
        const chat = this.content.pickChat(rng, ms);
        if (!chat) return userDraft({}, 'sso_login_succeeded', null);
        const actorUser = this.dir.isActive(chat.creator, ms) ? chat.creator : user;
        const base: Draft = { us, orgIndex: chat.orgIndex, actor: this.dir.actorFor(actorUser), type, fields: {} };
        const projectId = chat.project?.id ?? null;
        if (kind === 'file' && chat.file) {
          base.fields =
            type === 'claude_file_exported'
              ? { export_destination: 'google_drive', filename: chat.file.filename, claude_chat_id: chat.id, claude_file_id: chat.file.id }
              : { claude_file_id: chat.file.id, claude_project_id: projectId };
          return base;
        }
        base.type = kind === 'file' ? 'claude_chat_viewed' : type;
        base.fields =
          base.type === 'claude_chat_snapshot_created'
            ? { claude_chat_id: chat.id, claude_chat_snapshot_id: entityId('claude_chat_snapshot', rng) }
            : base.type === 'claude_chat_access_failed'
              ? { claude_chat_id: chat.id }
              : { claude_chat_id: chat.id, claude_project_id: projectId };
        if (base.type === 'claude_chat_viewed' && rng.chance(0.02)) {
          // fields the reference does not know yet: they must survive untouched
          base.fields.client_platform = 'desktop';
          base.fields.surface = { name: 'sidebar', experiment: null };
        }
        return base;
      }
      case 'project': {
        const p = this.content.pickProject(rng, ms);
        if (!p) return userDraft({}, 'user_logged_out', null);
        const doc = p.attachments.find((a) => a.type === 'project_doc' && a.createdMs <= ms);
        if (type === 'claude_project_document_viewed' && doc) {
          return userDraft({ claude_project_id: p.id, claude_project_document_id: doc.id, filename: doc.filename }, type, p.orgIndex);
        }
        return userDraft({ claude_project_id: p.id, preview_only: rng.chance(0.2) }, 'claude_project_viewed', p.orgIndex);
      }
      case 'artifact': {
        const artifactId = entityId('claude_artifact', rng);
        return type === 'claude_artifact_created'
          ? userDraft({ claude_artifact_id: artifactId })
          : userDraft({ claude_artifact_id: artifactId, claude_artifact_version_id: entityId('claude_artifact_version', rng) });
      }
      case 'auth':
        // sign-in and sign-out are not tied to an organization (compliance-api.md §3.1)
        return userDraft(
          type === 'social_login_succeeded' ? { provider: 'google', auth_method: 'social', mfa_method: null } : type === 'sso_login_succeeded' ? { auth_method: 'sso', mfa_method: null } : {},
          type,
          null,
        );
      case 'unauth':
        return { us, orgIndex: null, actor: unauthenticatedActor(rng, rng.chance(0.9) ? user.email : null, this.shape.seed, user.index), type, fields: {} };
      case 'platform':
        if (this.consoleOrg === null) return userDraft({}, 'user_logged_out', null);
        if (rng.chance(0.08)) return { us, orgIndex: this.consoleOrg, actor: futureActor(rng), type, fields: { file_id: `file_01${randomBase58(rng, 22)}` } };
        return { us, orgIndex: this.consoleOrg, actor: apiActor(this.workspaceKeyId), type, fields: { file_id: `file_01${randomBase58(rng, 22)}`, session_id: null } };
      case 'code':
        return userDraft({ session_id: `cse_01${randomBase58(rng, 22)}` });
      case 'exotic': {
        const actor =
          type === 'claude_code_credential_revoked' ? exoticActor(rng, 4) : type === 'session_share_accessed' ? exoticActor(rng, 3) : exoticActor(rng, rng.int(3));
        const fields: Record<string, unknown> =
          type === 'claude_code_credential_revoked' ? { credential_type: 'session_token', session_id: `cse_01${randomBase58(rng, 22)}` } : type.startsWith('platform_file') ? { file_id: `file_01${randomBase58(rng, 22)}` } : {};
        return { us, orgIndex: type.startsWith('platform') ? this.consoleOrg : user.orgIndex, actor, type, fields };
      }
      case 'anthropic':
        // Access Transparency: created_at is when it became visible, accessed_at up to two days earlier
        return {
          us,
          orgIndex: user.orgIndex,
          actor: { type: 'anthropic_actor', email_address: null },
          type,
          fields: {
            accessed_at: new Date(ms - Math.floor(rng.between(HOUR, 2 * DAY))).toISOString(),
            accessor_department: 'Safeguards',
            reason_code: 'safety_review',
            resource_details: { type: 'message', id: entityId('claude_chat_msg', rng), parent: null },
            workspace_id: null,
          },
        };
      case 'adminkey':
        // a provisioning script reading the directory through the Admin API
        return { us, orgIndex: this.consoleOrg ?? user.orgIndex, actor: adminApiKeyActor(this.dir.adminApiKeyId), type, fields: {} };
      case 'future':
        return userDraft({ claude_canvas_id: `claude_canvas_01${randomBase58(rng, 22)}`, layout: { columns: 3, theme: 'light' } });
      case 'future_actor':
        return { us, orgIndex: user.orgIndex, actor: futureActor(rng), type, fields: { agent_session_id: `cse_01${randomBase58(rng, 22)}` } };
    }
  }
}
