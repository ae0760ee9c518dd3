// Chats, messages, files and projects of the claude.ai organizations, and the feed events that record
// their creation and deletion. Messages are produced on demand from each chat's seed.
import type { Chat, ChatMessage, ContentBlock, FileMetadata, Project, ProjectAttachment, ProjectDetail } from '../../api/types.js';
import type { Content, StoredFile } from '../model.js';
import { type Blob, BlobDigests, md5Hex } from './blobs.js';
import { ChatAttachments, artifactText } from './chat-attachments.js';
import { CodeArtifactTimeline } from './code-artifacts.js';
import type { DirectoryTimeline, SimUser, TimelineEvent } from './directory.js';
import type { TenantShape } from './options.js';
import { projectCollaborators, projectDocumentText } from './project-extras.js';
import { Rng, entityId, hash32, hashString, md5Like, uuid } from './random.js';
import { SessionTimeline } from './sessions.js';
import { DAY, HOUR, MINUTE, iso } from './time.js';

export interface SimProject {
  id: string;
  orgIndex: number;
  creator: SimUser;
  createdMs: number;
  deletedMs: number;
  isPrivate: boolean;
  name: string;
  attachments: SimAttachment[];
}

export interface SimAttachment {
  type: 'project_file' | 'project_doc';
  id: string;
  createdMs: number;
  filename: string;
  mimeType: string;
  sizeBytes: number | null;
}

export interface SimChat {
  index: number;
  id: string;
  uuid: string;
  orgIndex: number;
  creator: SimUser;
  project: SimProject | null;
  createdMs: number;
  /** Times of the chat's messages, ascending; the first is createdMs. */
  messageTimes: number[];
  deletedMs: number;
  model: string | null;
  name: string;
  file: SimFile | null;
}

export interface SimFile {
  id: string;
  chat: SimChat;
  createdMs: number;
  filename: string;
  mimeType: string;
  sizeBytes: number;
}

const TOPICS = ['quarterly report', 'incident review', 'contract clause', 'SQL query', 'onboarding plan', 'API design', 'budget forecast', 'press release', 'threat model', 'data pipeline'];
const MODELS = ['claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805', 'claude-haiku-4-5-20251001'];
/** Stored files stay small so their md5 is cheap; `largeFileBytes` makes the first chat file big (compliance-api.md §2.3). */
const MAX_STORED_BYTES = 100_000;

const isTextMime = (mime: string) => mime.startsWith('text/');

function blobFor(seed: number, id: string, size: number, mime: string): Blob {
  return { key: hash32(seed, hashString(id)), size, text: isTextMime(mime) };
}

const FILES: [string, string][] = [
  ['report.pdf', 'application/pdf'],
  ['notes.txt', 'text/plain'],
  ['data.csv', 'text/csv'],
  ['diagram.png', 'image/png'],
  ['memo.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
];

export class ContentTimeline {
  readonly chats: SimChat[] = [];
  readonly projects: SimProject[] = [];
  readonly events: TimelineEvent[] = [];
  private readonly chatById = new Map<string, SimChat>();
  private readonly fileById = new Map<string, SimFile>();
  private readonly projectById = new Map<string, SimProject>();
  private readonly claudeOrgs: number[];
  readonly digests = new BlobDigests();
  private readonly attachments: ChatAttachments<SimChat>;
  private readonly sessions: SessionTimeline;
  private readonly codeArtifacts: CodeArtifactTimeline;

  constructor(
    private readonly shape: TenantShape,
    private readonly dir: DirectoryTimeline,
  ) {
    this.claudeOrgs = dir.orgs.map((o, i) => (o.kind === 'claude_ai' ? i : -1)).filter((i) => i >= 0);
    this.buildProjects(new Rng(hash32(shape.seed, 20)));
    this.buildChats(new Rng(hash32(shape.seed, 21)));
    this.events.sort((a, b) => a.ms - b.ms);
    this.attachments = new ChatAttachments(shape.seed, this.chats, TOPICS);
    this.sessions = new SessionTimeline(shape, dir, this.claudeOrgs, this.projects);
    this.codeArtifacts = new CodeArtifactTimeline(shape, dir, this.claudeOrgs);
  }

  private fileBlob(f: { id: string; sizeBytes: number; mimeType: string }): Blob {
    return blobFor(this.shape.seed, f.id, f.sizeBytes, f.mimeType);
  }

  /** A chat that exists at `ms` (chats are sorted by creation), for background activities. */
  pickChat(rng: Rng, ms: number): SimChat | undefined {
    const n = upperBound(this.chats, ms, (c) => c.createdMs);
    if (n === 0) return undefined;
    const c = this.chats[rng.int(n)];
    return c.deletedMs > ms ? c : undefined;
  }

  pickProject(rng: Rng, ms: number): SimProject | undefined {
    const n = upperBound(this.projects, ms, (p) => p.createdMs);
    if (n === 0) return undefined;
    const p = this.projects[rng.int(n)];
    return p.deletedMs > ms ? p : undefined;
  }

  private span(rng: Rng, before: number): number {
    const { epochStartMs, timelineEndMs } = this.shape;
    const lo = epochStartMs - before;
    return lo + Math.floor(rng.next() * (timelineEndMs - lo));
  }

  private buildProjects(rng: Rng): void {
    if (this.claudeOrgs.length === 0) return;
    for (let k = 0; k < this.shape.projects; k++) {
      const createdMs = this.span(rng, 90 * DAY);
      const orgIndex = rng.pick(this.claudeOrgs);
      const creator = this.dir.pickActiveUser(rng, createdMs, orgIndex);
      if (!creator) continue;
      const project: SimProject = {
        id: entityId('claude_proj', rng),
        orgIndex,
        creator,
        createdMs,
        deletedMs: Infinity,
        isPrivate: rng.chance(0.4),
        name: `${TOPICS[k % TOPICS.length]} ${k + 1}`.replace(/^./, (c) => c.toUpperCase()),
        attachments: [],
      };
      const nAttach = rng.int(5);
      for (let a = 0; a < nAttach; a++) {
        const isDoc = rng.chance(0.4);
        const [filename, mime] = isDoc ? [`guidelines-${a + 1}.txt`, 'text/plain'] : rng.pick(FILES);
        const at = createdMs + Math.floor(rng.between(MINUTE, 20 * DAY));
        if (at >= Math.min(creator.leftMs, this.shape.timelineEndMs)) continue;
        project.attachments.push({
          type: isDoc ? 'project_doc' : 'project_file',
          id: isDoc ? entityId('claude_proj_doc', rng) : entityId('claude_file', rng),
          createdMs: at,
          filename,
          mimeType: mime,
          // the draws stay as they were so the rest of the tenant does not shift; the bytes decide the md5
          sizeBytes: isDoc ? null : (md5Like(rng), 1000 + (rng.int(5_000_000) % MAX_STORED_BYTES)),
        });
      }
      project.attachments.sort((a, b) => a.createdMs - b.createdMs || (a.id < b.id ? -1 : 1));
      if (rng.chance(0.05)) {
        const del = createdMs + Math.floor(rng.between(DAY, 200 * DAY));
        if (del < Math.min(creator.leftMs, this.shape.timelineEndMs)) project.deletedMs = del;
      }
      this.projects.push(project);
      this.projectById.set(project.id, project);
      const actor = this.dir.actorFor(creator);
      const org = orgIndex;
      if (createdMs >= this.shape.epochStartMs) {
        this.events.push({ ms: createdMs, orgIndex: org, actor, type: 'claude_project_created', fields: { claude_project_id: project.id } });
      }
      for (const a of project.attachments) {
        if (a.createdMs < this.shape.epochStartMs) continue;
        this.events.push(
          a.type === 'project_doc'
            ? { ms: a.createdMs, orgIndex: org, actor, type: 'claude_project_document_uploaded', fields: { claude_project_id: project.id, claude_project_document_id: a.id, filename: a.filename } }
            : { ms: a.createdMs, orgIndex: org, actor, type: 'claude_project_file_uploaded', fields: { claude_project_id: project.id, claude_file_id: a.id, filename: a.filename } },
        );
      }
      if (project.deletedMs !== Infinity && project.deletedMs >= this.shape.epochStartMs) {
        this.events.push({ ms: project.deletedMs, orgIndex: org, actor, type: 'claude_project_deleted', fields: { claude_project_id: project.id } });
      }
    }
    this.projects.sort((a, b) => a.createdMs - b.createdMs);
  }

  private buildChats(rng: Rng): void {
    if (this.claudeOrgs.length === 0) return;
    const { epochStartMs, timelineEndMs } = this.shape;
    const drafts: SimChat[] = [];
    let madeLarge = false;
    for (let k = 0; k < this.shape.chats; k++) {
      const createdMs = this.span(rng, 20 * DAY);
      const orgIndex = rng.pick(this.claudeOrgs);
      const creator = this.dir.pickActiveUser(rng, createdMs, orgIndex);
      if (!creator) continue;
      const stop = Math.min(creator.leftMs, timelineEndMs);
      const times = [createdMs];
      const nMessages = 2 + 2 * rng.int(5);
      for (let m = 1; m < nMessages; m++) {
        const gap = m % 2 === 1 ? rng.between(2_000, 90_000) : rng.chance(0.8) ? rng.between(MINUTE, HOUR) : rng.between(HOUR, 10 * DAY);
        const t = Math.floor(times[m - 1] + gap);
        if (t >= stop) break;
        times.push(t);
      }
      const project = rng.chance(0.25) ? this.projectFor(rng, orgIndex, createdMs) : null;
      const chat: SimChat = {
        index: 0,
        id: entityId('claude_chat', rng),
        uuid: uuid(rng),
        orgIndex,
        creator,
        project,
        createdMs,
        messageTimes: times,
        deletedMs: Infinity,
        model: rng.chance(0.05) ? null : rng.pick(MODELS),
        name: `Help with ${rng.pick(TOPICS)}`,
        file: null,
      };
      if (rng.chance(0.2)) {
        const [filename, mime] = rng.pick(FILES);
        const id = entityId('claude_file', rng);
        md5Like(rng);
        const drawn = rng.int(3_000_000);
        const large: boolean = this.shape.largeFileBytes > 0 && !madeLarge;
        madeLarge ||= large;
        chat.file = { id, chat, createdMs, filename, mimeType: mime, sizeBytes: large ? this.shape.largeFileBytes : 2000 + (drawn % MAX_STORED_BYTES) };
      }
      if (rng.chance(0.05)) {
        const del = times[times.length - 1] + Math.floor(rng.between(MINUTE, 30 * DAY));
        if (del < stop) chat.deletedMs = del;
      }
      drafts.push(chat);
    }
    drafts.sort((a, b) => a.createdMs - b.createdMs);
    drafts.forEach((c, i) => {
      c.index = i;
      this.chats.push(c);
      this.chatById.set(c.id, c);
      if (c.file) this.fileById.set(c.file.id, c.file);
      const actor = this.dir.actorFor(c.creator);
      const projectId = c.project?.id ?? null;
      if (c.createdMs >= epochStartMs) {
        this.events.push({ ms: c.createdMs, orgIndex: c.orgIndex, actor, type: 'claude_chat_created', fields: { claude_chat_id: c.id, claude_project_id: projectId } });
        if (c.file) {
          this.events.push({
            ms: c.createdMs + 1,
            orgIndex: c.orgIndex,
            actor,
            type: 'claude_file_uploaded',
            fields: { claude_file_id: c.file.id, filename: c.file.filename, claude_chat_id: c.id, claude_project_id: projectId },
          });
        }
      }
      if (c.deletedMs !== Infinity && c.deletedMs >= epochStartMs) {
        this.events.push({ ms: c.deletedMs, orgIndex: c.orgIndex, actor, type: 'claude_chat_deleted', fields: { claude_chat_id: c.id, claude_project_id: projectId } });
      }
    });
  }

  private projectFor(rng: Rng, orgIndex: number, ms: number): SimProject | null {
    const n = upperBound(this.projects, ms, (p) => p.createdMs);
    for (let attempt = 0; attempt < 8 && n > 0; attempt++) {
      const p = this.projects[rng.int(n)];
      if (p.orgIndex === orgIndex && p.deletedMs > ms) return p;
    }
    return null;
  }

  // ---- the Content view at a moment ---------------------------------------------------------------

  chatAt(c: SimChat, nowMs: number): Chat {
    const deleted = c.deletedMs <= nowMs;
    let updated = c.createdMs;
    for (const t of c.messageTimes) if (t <= nowMs) updated = t;
    if (deleted) updated = c.deletedMs; // deletion bumps updated_at so the chat reappears in updated_at walks
    const org = this.dir.orgs[c.orgIndex];
    return {
      id: c.id,
      name: deleted ? '' : c.name,
      created_at: iso(c.createdMs),
      updated_at: iso(updated),
      deleted_at: deleted ? iso(c.deletedMs) : null,
      href: `https://claude.ai/chat/${c.uuid}`,
      model: c.model,
      organization_uuid: org.uuid,
      organization_id: org.tagged,
      project_id: c.project && c.project.createdMs <= nowMs ? c.project.id : null,
      user: this.dir.isActive(c.creator, nowMs) ? { id: c.creator.id, email_address: c.creator.email } : null,
    };
  }

  messagesAt(c: SimChat, nowMs: number): ChatMessage[] {
    const deleted = c.deletedMs <= nowMs;
    const out: ChatMessage[] = [];
    const plans = this.attachments.plan(c);
    c.messageTimes.forEach((t, i) => {
      if (t > nowMs) return;
      const { id: msgId, topic, useTool, redacted, generated, artifact } = plans[i];
      const role = i % 2 === 0 ? 'user' : 'assistant';
      let content: ContentBlock[];
      if (deleted) content = [];
      else if (role === 'user') content = [{ type: 'text', text: `Can you help me with the ${topic}? (message ${i + 1})`, thinking_redacted: false, truncated: false }];
      else if (useTool) {
        const input = JSON.stringify({ query: `${topic} `.repeat(20).trim(), max_results: 5 });
        content = [
          { type: 'tool_use', id: `toolu_01${msgId.slice(-20)}`, name: 'web_search', input, integration_name: null, mcp_server_url: null, truncated: false },
          { type: 'tool_result', tool_use_id: `toolu_01${msgId.slice(-20)}`, name: 'web_search', is_error: false, content: [{ type: 'text', text: `Results for ${topic}: `.repeat(10) }], integration_name: null, mcp_server_url: null, truncated: false },
          { type: 'text', text: `Here is a summary of the ${topic}.`, thinking_redacted: false, truncated: false },
        ];
      } else content = [{ type: 'text', text: `Here is a draft for the ${topic}.`, thinking_redacted: redacted, truncated: false }];
      // every id a message references can be fetched, with the md5 and size of the bytes served (compliance-api.md §2.3)
      const file = !deleted && i === 0 ? c.file : null;
      out.push({
        id: msgId,
        role,
        created_at: iso(t),
        content,
        files: file
          ? [{ id: file.id, created_at: iso(file.createdMs), filename: file.filename, md5: this.digests.md5(this.fileBlob(file)), mime_type: file.mimeType, size_bytes: file.sizeBytes }]
          : null,
        generated_files:
          !deleted && generated
            ? [{ id: generated.id, filename: generated.filename, md5: this.digests.md5(this.fileBlob(generated)), mime_type: generated.mimeType, size_bytes: generated.sizeBytes }]
            : null,
        artifacts: !deleted && artifact ? [{ id: artifact.id, version_id: artifact.versionId, title: artifact.title, artifact_type: 'text/markdown' }] : null,
      });
    });
    return out;
  }

  projectAt(p: SimProject, nowMs: number): Project {
    const org = this.dir.orgs[p.orgIndex];
    let updated = p.createdMs;
    for (const a of p.attachments) if (a.createdMs <= nowMs) updated = Math.max(updated, a.createdMs);
    const deleted = p.deletedMs <= nowMs;
    if (deleted) updated = p.deletedMs;
    return {
      id: p.id,
      name: p.name,
      created_at: iso(p.createdMs),
      updated_at: iso(updated),
      deleted_at: deleted ? iso(p.deletedMs) : null,
      is_private: p.isPrivate,
      organization_uuid: org.uuid,
      organization_id: org.tagged,
      user: this.dir.isActive(p.creator, nowMs) ? { id: p.creator.id, email_address: p.creator.email } : null,
    };
  }

  private changeMoments: { chats: Float64Array; projects: Float64Array } | undefined;

  /**
   * Every moment at which some chat's (or project's) record changes, ascending. A record is a function of
   * predicates `x <= now` over these moments only (see chatAt, projectAt: creation, messages, deletion, the
   * project appearing, the creator joining and leaving), so the number of moments <= now names the list's state.
   */
  private moments(): { chats: Float64Array; projects: Float64Array } {
    if (this.changeMoments) return this.changeMoments;
    const chats: number[] = [];
    for (const c of this.chats) {
      chats.push(c.createdMs, ...c.messageTimes, c.deletedMs, c.creator.joinedMs, c.creator.leftMs);
      if (c.project) chats.push(c.project.createdMs);
    }
    const projects: number[] = [];
    for (const p of this.projects) {
      projects.push(p.createdMs, p.deletedMs, p.creator.joinedMs, p.creator.leftMs);
      for (const a of p.attachments) projects.push(a.createdMs);
    }
    // typed arrays sort numerically; Infinity (never deleted, never left) is no change
    const sorted = (xs: number[]) => Float64Array.from(xs.filter(Number.isFinite)).sort();
    this.changeMoments = { chats: sorted(chats), projects: sorted(projects) };
    return this.changeMoments;
  }

  private attachmentMd5(a: SimAttachment): string | null {
    return a.sizeBytes === null ? null : this.digests.md5(this.fileBlob({ id: a.id, sizeBytes: a.sizeBytes, mimeType: a.mimeType }));
  }

  /** A chat file (its chat not deleted) or a project file, as stored bytes. */
  private storedFile(id: string, t: number): StoredFile | undefined {
    const f = this.fileById.get(id);
    if (f && f.createdMs <= t && f.chat.deletedMs > t) return this.stored(f.filename, f.mimeType, this.fileBlob(f));
    const a = this.projectFileById(id, t);
    if (a && a.sizeBytes !== null) return this.stored(a.filename, a.mimeType, this.fileBlob({ id: a.id, sizeBytes: a.sizeBytes, mimeType: a.mimeType }));
    return undefined;
  }

  private stored(filename: string, mimeType: string, blob: Blob): StoredFile {
    return { filename, mimeType, blob, md5: this.digests.md5(blob), identity: true };
  }

  private projectFileById(id: string, t: number): SimAttachment | undefined {
    for (const p of this.projects) {
      if (p.createdMs > t) break;
      const a = p.attachments.find((x) => x.id === id && x.type === 'project_file' && x.createdMs <= t);
      if (a) return a;
    }
    return undefined;
  }

  private projectDocById(id: string, t: number): { project: SimProject; doc: SimAttachment } | undefined {
    for (const project of this.projects) {
      if (project.createdMs > t) break;
      const doc = project.attachments.find((x) => x.id === id && x.type === 'project_doc' && x.createdMs <= t);
      if (doc) return { project, doc };
    }
    return undefined;
  }

  /** A generated file or artifact version exists while its message does and its chat is not deleted. */
  private visibleRef(ref: { chat: SimChat; message: number } | undefined, t: number) {
    if (!ref || ref.chat.messageTimes[ref.message] > t || ref.chat.deletedMs <= t) return undefined;
    return { ref, plan: this.attachments.plan(ref.chat)[ref.message], at: ref.chat.messageTimes[ref.message] };
  }

  view(clamp: (nowMs: number) => number): Content {
    return {
      revision: (list, now) => upperBound(this.moments()[list], clamp(now), (x) => x),
      ...this.sessions.view(clamp),
      ...this.codeArtifacts.view(clamp),
      fileContent: (id, now) => this.storedFile(id, clamp(now)),
      generatedFile: (id, now) => {
        const found = this.visibleRef(this.attachments.generated(id), clamp(now));
        const g = found?.plan.generated;
        if (!found || !g) return undefined;
        const blob = this.fileBlob(g);
        return {
          metadata: {
            id: g.id,
            claude_chat_id: found.ref.chat.id,
            created_at: iso(found.at),
            filename: g.filename,
            md5: this.digests.md5(blob),
            mime_type: g.mimeType,
            size_bytes: g.sizeBytes,
          },
          stored: this.stored(g.filename, g.mimeType, blob),
        };
      },
      artifact: (versionId, now) => {
        const found = this.visibleRef(this.attachments.artifactVersion(versionId), clamp(now));
        const a = found?.plan.artifact;
        if (!found || !a) return undefined;
        const content = artifactText(a);
        return {
          metadata: {
            id: a.id,
            version_id: a.versionId,
            claude_chat_id: found.ref.chat.id,
            created_at: iso(found.at),
            title: a.title,
            artifact_type: 'text/markdown',
            md5: md5Hex(content),
            size_bytes: Buffer.byteLength(content, 'utf8'),
          },
          content,
        };
      },
      projectCollaborators: (id, now) => {
        const t = clamp(now);
        const p = this.projectById.get(id);
        if (!p || p.createdMs > t) return undefined;
        return projectCollaborators(this.shape.seed, p, this.dir, t);
      },
      projectDocument: (id, now) => {
        const t = clamp(now);
        const found = this.projectDocById(id, t);
        if (!found) return undefined;
        const { project, doc } = found;
        const content = projectDocumentText(project.name, doc.filename, doc.id);
        const user = this.dir.isActive(project.creator, t) ? { id: project.creator.id, email_address: project.creator.email } : null;
        return {
          document: { id: doc.id, filename: doc.filename, content, created_at: iso(doc.createdMs), user },
          metadata: {
            id: doc.id,
            claude_project_id: project.id,
            filename: doc.filename,
            created_at: iso(doc.createdMs),
            mime_type: 'text/plain',
            md5: md5Hex(content),
            size_bytes: Buffer.byteLength(content, 'utf8'),
            user,
          },
        };
      },
      chats: (now) => {
        const t = clamp(now);
        const n = upperBound(this.chats, t, (c) => c.createdMs);
        const out: Chat[] = new Array(n);
        for (let i = 0; i < n; i++) out[i] = this.chatAt(this.chats[i], t);
        return out;
      },
      chat: (id, now) => {
        const t = clamp(now);
        const c = this.chatById.get(id);
        if (!c || c.createdMs > t) return undefined;
        return { chat: this.chatAt(c, t), messages: this.messagesAt(c, t) };
      },
      file: (id, now): FileMetadata | undefined => {
        const t = clamp(now);
        const f = this.fileById.get(id);
        if (f && f.createdMs <= t && f.chat.deletedMs > t) {
          const firstMessage = this.messagesAt(f.chat, t)[0];
          return {
            id: f.id,
            claude_chat_ids: [f.chat.id],
            message_ids: firstMessage ? [firstMessage.id] : [],
            created_at: iso(f.createdMs),
            filename: f.filename,
            md5: this.digests.md5(this.fileBlob(f)),
            mime_type: f.mimeType,
            size_bytes: f.sizeBytes,
          };
        }
        for (const p of this.projects) {
          if (p.createdMs > t) break;
          const a = p.attachments.find((x) => x.id === id && x.type === 'project_file' && x.createdMs <= t);
          if (a) {
            return { id: a.id, claude_chat_ids: [], message_ids: [], created_at: iso(a.createdMs), filename: a.filename, md5: this.attachmentMd5(a), mime_type: a.mimeType, size_bytes: a.sizeBytes };
          }
        }
        return undefined;
      },
      projects: (now) => {
        const t = clamp(now);
        return this.projects.filter((p) => p.createdMs <= t).map((p) => this.projectAt(p, t));
      },
      project: (id, now): ProjectDetail | undefined => {
        const t = clamp(now);
        const p = this.projectById.get(id);
        if (!p || p.createdMs > t) return undefined;
        const chatsCount = this.chats.filter((c) => c.project === p && c.createdMs <= t && c.deletedMs > t).length;
        const attachments = p.attachments.filter((a) => a.createdMs <= t).length;
        return {
          ...this.projectAt(p, t),
          description: `Shared workspace for the ${p.name.toLowerCase()}`,
          instructions: 'Answer concisely and cite the attached documents.',
          chats_count: chatsCount,
          attachments_count: attachments,
        };
      },
      projectAttachments: (id, now): ProjectAttachment[] | undefined => {
        const t = clamp(now);
        const p = this.projectById.get(id);
        if (!p || p.createdMs > t) return undefined;
        return p.attachments
          .filter((a) => a.createdMs <= t)
          .map((a) =>
            a.type === 'project_doc'
              ? { type: 'project_doc', id: a.id, created_at: iso(a.createdMs), filename: a.filename, mime_type: 'text/plain', updated_at: null }
              : { type: 'project_file', id: a.id, created_at: iso(a.createdMs), filename: a.filename, mime_type: a.mimeType, md5: this.attachmentMd5(a), size_bytes: a.sizeBytes },
          );
      },
    };
  }
}

/** Number of items whose key is <= value, in an array sorted by key. */
export function upperBound<T>(items: ArrayLike<T>, value: number, key: (t: T) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(items[mid]) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
