// ComplianceClient: one typed method per Compliance API read endpoint, returning pages with provenance,
// plus walks over every page. The only way the rest of the project reaches the API.

import type {
  ArtifactContent,
  ArtifactMetadata,
  CodeArtifact,
  CodeArtifactQuery,
  GeneratedFileMetadata,
  LocalSession,
  LocalSessionMessage,
  LocalSessionQuery,
  ProjectCollaborator,
  ProjectDocument,
  ProjectDocumentMetadata,
  RemoteSession,
  RemoteSessionMessage,
  RemoteSessionQuery,
  SessionMessageQuery,
} from './app-types.js';
import { Downloader, type DownloadOptions, type DownloadResult } from './download.js';
import { ClientValidationError, MalformedResponseError } from './errors.js';
import { HttpTransport, type Logger, type RequestInfo, type ResponseShape, type TransportOptions } from './http.js';
import {
  DEFAULT_ACTIVITY_PAGE,
  DEFAULT_CHAT_PAGE,
  DEFAULT_COLLABORATOR_PAGE,
  DEFAULT_DIRECTORY_PAGE,
  DEFAULT_ORGANIZATION_PAGE,
  DEFAULT_PROJECT_PAGE,
  MAX_COLLABORATOR_PAGE,
  MAX_DIRECTORY_PAGE,
  MAX_ORGANIZATION_PAGE,
  MAX_PROJECT_PAGE,
} from './limits.js';
import { walkNextPages } from './next-page.js';
import {
  resolveDirection,
  walkCursorPages,
  walkTokenPages,
  type CursorDirection,
  type CursorStart,
  type ItemOf,
  type Checked,
  type MessagesPageOf,
  type PageCheck,
  type PageOf,
  type ResponseMeta,
} from './pagination.js';
import { encodeWireParams, toWireParams, type WithDates } from './query.js';
import { RateBudget, defaultSleep } from './rate-budget.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from './retry.js';
import { normalizeFields } from './timestamps.js';
import type {
  Activity,
  ActivityQuery,
  Chat,
  ChatMessage,
  ChatQuery,
  FileMetadata,
  Group,
  GroupMember,
  GroupQuery,
  MessageQuery,
  Organization,
  OrganizationSettings,
  OrganizationUser,
  PageQuery,
  Project,
  ProjectAttachment,
  ProjectDetail,
  ProjectQuery,
  Role,
  RolePermission,
} from './types.js';
import {
  checkPathId,
  validateActivityQuery,
  validateChatQuery,
  validateMessageQuery,
  validatePageQuery,
  validateProjectQuery,
} from './validate.js';
import {
  validateCodeArtifactQuery,
  validateLocalSessionQuery,
  validateRemoteSessionQuery,
  validateSessionMessageQuery,
} from './validate-apps.js';
import { defaultUserAgent } from './version.js';

export const DEFAULT_BASE_URL = 'https://api.anthropic.com';
export const DEFAULT_MAX_RETRIES = 5;
/**
 * Retries of one request's 429s. A 429 is always waited out (design.md invariant 4); with retry-after as a
 * floor and backoff doubling to 60 s, 20 retries wait about 15 minutes before the request is given up.
 */
export const DEFAULT_MAX_RATE_LIMIT_RETRIES = 20;
export const DEFAULT_TIMEOUT_MS = 120_000;
export const DEFAULT_CLIENT_REQUESTS_PER_MINUTE = 600;

export interface ComplianceClientOptions {
  apiKey: string;
  /** Default https://api.anthropic.com; a trailing `/v1/compliance` is accepted and removed. */
  baseUrl?: string;
  /** Injectable so tests can hand the client the simulator in-process. */
  fetch?: typeof fetch;
  /** Share one budget between clients of the same parent organization. */
  rateBudget?: RateBudget;
  /** Used only when no rateBudget is given. Default 600; 0 disables client-side pacing. */
  requestsPerMinute?: number;
  /** Retries after the first attempt for 5xx, network failures and malformed bodies. Default 5. */
  maxRetries?: number;
  /** Retries of 429s, counted apart from maxRetries (x-should-retry is ignored on a 429). Default 20. */
  maxRateLimitRetries?: number;
  /** Per attempt, body included. Default 120 000 ms. */
  timeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** Default `compliance-lake/<version>`. */
  userAgent?: string;
  logger?: Logger;
  onRequest?: (info: RequestInfo) => void;
  /** Every confirming request a walk made after a page that may lie (compliance-api.md §7.2), and its outcome. */
  onPageCheck?: (check: PageCheck) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Jitter source, for tests. */
  random?: () => number;
}

export interface CursorWalkOptions {
  direction?: CursorDirection;
}

export type ActivityParams = WithDates<ActivityQuery>;
export type ChatParams = WithDates<ChatQuery>;
export type MessageParams = WithDates<MessageQuery>;
export type ProjectParams = WithDates<ProjectQuery>;
export type LocalSessionParams = WithDates<LocalSessionQuery>;
export type RemoteSessionParams = WithDates<RemoteSessionQuery>;
export type CodeArtifactParams = WithDates<CodeArtifactQuery>;
export type { PageQuery, GroupQuery, SessionMessageQuery };

/** A page of session messages: `data` are the messages, `session` the envelope sent with them (compliance-api.md §2.6). */
export interface SessionMessagesPageOf<S, M> extends PageOf<M> {
  session: S;
}

type Validator = (params: Record<string, unknown>) => void;
type Style = 'cursor' | 'token';

// Timestamp fields normalised on each endpoint's records (compliance-api.md §2, §3.1).
const CREATED = ['created_at'] as const;
const CREATED_UPDATED = ['created_at', 'updated_at'] as const;
const CREATED_UPDATED_DELETED = ['created_at', 'updated_at', 'deleted_at'] as const;
const NONE = [] as const;
const API_KEY_TIMES = ['created_at', 'expires_at'] as const;

const V = '/v1/compliance';
const enc = encodeURIComponent;

const directoryPage: Validator = (p) => validatePageQuery(p, MAX_DIRECTORY_PAGE);
const organizationPage: Validator = (p) => validatePageQuery(p, MAX_ORGANIZATION_PAGE);
const projectPage: Validator = (p) => validatePageQuery(p, MAX_PROJECT_PAGE);
const collaboratorPage: Validator = (p) => validatePageQuery(p, MAX_COLLABORATOR_PAGE);
const GRANTED = ['granted_at'] as const;
const VERSIONS = ['updated_at'] as const;

/**
 * Every read endpoint of compliance-api.md §2.0 and the client method that calls it, so the reference, this client
 * and the simulator cannot drift apart (test/endpoints-catalog.test.ts). The DELETE rows are deliberately absent:
 * the connector is read-only.
 */
export const CLIENT_ENDPOINTS = {
  'GET /v1/compliance/activities': 'activities.list',
  'GET /v1/compliance/organizations': 'organizations.list',
  'GET /v1/compliance/organizations/{org_uuid}/users': 'users.list',
  'GET /v1/compliance/organizations/{organization_id}/settings': 'organizationSettings.get',
  'GET /v1/compliance/organizations/{org_uuid}/roles': 'roles.list',
  'GET /v1/compliance/organizations/{org_uuid}/roles/{role_id}': 'roles.get',
  'GET /v1/compliance/organizations/{org_uuid}/roles/{role_id}/permissions': 'rolePermissions.list',
  'GET /v1/compliance/groups': 'groups.list',
  'GET /v1/compliance/groups/{group_id}': 'groups.get',
  'GET /v1/compliance/groups/{group_id}/members': 'groupMembers.list',
  'GET /v1/compliance/apps/chats': 'chats.list',
  'GET /v1/compliance/apps/chats/{claude_chat_id}/messages': 'chatMessages.list',
  'GET /v1/compliance/apps/chats/files/{claude_file_id}': 'files.get',
  'GET /v1/compliance/apps/chats/files/{claude_file_id}/content': 'files.download',
  'GET /v1/compliance/apps/chats/generated-files/{claude_gen_file_id}': 'generatedFiles.get',
  'GET /v1/compliance/apps/chats/generated-files/{claude_gen_file_id}/content': 'generatedFiles.download',
  'GET /v1/compliance/apps/artifacts/{artifact_version_id}': 'artifacts.get',
  'GET /v1/compliance/apps/artifacts/{artifact_version_id}/content': 'artifacts.content',
  'GET /v1/compliance/apps/projects': 'projects.list',
  'GET /v1/compliance/apps/projects/{project_id}': 'projects.get',
  'GET /v1/compliance/apps/projects/{project_id}/attachments': 'projectAttachments.list',
  'GET /v1/compliance/apps/projects/{project_id}/collaborators': 'projectCollaborators.list',
  'GET /v1/compliance/apps/projects/documents/{document_id}': 'projectDocuments.get',
  'GET /v1/compliance/apps/projects/documents/{document_id}/metadata': 'projectDocuments.metadata',
  'GET /v1/compliance/apps/sessions/local': 'localSessions.list',
  'GET /v1/compliance/apps/sessions/local/{local_session_id}': 'localSessions.get',
  'GET /v1/compliance/apps/sessions/local/{local_session_id}/messages': 'localSessionMessages.list',
  'GET /v1/compliance/apps/sessions/remote': 'remoteSessions.list',
  'GET /v1/compliance/apps/sessions/remote/{claude_remote_session_id}/messages': 'remoteSessionMessages.list',
  'GET /v1/compliance/apps/code/artifacts': 'codeArtifacts.list',
  'GET /v1/compliance/apps/code/artifacts/{artifact_id}/versions/{version_id}': 'codeArtifacts.downloadVersion',
} as const satisfies Record<string, string>;

export class ComplianceClient {
  /** The budget every request of this client draws from (shared if one was passed in). */
  readonly rateBudget: RateBudget;
  readonly baseUrl: string;
  readonly #http: HttpTransport;
  readonly #downloader: Downloader;
  readonly #logger: Logger | undefined;
  readonly #onPageCheck: ((check: PageCheck) => void) | undefined;

  constructor(options: ComplianceClientOptions) {
    if (typeof options?.apiKey !== 'string' || options.apiKey.trim() === '') {
      throw new ClientValidationError('apiKey is required (set ANTHROPIC_COMPLIANCE_API_KEY)', 'apiKey');
    }
    const now = options.now ?? Date.now;
    const sleep = options.sleep ?? defaultSleep;
    const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    const maxRateLimitRetries = options.maxRateLimitRetries ?? DEFAULT_MAX_RATE_LIMIT_RETRIES;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new ClientValidationError('maxRetries must be an integer >= 0', 'maxRetries');
    if (!Number.isInteger(maxRateLimitRetries) || maxRateLimitRetries < 0) {
      throw new ClientValidationError('maxRateLimitRetries must be an integer >= 0', 'maxRateLimitRetries');
    }
    if (!(timeoutMs > 0)) throw new ClientValidationError('timeoutMs must be > 0', 'timeoutMs');
    if (!(backoff.baseMs >= 0) || !(backoff.maxMs >= 0)) throw new ClientValidationError('backoff.baseMs and backoff.maxMs must be >= 0', 'backoff');
    const fetchFn = options.fetch ?? globalThis.fetch;
    if (typeof fetchFn !== 'function') throw new ClientValidationError('no fetch implementation available', 'fetch');

    this.baseUrl = normalizeBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL);
    this.rateBudget =
      options.rateBudget ??
      new RateBudget({ requestsPerMinute: options.requestsPerMinute ?? DEFAULT_CLIENT_REQUESTS_PER_MINUTE, now, sleep });
    this.#logger = options.logger;
    this.#onPageCheck = options.onPageCheck;
    const transport: TransportOptions = {
      apiKey: options.apiKey,
      baseUrl: this.baseUrl,
      fetch: fetchFn,
      budget: this.rateBudget,
      maxRetries,
      maxRateLimitRetries,
      timeoutMs,
      backoff,
      userAgent: options.userAgent ?? defaultUserAgent(),
      logger: options.logger,
      onRequest: options.onRequest,
      sleep,
      now,
      random: options.random,
    };
    this.#http = new HttpTransport(transport);
    this.#downloader = new Downloader(transport);
  }

  // list/get are async so that every failure, validation included, arrives as a rejection.

  /** GET /v1/compliance/activities — cursor pages, newest first unless `order: 'asc'`. */
  readonly activities = {
    list: async (params: ActivityParams = {}): Promise<PageOf<Activity>> =>
      this.#page('cursor', `${V}/activities`, params, validateActivityQuery, CREATED),
    pages: (params: ActivityParams = {}, options: CursorWalkOptions = {}): AsyncGenerator<Checked<PageOf<Activity>>, void, undefined> =>
      this.#cursorWalk(params, options, validateActivityQuery, DEFAULT_ACTIVITY_PAGE, (p) => this.activities.list(p)),
  };

  /** GET /v1/compliance/organizations — page tokens. */
  readonly organizations = {
    list: async (params: PageQuery = {}): Promise<PageOf<Organization>> =>
      this.#page('token', `${V}/organizations`, params, organizationPage, CREATED),
    pages: (params: PageQuery = {}): AsyncGenerator<Checked<PageOf<Organization>>, void, undefined> =>
      this.#tokenWalk(params, organizationPage, DEFAULT_ORGANIZATION_PAGE, (p) => this.organizations.list(p)),
  };

  /** GET /v1/compliance/organizations/{org_uuid}/users — page tokens. */
  readonly users = {
    list: async (orgUuid: string, params: PageQuery = {}): Promise<PageOf<OrganizationUser>> =>
      this.#page('token', `${V}/organizations/${pathId('orgUuid', orgUuid)}/users`, params, directoryPage, CREATED),
    pages: (orgUuid: string, params: PageQuery = {}): AsyncGenerator<Checked<PageOf<OrganizationUser>>, void, undefined> =>
      this.#tokenWalk(params, directoryPage, DEFAULT_DIRECTORY_PAGE, (p) => this.users.list(orgUuid, p), () => pathId('orgUuid', orgUuid)),
  };

  /**
   * GET /v1/compliance/organizations/{organization_id}/settings — one object. The id is a linked
   * organization's bare UUID; the parent, an unknown id or a parent without the endpoint enabled all give
   * 404 (compliance-api.md §2.2 item 7).
   */
  readonly organizationSettings = {
    get: async (orgUuid: string): Promise<ItemOf<OrganizationSettings>> => {
      const settings = await this.#item<OrganizationSettings>(`${V}/organizations/${pathId('orgUuid', orgUuid)}/settings`, NONE);
      for (const key of Array.isArray(settings.data.api_keys) ? settings.data.api_keys : []) normalizeFields(key, API_KEY_TIMES);
      return settings;
    },
  };

  /** GET /v1/compliance/organizations/{org_uuid}/roles[/{role_id}] — page tokens; `get` is one role. */
  readonly roles = {
    list: async (orgUuid: string, params: PageQuery = {}): Promise<PageOf<Role>> =>
      this.#page('token', `${V}/organizations/${pathId('orgUuid', orgUuid)}/roles`, params, directoryPage, CREATED_UPDATED),
    pages: (orgUuid: string, params: PageQuery = {}): AsyncGenerator<Checked<PageOf<Role>>, void, undefined> =>
      this.#tokenWalk(params, directoryPage, DEFAULT_DIRECTORY_PAGE, (p) => this.roles.list(orgUuid, p), () => pathId('orgUuid', orgUuid)),
    get: async (orgUuid: string, roleId: string): Promise<ItemOf<Role>> =>
      this.#item(`${V}/organizations/${pathId('orgUuid', orgUuid)}/roles/${pathId('roleId', roleId)}`, CREATED_UPDATED),
  };

  /** GET /v1/compliance/organizations/{org_uuid}/roles/{role_id}/permissions — page tokens. */
  readonly rolePermissions = {
    list: async (orgUuid: string, roleId: string, params: PageQuery = {}): Promise<PageOf<RolePermission>> =>
      this.#page(
        'token',
        `${V}/organizations/${pathId('orgUuid', orgUuid)}/roles/${pathId('roleId', roleId)}/permissions`,
        params,
        directoryPage,
        NONE,
      ),
    pages: (orgUuid: string, roleId: string, params: PageQuery = {}): AsyncGenerator<Checked<PageOf<RolePermission>>, void, undefined> =>
      this.#tokenWalk(params, directoryPage, DEFAULT_DIRECTORY_PAGE, (p) => this.rolePermissions.list(orgUuid, roleId, p), () => {
        pathId('orgUuid', orgUuid);
        pathId('roleId', roleId);
      }),
  };

  /** GET /v1/compliance/groups[/{group_id}] — page tokens, optional `name_prefix`; `get` is one group. */
  readonly groups = {
    list: async (params: GroupQuery = {}): Promise<PageOf<Group>> =>
      this.#page('token', `${V}/groups`, params, directoryPage, CREATED_UPDATED),
    pages: (params: GroupQuery = {}): AsyncGenerator<Checked<PageOf<Group>>, void, undefined> =>
      this.#tokenWalk(params, directoryPage, DEFAULT_DIRECTORY_PAGE, (p) => this.groups.list(p)),
    get: async (groupId: string): Promise<ItemOf<Group>> => this.#item(`${V}/groups/${pathId('groupId', groupId)}`, CREATED_UPDATED),
  };

  /** GET /v1/compliance/groups/{group_id}/members — page tokens. */
  readonly groupMembers = {
    list: async (groupId: string, params: PageQuery = {}): Promise<PageOf<GroupMember>> =>
      this.#page('token', `${V}/groups/${pathId('groupId', groupId)}/members`, params, directoryPage, CREATED_UPDATED),
    pages: (groupId: string, params: PageQuery = {}): AsyncGenerator<Checked<PageOf<GroupMember>>, void, undefined> =>
      this.#tokenWalk(params, directoryPage, DEFAULT_DIRECTORY_PAGE, (p) => this.groupMembers.list(groupId, p), () => pathId('groupId', groupId)),
  };

  /** GET /v1/compliance/apps/chats — cursor pages, oldest first by `order_by`. */
  readonly chats = {
    list: async (params: ChatParams = {}): Promise<PageOf<Chat>> =>
      this.#page('cursor', `${V}/apps/chats`, params, validateChatQuery, CREATED_UPDATED_DELETED),
    pages: (params: ChatParams = {}, options: CursorWalkOptions = {}): AsyncGenerator<Checked<PageOf<Chat>>, void, undefined> =>
      this.#cursorWalk(params, options, validateChatQuery, DEFAULT_CHAT_PAGE, (p) => this.chats.list(p)),
  };

  /** GET /v1/compliance/apps/chats/{claude_chat_id}/messages — chat metadata plus cursor pages of messages. */
  readonly chatMessages = {
    list: async (chatId: string, params: MessageParams = {}): Promise<MessagesPageOf> =>
      this.#messagesPage(`${V}/apps/chats/${pathId('chatId', chatId)}/messages`, params),
    pages: (chatId: string, params: MessageParams = {}, options: CursorWalkOptions = {}): AsyncGenerator<Checked<MessagesPageOf>, void, undefined> => {
      pathId('chatId', chatId);
      return this.#cursorWalk(params, options, validateMessageQuery, null, (p) => this.chatMessages.list(chatId, p));
    },
  };

  /**
   * GET /v1/compliance/apps/chats/files/{claude_file_id}[/content] — metadata; `download` streams the stored bytes to
   * `destPath`, checked against Content-MD5 and, when passed, the metadata's md5 and size.
   */
  readonly files = {
    get: async (fileId: string): Promise<ItemOf<FileMetadata>> => this.#item(`${V}/apps/chats/files/${pathId('fileId', fileId)}`, CREATED),
    download: async (fileId: string, destPath: string, options: DownloadOptions = {}): Promise<DownloadResult> =>
      this.#downloader.toFile(`${V}/apps/chats/files/${pathId('fileId', fileId)}/content`, fileId, destPath, options),
  };

  /** GET /v1/compliance/apps/chats/generated-files/{claude_gen_file_id}[/content] — metadata and download. */
  readonly generatedFiles = {
    get: async (generatedFileId: string): Promise<ItemOf<GeneratedFileMetadata>> =>
      this.#item(`${V}/apps/chats/generated-files/${pathId('generatedFileId', generatedFileId)}`, CREATED),
    download: async (generatedFileId: string, destPath: string, options: DownloadOptions = {}): Promise<DownloadResult> =>
      this.#downloader.toFile(
        `${V}/apps/chats/generated-files/${pathId('generatedFileId', generatedFileId)}/content`,
        generatedFileId,
        destPath,
        options,
      ),
  };

  /**
   * GET /v1/compliance/apps/artifacts/{artifact_version_id}[/content] — pass the version id. `content` accepts the
   * newest JSON `{content, title, artifact_type}` and the older raw text (compliance-api.md §2.3 [X]).
   */
  readonly artifacts = {
    get: async (versionId: string): Promise<ItemOf<ArtifactMetadata>> =>
      this.#item(`${V}/apps/artifacts/${pathId('versionId', versionId)}`, CREATED),
    content: async (versionId: string): Promise<ItemOf<ArtifactContent> & { format: 'json' | 'raw' }> => {
      const endpoint = `${V}/apps/artifacts/${pathId('versionId', versionId)}/content`;
      const res = await this.#downloader.getText(endpoint);
      const meta: ResponseMeta = { requestId: res.requestId, status: 200, endpoint, params: {}, query: '', attempts: res.attempts, serverTimeMs: null };
      return { ...artifactContent(res.text, res.contentType, endpoint, res.requestId), ...meta };
    },
  };

  /** GET /v1/compliance/apps/projects[/{project_id}] — page tokens; `get` adds description and counts. */
  readonly projects = {
    list: async (params: ProjectParams = {}): Promise<PageOf<Project>> =>
      this.#page('token', `${V}/apps/projects`, params, validateProjectQuery, CREATED_UPDATED_DELETED),
    pages: (params: ProjectParams = {}): AsyncGenerator<Checked<PageOf<Project>>, void, undefined> =>
      this.#tokenWalk(params, validateProjectQuery, DEFAULT_PROJECT_PAGE, (p) => this.projects.list(p)),
    get: async (projectId: string): Promise<ItemOf<ProjectDetail>> =>
      this.#item(`${V}/apps/projects/${pathId('projectId', projectId)}`, CREATED_UPDATED_DELETED),
  };

  /** GET /v1/compliance/apps/projects/{project_id}/attachments — page tokens. */
  readonly projectAttachments = {
    list: async (projectId: string, params: PageQuery = {}): Promise<PageOf<ProjectAttachment>> =>
      this.#page('token', `${V}/apps/projects/${pathId('projectId', projectId)}/attachments`, params, projectPage, CREATED_UPDATED),
    pages: (projectId: string, params: PageQuery = {}): AsyncGenerator<Checked<PageOf<ProjectAttachment>>, void, undefined> =>
      this.#tokenWalk(params, projectPage, DEFAULT_PROJECT_PAGE, (p) => this.projectAttachments.list(projectId, p), () => pathId('projectId', projectId)),
  };

  /** GET /v1/compliance/apps/projects/{project_id}/collaborators — page tokens, items discriminated by `type`. */
  readonly projectCollaborators = {
    list: async (projectId: string, params: PageQuery = {}): Promise<PageOf<ProjectCollaborator>> =>
      this.#page('token', `${V}/apps/projects/${pathId('projectId', projectId)}/collaborators`, params, collaboratorPage, GRANTED),
    pages: (projectId: string, params: PageQuery = {}): AsyncGenerator<Checked<PageOf<ProjectCollaborator>>, void, undefined> =>
      this.#tokenWalk(params, collaboratorPage, DEFAULT_COLLABORATOR_PAGE, (p) => this.projectCollaborators.list(projectId, p), () =>
        pathId('projectId', projectId),
      ),
  };

  /** GET /v1/compliance/apps/projects/documents/{document_id}[/metadata] — the text, or its md5/size/project. */
  readonly projectDocuments = {
    get: async (documentId: string): Promise<ItemOf<ProjectDocument>> =>
      this.#item(`${V}/apps/projects/documents/${pathId('documentId', documentId)}`, CREATED),
    metadata: async (documentId: string): Promise<ItemOf<ProjectDocumentMetadata>> =>
      this.#item(`${V}/apps/projects/documents/${pathId('documentId', documentId)}/metadata`, CREATED),
  };

  /** GET /v1/compliance/apps/sessions/local[/{id}] — newest first; the walk ends when `next_page` is absent (no `has_more`). */
  readonly localSessions = {
    list: async (params: LocalSessionParams = {}): Promise<PageOf<LocalSession>> =>
      this.#nextPage(`${V}/apps/sessions/local`, params, validateLocalSessionQuery, CREATED_UPDATED),
    pages: (params: LocalSessionParams = {}): AsyncGenerator<PageOf<LocalSession>, void, undefined> =>
      this.#nextPageWalk(params, validateLocalSessionQuery, (p) => this.localSessions.list(p)),
    get: async (sessionId: string): Promise<ItemOf<LocalSession>> =>
      this.#item(`${V}/apps/sessions/local/${pathId('sessionId', sessionId)}`, CREATED_UPDATED),
  };

  /** GET /v1/compliance/apps/sessions/local/{id}/messages — page tokens bound to the session and order, valid 24 h. */
  readonly localSessionMessages = {
    list: async (sessionId: string, params: SessionMessageQuery = {}): Promise<SessionMessagesPageOf<LocalSession, LocalSessionMessage>> =>
      this.#sessionMessages(`${V}/apps/sessions/local/${pathId('sessionId', sessionId)}/messages`, params),
    pages: (sessionId: string, params: SessionMessageQuery = {}) =>
      this.#nextPageWalk(params, validateSessionMessageQuery, (p) => this.localSessionMessages.list(sessionId, p), () => pathId('sessionId', sessionId)),
  };

  /** GET /v1/compliance/apps/sessions/remote — newest first, no `has_more`; these endpoints have a second rate budget. */
  readonly remoteSessions = {
    list: async (params: RemoteSessionParams = {}): Promise<PageOf<RemoteSession>> =>
      this.#nextPage(`${V}/apps/sessions/remote`, params, validateRemoteSessionQuery, CREATED_UPDATED),
    pages: (params: RemoteSessionParams = {}): AsyncGenerator<PageOf<RemoteSession>, void, undefined> =>
      this.#nextPageWalk(params, validateRemoteSessionQuery, (p) => this.remoteSessions.list(p)),
  };

  /** GET /v1/compliance/apps/sessions/remote/{id}/messages — 404 while the session is pending. */
  readonly remoteSessionMessages = {
    list: async (sessionId: string, params: SessionMessageQuery = {}): Promise<SessionMessagesPageOf<RemoteSession, RemoteSessionMessage>> =>
      this.#sessionMessages(`${V}/apps/sessions/remote/${pathId('sessionId', sessionId)}/messages`, params),
    pages: (sessionId: string, params: SessionMessageQuery = {}) =>
      this.#nextPageWalk(params, validateSessionMessageQuery, (p) => this.remoteSessionMessages.list(sessionId, p), () => pathId('sessionId', sessionId)),
  };

  /**
   * GET /v1/compliance/apps/code/artifacts[/{id}/versions/{version_id}] — sorted by id; pages may be short or empty
   * while `next_page` is set, so `has_more` is ignored and the walk follows `next_page` to its end. A version
   * still uploading answers 503 (retried); one rotated out answers 404.
   */
  readonly codeArtifacts = {
    list: async (params: CodeArtifactParams = {}): Promise<PageOf<CodeArtifact>> => {
      const page = await this.#nextPage<CodeArtifact>(`${V}/apps/code/artifacts`, params, validateCodeArtifactQuery, VERSIONS);
      for (const a of page.data) if (Array.isArray(a?.versions)) for (const v of a.versions) normalizeFields(v, CREATED);
      return page;
    },
    pages: (params: CodeArtifactParams = {}): AsyncGenerator<PageOf<CodeArtifact>, void, undefined> =>
      this.#nextPageWalk(params, validateCodeArtifactQuery, (p) => this.codeArtifacts.list(p)),
    downloadVersion: async (artifactId: string, versionId: string, destPath: string, options: DownloadOptions = {}): Promise<DownloadResult> =>
      this.#downloader.toFile(
        `${V}/apps/code/artifacts/${pathId('artifactId', artifactId)}/versions/${pathId('versionId', versionId)}`,
        `${artifactId}/${versionId}`,
        destPath,
        options,
      ),
  };

  /** A `next_page` page: `has_more` is what the walk makes of `next_page`, whatever the body says. */
  async #nextPage<T>(endpoint: string, params: object, validate: Validator, timestampFields: readonly string[]): Promise<PageOf<T>> {
    const page = await this.#page<T>('token', endpoint, params, validate, timestampFields);
    return { ...page, has_more: page.next_page !== null };
  }

  async #sessionMessages<S, M>(endpoint: string, params: SessionMessageQuery): Promise<SessionMessagesPageOf<S, M>> {
    const { res, meta } = await this.#get(endpoint, params, validateSessionMessageQuery, 'list');
    const data = res.body.data as M[];
    for (const m of data) normalizeFields(m as Record<string, unknown>, CREATED);
    const session = res.body.session as Record<string, unknown>;
    if (session && typeof session === 'object') normalizeFields(session, CREATED_UPDATED);
    const next = tokenFields(res.body).next_page;
    return { data, session: session as S, has_more: next !== null, first_id: null, last_id: null, next_page: next, ...meta };
  }

  #nextPageWalk<Q extends PageQuery, P extends PageOf<unknown>>(
    params: Q,
    validate: Validator,
    list: (params: Q) => Promise<P>,
    checkPath: () => void = () => {},
  ): AsyncGenerator<P, void, undefined> {
    checkPath();
    validate(params as unknown as Record<string, unknown>);
    const { page, ...rest } = params;
    return walkNextPages((token) => list({ ...rest, ...(token === undefined ? {} : { page: token }) } as Q), page, this.#logger);
  }

  async #page<T>(
    style: Style,
    endpoint: string,
    params: object,
    validate: Validator,
    timestampFields: readonly string[],
  ): Promise<PageOf<T>> {
    const { res, meta } = await this.#get(endpoint, params, validate, 'list');
    const body = res.body;
    const data = body.data as T[];
    if (timestampFields.length) for (const record of data) normalizeFields(record, timestampFields);
    return style === 'cursor' ? { ...cursorFields(body), data, ...meta } : { ...tokenFields(body), data, ...meta };
  }

  async #messagesPage(endpoint: string, params: MessageParams): Promise<MessagesPageOf> {
    const { res, meta } = await this.#get(endpoint, params, validateMessageQuery, 'messages');
    // The page is the chat object itself plus the message list and cursors; split them apart.
    const { chat_messages, has_more: _h, first_id: _f, last_id: _l, ...chat } = res.body;
    const data = chat_messages as ChatMessage[];
    normalizeFields(chat, CREATED_UPDATED_DELETED);
    for (const message of data) {
      normalizeFields(message, CREATED);
      for (const list of [message?.files, message?.generated_files]) {
        if (Array.isArray(list)) for (const file of list) normalizeFields(file, CREATED);
      }
    }
    return { ...cursorFields(res.body), data, chat: chat as unknown as Chat, ...meta };
  }

  async #item<T>(endpoint: string, timestampFields: readonly string[]): Promise<ItemOf<T>> {
    const { res, meta } = await this.#get(endpoint, {}, () => {}, 'object');
    normalizeFields(res.body, timestampFields);
    return { data: res.body as unknown as T, ...meta };
  }

  async #get(endpoint: string, params: object, validate: Validator, shape: ResponseShape) {
    validate(params as Record<string, unknown>);
    const wire = toWireParams(params);
    const query = encodeWireParams(wire);
    const res = await this.#http.getJson(endpoint, query, shape);
    const meta: ResponseMeta = {
      requestId: res.requestId,
      status: res.status,
      endpoint,
      params: wire,
      query,
      attempts: res.attempts,
      serverTimeMs: res.serverTimeMs,
    };
    return { res, meta };
  }

  // Validation runs when the walk is created, so a bad call fails at the call site, not mid-loop.
  #cursorWalk<Q extends CursorStart, P extends PageOf<unknown>>(
    params: Q,
    options: CursorWalkOptions,
    validate: Validator,
    defaultLimit: number | null,
    list: (params: Q) => Promise<P>,
  ): AsyncGenerator<Checked<P>, void, undefined> {
    validate(params as unknown as Record<string, unknown>);
    const { after_id, before_id, ...rest } = params;
    const start: CursorStart = { after_id, before_id };
    const direction = resolveDirection(start, options.direction);
    return walkCursorPages((cursor) => list({ ...rest, ...cursor } as Q), start, direction, this.#walkOptions(params, defaultLimit));
  }

  #tokenWalk<Q extends PageQuery, P extends PageOf<unknown>>(
    params: Q,
    validate: Validator,
    defaultLimit: number,
    list: (params: Q) => Promise<P>,
    checkPath: () => void = () => {},
  ): AsyncGenerator<Checked<P>, void, undefined> {
    checkPath();
    validate(params as unknown as Record<string, unknown>);
    const { page, ...rest } = params;
    return walkTokenPages((token) => list({ ...rest, ...(token === undefined ? {} : { page: token }) } as Q), page, this.#walkOptions(params, defaultLimit));
  }

  /** The page size in force: the `limit` sent, else the endpoint's default (null: none, e.g. messages). */
  #walkOptions(params: object, defaultLimit: number | null) {
    const sent = (params as { limit?: unknown }).limit;
    const limit = sent === undefined || sent === null ? defaultLimit : Number(sent);
    return { limit: Number.isFinite(limit) ? limit : null, logger: this.#logger, onPageCheck: this.#onPageCheck };
  }
}

function cursorFields(body: Record<string, unknown>) {
  return {
    has_more: body.has_more === true,
    first_id: typeof body.first_id === 'string' ? body.first_id : null,
    last_id: typeof body.last_id === 'string' ? body.last_id : null,
    next_page: null,
  };
}

function tokenFields(body: Record<string, unknown>) {
  const next = typeof body.next_page === 'string' && body.next_page.length > 0 ? body.next_page : null;
  return {
    // Older responses had no has_more (compliance-api.md §2.2); then a next page means more.
    has_more: typeof body.has_more === 'boolean' ? body.has_more : next !== null,
    first_id: null,
    last_id: null,
    next_page: next,
  };
}

/** The newest JSON form, or the raw text older servers send (compliance-api.md §2.3 [X]). */
function artifactContent(
  text: string,
  contentType: string | null,
  endpoint: string,
  requestId: string | null,
): { data: ArtifactContent; format: 'json' | 'raw' } {
  const json = contentType === null || /\bjson\b/i.test(contentType);
  if (json) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const b = body as Record<string, unknown> | undefined;
    if (b && typeof b === 'object' && typeof b.content === 'string') {
      // unknown fields are kept, like on every record
      const data = { ...b, content: b.content, title: typeof b.title === 'string' ? b.title : null, artifact_type: typeof b.artifact_type === 'string' ? b.artifact_type : null };
      return { data, format: 'json' };
    }
    if (contentType !== null) {
      throw new MalformedResponseError({ status: 200, requestId, endpoint, rawBody: text, apiMessage: 'artifact content is JSON without a `content` string' });
    }
  }
  return { data: { content: text, title: null, artifact_type: null }, format: 'raw' };
}

function pathId(name: string, value: string): string {
  return enc(checkPathId(name, value));
}

/** Origin plus optional prefix, without trailing slash or `/v1/compliance` (some vendors include it). */
export function normalizeBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ClientValidationError('baseUrl is not a valid absolute URL', 'baseUrl');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ClientValidationError('baseUrl must be an http(s) URL', 'baseUrl');
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ClientValidationError('baseUrl must not carry a query, fragment or credentials', 'baseUrl');
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v1\/compliance$/i, '').replace(/\/v1$/i, '').replace(/\/+$/, '');
  return `${url.origin}${path}`;
}
