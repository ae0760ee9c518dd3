// Local sessions (Cowork, Claude Code, … on users' machines) and remote sessions (Cowork on claude.ai), with their
// messages produced on demand from each session's seed (compliance-api.md §2.6).
import type { LocalSession, LocalSessionMessage, RemoteSession, RemoteSessionMessage } from '../../api/app-types.js';
import type { ContentBlock } from '../../api/types.js';
import type { Content } from '../model.js';
import type { DirectoryTimeline, SimUser } from './directory.js';
import type { TenantShape } from './options.js';
import { Rng, entityId, hash32 } from './random.js';
import { DAY, MINUTE, iso } from './time.js';

const LOCAL_SURFACES = ['cowork', 'claude_code', 'claude_code', 'claude_science', 'office_agents/excel', 'office_agents/word', null] as const;
const REMOTE_STATUSES = ['active', 'paused', 'archived', 'archived', 'archived', 'failed', 'pending'] as const;
const UNAVAILABLE = ['not_captured', 'client_aborted', 'retention_elapsed', 'oversize'] as const;
const MODELS = ['claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805'];

/** Local sessions appear "typically within minutes" (compliance-api.md §7.1). */
export const LOCAL_SESSION_DELAY_MS = 2 * MINUTE;

interface SimSession {
  index: number;
  id: string;
  orgIndex: number;
  user: SimUser | null;
  startedBy: SimUser | null;
  agentId: string | null;
  createdMs: number;
  messageTimes: number[];
  workspaceId: string | null;
  surface: string | null;
  status: (typeof REMOTE_STATUSES)[number];
  projectId: string | null;
}

interface ProjectRef {
  id: string;
  orgIndex: number;
  createdMs: number;
}

const clampCount = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.round(v)));
const newestFirst = (a: SimSession, b: SimSession) => b.createdMs - a.createdMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

export class SessionTimeline {
  readonly local: SimSession[] = [];
  readonly remote: SimSession[] = [];
  private readonly byId = new Map<string, SimSession>();

  constructor(
    private readonly shape: TenantShape,
    private readonly dir: DirectoryTimeline,
    claudeOrgs: number[],
    projects: readonly ProjectRef[],
  ) {
    if (claudeOrgs.length === 0) return;
    this.build(new Rng(hash32(shape.seed, 50)), 'local', clampCount(shape.chats / 4, 6, 5000), claudeOrgs, projects);
    this.build(new Rng(hash32(shape.seed, 52)), 'remote', clampCount(shape.chats / 8, 6, 3000), claudeOrgs, projects);
  }

  private build(rng: Rng, kind: 'local' | 'remote', count: number, claudeOrgs: number[], projects: readonly ProjectRef[]): void {
    const { epochStartMs, timelineEndMs } = this.shape;
    const list = kind === 'local' ? this.local : this.remote;
    for (let k = 0; k < count; k++) {
      const lo = epochStartMs - 10 * DAY;
      const createdMs = lo + Math.floor(rng.next() * (timelineEndMs - lo));
      const orgIndex = rng.pick(claudeOrgs);
      const owner = this.dir.pickActiveUser(rng, createdMs, orgIndex);
      if (!owner) continue;
      const times = [createdMs];
      const n = 2 + rng.int(12);
      for (let m = 1; m < n; m++) times.push(times[m - 1] + Math.floor(rng.between(5_000, 10 * MINUTE)));
      const agentOwned = kind === 'remote' && rng.chance(0.15);
      const project = kind === 'remote' && rng.chance(0.2) ? projects.find((p) => p.orgIndex === orgIndex && p.createdMs <= createdMs) : undefined;
      const session: SimSession = {
        index: k,
        id: entityId(kind === 'local' ? 'clls' : 'cse', rng),
        orgIndex,
        user: agentOwned ? null : owner,
        startedBy: owner,
        agentId: agentOwned ? entityId('cagt', rng) : null,
        createdMs,
        messageTimes: times,
        workspaceId: rng.chance(0.5) ? entityId('wrkspc', rng) : null,
        surface: kind === 'local' ? rng.pick(LOCAL_SURFACES) : 'cowork_remote',
        status: rng.pick(REMOTE_STATUSES),
        projectId: project?.id ?? null,
      };
      list.push(session);
      this.byId.set(session.id, session);
    }
    list.sort(newestFirst);
  }

  private updatedMs(s: SimSession, t: number): number {
    let updated = s.createdMs;
    for (const m of s.messageTimes) if (m <= t) updated = m;
    return updated;
  }

  private sessionUser(u: SimUser | null, t: number) {
    // the user id is always set on local sessions; the email goes when the account does (compliance-api.md §2.6)
    return u ? { id: u.id, email_address: this.dir.isActive(u, t) ? u.email : null } : null;
  }

  localAt(s: SimSession, t: number): LocalSession {
    return {
      type: 'compliance_local_session',
      id: s.id,
      organization_uuid: this.dir.orgs[s.orgIndex].uuid,
      workspace_id: s.workspaceId,
      user: this.sessionUser(s.startedBy, t) as { id: string; email_address: string | null },
      product_surface: s.surface,
      created_at: iso(s.createdMs),
      updated_at: iso(this.updatedMs(s, t)),
    };
  }

  remoteAt(s: SimSession, t: number): RemoteSession {
    return {
      id: s.id,
      organization_uuid: this.dir.orgs[s.orgIndex].uuid,
      user: this.sessionUser(s.user, t),
      agent_id: s.agentId,
      started_by_user: this.sessionUser(s.startedBy, t),
      status: s.status,
      created_at: iso(s.createdMs),
      updated_at: iso(this.updatedMs(s, t)),
      product_surface: 'cowork_remote',
      claude_project_id: s.projectId,
    };
  }

  private blocks(rng: Rng, role: string, i: number): ContentBlock[] {
    if (role === 'user') return [{ type: 'text', text: `Step ${i + 1}: please continue.`, truncated: false }];
    if (!rng.chance(0.4)) return [{ type: 'text', text: `Done with step ${i + 1}.`, truncated: false }];
    const id = `toolu_01${entityId('x', rng).slice(-20)}`;
    // some inputs exceed the default 10 000-byte cap so truncation is exercised (compliance-api.md §2.6)
    const input = JSON.stringify({ path: `src/file${i}.ts`, text: 'x'.repeat(rng.chance(0.2) ? 12_000 : 200) });
    return [
      { type: 'tool_use', id, name: 'write_file', input, truncated: false },
      { type: 'tool_result', tool_use_id: id, name: 'write_file', is_error: false, content: [{ type: 'text', text: 'ok '.repeat(50) }], truncated: false },
    ];
  }

  localMessages(s: SimSession, t: number): LocalSessionMessage[] {
    const rng = new Rng(hash32(this.shape.seed, 51, s.index));
    const out: LocalSessionMessage[] = [];
    s.messageTimes.forEach((at, i) => {
      const id = entityId('clsm', rng);
      const role = i % 2 === 0 ? 'user' : 'assistant';
      const blocks = this.blocks(rng, role, i);
      const missing = rng.chance(0.05);
      const reason = rng.pick(UNAVAILABLE);
      if (at > t) return;
      out.push({
        type: 'compliance_local_session_message',
        id,
        role,
        created_at: iso(at),
        content: missing ? [] : blocks,
        provenance: missing ? { type: 'content_unavailable', reason } : null,
        model: role === 'assistant' ? MODELS[s.index % MODELS.length] : null,
      });
    });
    return out;
  }

  remoteMessages(s: SimSession, t: number): RemoteSessionMessage[] {
    const rng = new Rng(hash32(this.shape.seed, 53, s.index));
    const out: RemoteSessionMessage[] = [];
    s.messageTimes.forEach((at, i) => {
      const id = entityId('csev', rng);
      const role = i % 2 === 0 ? 'user' : 'assistant';
      const blocks = this.blocks(rng, role, i);
      const missing = rng.chance(0.03);
      if (at > t) return;
      out.push({
        id,
        role,
        created_at: iso(at),
        content: missing ? [] : blocks,
        sent_by_user_id: role === 'user' && s.startedBy ? s.startedBy.id : null,
        content_unavailable: missing,
      });
    });
    return out;
  }

  view(clamp: (nowMs: number) => number): Pick<Content, 'localSessions' | 'localSession' | 'remoteSessions' | 'remoteSession'> {
    const localVisible = (s: SimSession, t: number) => s.createdMs + LOCAL_SESSION_DELAY_MS <= t;
    return {
      localSessions: (now) => {
        const t = clamp(now);
        return this.local.filter((s) => localVisible(s, t)).map((s) => this.localAt(s, t));
      },
      localSession: (id, now) => {
        const t = clamp(now);
        const s = this.byId.get(id);
        if (!s || !s.id.startsWith('clls_') || !localVisible(s, t)) return undefined;
        return { session: this.localAt(s, t), messages: this.localMessages(s, t) };
      },
      remoteSessions: (now) => {
        const t = clamp(now);
        return this.remote.filter((s) => s.createdMs <= t).map((s) => this.remoteAt(s, t));
      },
      remoteSession: (id, now) => {
        const t = clamp(now);
        const s = this.byId.get(id);
        if (!s || !s.id.startsWith('cse_') || s.createdMs > t) return undefined;
        return { session: this.remoteAt(s, t), messages: this.remoteMessages(s, t) };
      },
    };
  }
}
