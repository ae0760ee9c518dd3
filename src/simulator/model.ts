// The contract between the simulator's synthetic tenant (tenant/, feed) and its HTTP layer (server/).
import type {
  Activity,
  Chat,
  ChatMessage,
  FileMetadata,
  Group,
  GroupMember,
  Organization,
  OrganizationSettings,
  OrganizationUser,
  Project,
  ProjectAttachment,
  ProjectDetail,
  Role,
  RolePermission,
} from '../api/types.js';
import type {
  ArtifactMetadata,
  CodeArtifact,
  GeneratedFileMetadata,
  LocalSession,
  LocalSessionMessage,
  ProjectCollaborator,
  ProjectDocument,
  ProjectDocumentMetadata,
  RemoteSession,
  RemoteSessionMessage,
} from '../api/app-types.js';
import type { Blob } from './tenant/blobs.js';
import type { JsonItems } from './tenant/feed-text.js';

/** A position in the feed's total order: created_at in microseconds since the epoch, then id. */
export interface FeedPosition {
  us: number;
  id: string;
}

/** One activity as the simulator stores it. `record` is exactly what the API returns. */
export interface SimActivity extends FeedPosition {
  /** ms since the epoch at which the activity becomes visible (indexing delay, late arrival). */
  visibleAt: number;
  record: Activity;
}

export type ScanDirection = 'forward' | 'backward';

export interface ScanOptions {
  /** forward = increasing (created_at, id); backward = decreasing. */
  direction: ScanDirection;
  /** Exclusive start position; omitted = from the oldest (forward) or the newest (backward). */
  from?: FeedPosition;
  /** Inclusive lower bound on created_at, microseconds. */
  minUs?: number;
  /** Exclusive upper bound on created_at, microseconds. */
  maxUs?: number;
  /** Only activities with visibleAt <= nowMs are returned. */
  nowMs: number;
  filter?: (a: SimActivity) => boolean;
  /** How many to return at most. */
  limit: number;
}

/** What the Activity Feed's filters look at, read from an activity's record (compliance-api.md §2.1). */
export interface ActivityFacets {
  type: unknown;
  /** `actor.user_id` when the actor has one. */
  actorUserId: unknown;
  organizationId: unknown;
  organizationUuid: unknown;
}

export interface JsonScanOptions extends Omit<ScanOptions, 'filter'> {
  /** Called with an object reused from one activity to the next: read it, do not keep it. */
  filter?: (f: ActivityFacets) => boolean;
}

/** One activity as its JSON text: exactly `JSON.stringify(record)`. */
export interface ActivityJson extends FeedPosition {
  visibleAt: number;
  facets: ActivityFacets;
  json: string;
}

export interface ApiAccessEvent {
  nowMs: number;
  apiKeyId: string;
  requestId: string;
  url: string;
  method: string;
  statusCode: number;
  ipAddress: string;
  userAgent: string;
}

export interface ActivityFeed {
  /** Visible activities in scan order, strictly after `from`. */
  scan(opts: ScanOptions): SimActivity[];
  /** The activity with this id if it exists (visible or not); ids encode their time, so this is cheap. */
  get(id: string): SimActivity | undefined;
  /**
   * `scan` answered with each activity's JSON text, in scan order: what the activities route serves. Written per
   * hour bucket and cached as text, so a page is sliced out of it instead of building and stringifying records.
   */
  scanJson(opts: JsonScanOptions): JsonItems;
  /** `get` as JSON text, for the route's cursors. */
  getJson(id: string): ActivityJson | undefined;
  /** Adds the `compliance_api_accessed` activity of one API call. */
  recordApiAccess(event: ApiAccessEvent): SimActivity;
  /** Adds arbitrary records (tests: odd timestamps, unknown fields, late arrivals). */
  inject(records: Activity[], visibleAtMs: number): SimActivity[];
  /** Every activity type the simulated server accepts as a filter value. */
  knownTypes: ReadonlySet<string>;
}

export interface MembershipInterval {
  group_id: string;
  user_id: string;
  valid_from: string;
  valid_to: string | null;
}

/** The directory as of a moment (current state only, like the real endpoints). */
export interface Directory {
  parentOrganizationUuid: string;
  organizations(nowMs: number): Organization[];
  /** undefined when the organization does not exist (yet) or is not linked. */
  users(orgUuid: string, nowMs: number): OrganizationUser[] | undefined;
  roles(orgUuid: string, nowMs: number): Role[] | undefined;
  rolePermissions(orgUuid: string, roleId: string, nowMs: number): RolePermission[] | undefined;
  /** A linked organization's effective settings; undefined for the parent, unknown ids, or when not enabled. */
  organizationSettings(orgUuid: string, nowMs: number): OrganizationSettings | undefined;
  groups(nowMs: number): Group[];
  groupMembers(groupId: string, nowMs: number): GroupMember[] | undefined;
  /** Ground truth: every membership interval that started at or before nowMs. */
  membershipHistory(nowMs: number): MembershipInterval[];
}

export interface Content {
  /** Every chat that exists at nowMs (soft-deleted ones included, with deleted_at), unsorted. */
  chats(nowMs: number): Chat[];
  chat(chatId: string, nowMs: number): { chat: Chat; messages: ChatMessage[] } | undefined;
  file(fileId: string, nowMs: number): FileMetadata | undefined;
  projects(nowMs: number): Project[];
  project(projectId: string, nowMs: number): ProjectDetail | undefined;
  projectAttachments(projectId: string, nowMs: number): ProjectAttachment[] | undefined;
  /**
   * How many changes the `chats()` (or `projects()`) list has seen by nowMs. Two moments with the same revision
   * get the same records, so the server can keep a sorted list until the revision moves (a tenant that is not
   * live never moves after its start).
   */
  revision(list: 'chats' | 'projects', nowMs: number): number;
  /** The stored bytes of a chat or project file (compliance-api.md §2.3 #15). */
  fileContent(fileId: string, nowMs: number): StoredFile | undefined;
  generatedFile(id: string, nowMs: number): { metadata: GeneratedFileMetadata; stored: StoredFile } | undefined;
  artifact(versionId: string, nowMs: number): { metadata: ArtifactMetadata; content: string } | undefined;
  /** Sorted by granted_at, ties by the role assignment (compliance-api.md §2.4 #25). */
  projectCollaborators(projectId: string, nowMs: number): ProjectCollaborator[] | undefined;
  projectDocument(documentId: string, nowMs: number): { document: ProjectDocument; metadata: ProjectDocumentMetadata } | undefined;
  /** Newest first, ties by id descending (compliance-api.md §2.6). */
  localSessions(nowMs: number): LocalSession[];
  localSession(id: string, nowMs: number): { session: LocalSession; messages: LocalSessionMessage[] } | undefined;
  /** Newest first; pending sessions are listed but their messages 404 (compliance-api.md §2.6). */
  remoteSessions(nowMs: number): RemoteSession[];
  remoteSession(id: string, nowMs: number): { session: RemoteSession; messages: RemoteSessionMessage[] } | undefined;
  /** Sorted by artifact id (compliance-api.md §2.7). */
  codeArtifacts(nowMs: number): CodeArtifact[];
  /** `uploading`: the version's upload is in flight (503); undefined: unknown or rotated out (404). */
  codeArtifactVersion(artifactId: string, versionId: string, nowMs: number): { state: 'ready' | 'uploading'; stored: StoredFile } | undefined;
}

/** A downloadable body: its name, its recorded type, and the seed of its bytes. */
export interface StoredFile {
  filename: string;
  mimeType: string;
  blob: Blob;
  /** Lowercase hex md5 of exactly the bytes served. */
  md5: string;
  /** False when the content is not stored as-is (no Content-MD5 then, compliance-api.md §2.7). */
  identity: boolean;
}

/** A scenario's expected alerts (detections.md §6), as GET /_sim/truth/alerts lists them. */
export interface PlayedScenarioTruth {
  scenario: string;
  at: string;
  alerts: { rule_id: string; entity_id: string; evidence_ids: string[] }[];
  activity_ids: string[];
}

/** Attack scenarios of a tenant built with them (tenant/scenarios.ts). */
export interface Scenarios {
  ids: readonly string[];
  played: readonly PlayedScenarioTruth[];
  /** Plays one now (or with its anchor at atMs); its activities are visible from nowMs. */
  play(id: string, atMs: number, nowMs: number): PlayedScenarioTruth;
}

export interface Tenant {
  feed: ActivityFeed;
  directory: Directory;
  content: Content;
  /** Absent when the tenant was built without scenarios. */
  scenarios?: Scenarios;
}
