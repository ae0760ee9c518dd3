// The route table of /v1/compliance: path patterns, the scope each needs, and matching a path to a route.
import type { Tenant } from '../model.js';
import type { CompatOptions } from './auth.js';
import type { PageFaultKind } from './faults.js';
import type { Query } from './params.js';
import type { ServerCache } from './routes/shared.js';
import { listActivities } from './routes/activities.js';
import { getCodeArtifactVersion, listCodeArtifacts } from './routes/code-artifacts.js';
import { getArtifact, getArtifactContent, getFileContent, getGeneratedFile, getGeneratedFileContent } from './routes/downloads.js';
import { getProjectDocument, getProjectDocumentMetadata, listProjectCollaborators } from './routes/projects.js';
import {
  getLocalSession,
  listLocalSessionMessages,
  listLocalSessions,
  listRemoteSessionMessages,
  listRemoteSessions,
} from './routes/sessions.js';
import { getChatMessages, getFile, getProject, listChats, listProjectAttachments, listProjects } from './routes/content.js';
import {
  getGroup,
  getOrganizationSettings,
  getRole,
  listGroupMembers,
  listGroups,
  listOrganizations,
  listRolePermissions,
  listRoles,
  listUsers,
} from './routes/directory.js';

export interface RouteContext {
  tenant: Tenant;
  nowMs: number;
  query: Query;
  /** Decoded path parameters by name (`org_uuid`, `role_id`, …). */
  params: Record<string, string>;
  /** The route pattern, e.g. `/v1/compliance/groups/{group_id}`. */
  pattern: string;
  /** Asks the fault injector whether a page fault applies to this response. */
  pageFault(kind: PageFaultKind): boolean;
  cache: ServerCache;
  compat: CompatOptions;
}

export interface RouteResult {
  status?: number;
  body?: unknown;
  /** Extra or overriding headers (downloads: content type, disposition, Content-MD5). */
  headers?: Record<string, string>;
  /** A body already written: raw text (legacy artifact content) or JSON serialised by the route. */
  text?: string;
  /** A body already written as UTF-8 bytes (the activity feed's pages), sent as they are. */
  bytes?: Buffer;
  /** A streamed body instead of JSON (downloads). */
  stream?: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

export interface Route {
  pattern: string;
  /** Endpoint → scope matrix of compliance-api.md §1.3. */
  scope: string;
  handler: (ctx: RouteContext) => RouteResult;
}

const USER_DATA = 'read:compliance_user_data';
const ORG_DATA = 'read:compliance_org_data';

export const ROUTES: Route[] = [
  { pattern: '/v1/compliance/activities', scope: 'read:compliance_activities', handler: listActivities },
  { pattern: '/v1/compliance/organizations', scope: ORG_DATA, handler: listOrganizations },
  // users and group members are user data, not org data (compliance-api.md §1.3)
  { pattern: '/v1/compliance/organizations/{org_uuid}/users', scope: USER_DATA, handler: listUsers },
  { pattern: '/v1/compliance/organizations/{organization_id}/settings', scope: ORG_DATA, handler: getOrganizationSettings },
  { pattern: '/v1/compliance/organizations/{org_uuid}/roles', scope: ORG_DATA, handler: listRoles },
  { pattern: '/v1/compliance/organizations/{org_uuid}/roles/{role_id}', scope: ORG_DATA, handler: getRole },
  { pattern: '/v1/compliance/organizations/{org_uuid}/roles/{role_id}/permissions', scope: ORG_DATA, handler: listRolePermissions },
  { pattern: '/v1/compliance/groups', scope: ORG_DATA, handler: listGroups },
  { pattern: '/v1/compliance/groups/{group_id}', scope: ORG_DATA, handler: getGroup },
  { pattern: '/v1/compliance/groups/{group_id}/members', scope: USER_DATA, handler: listGroupMembers },
  { pattern: '/v1/compliance/apps/chats', scope: USER_DATA, handler: listChats },
  { pattern: '/v1/compliance/apps/chats/files/{claude_file_id}', scope: USER_DATA, handler: getFile },
  { pattern: '/v1/compliance/apps/chats/{claude_chat_id}/messages', scope: USER_DATA, handler: getChatMessages },
  { pattern: '/v1/compliance/apps/projects', scope: USER_DATA, handler: listProjects },
  { pattern: '/v1/compliance/apps/projects/{project_id}', scope: USER_DATA, handler: getProject },
  { pattern: '/v1/compliance/apps/projects/{project_id}/attachments', scope: USER_DATA, handler: listProjectAttachments },
  { pattern: '/v1/compliance/apps/chats/files/{claude_file_id}/content', scope: USER_DATA, handler: getFileContent },
  { pattern: '/v1/compliance/apps/chats/generated-files/{claude_gen_file_id}', scope: USER_DATA, handler: getGeneratedFile },
  { pattern: '/v1/compliance/apps/chats/generated-files/{claude_gen_file_id}/content', scope: USER_DATA, handler: getGeneratedFileContent },
  { pattern: '/v1/compliance/apps/artifacts/{artifact_version_id}', scope: USER_DATA, handler: getArtifact },
  { pattern: '/v1/compliance/apps/artifacts/{artifact_version_id}/content', scope: USER_DATA, handler: getArtifactContent },
  // collaborators and code artifacts: no guide states the scope; user data is the reading (compliance-api.md §1.3 [I])
  { pattern: '/v1/compliance/apps/projects/{project_id}/collaborators', scope: USER_DATA, handler: listProjectCollaborators },
  { pattern: '/v1/compliance/apps/projects/documents/{document_id}', scope: USER_DATA, handler: getProjectDocument },
  { pattern: '/v1/compliance/apps/projects/documents/{document_id}/metadata', scope: USER_DATA, handler: getProjectDocumentMetadata },
  { pattern: '/v1/compliance/apps/sessions/local', scope: USER_DATA, handler: listLocalSessions },
  { pattern: '/v1/compliance/apps/sessions/local/{local_session_id}', scope: USER_DATA, handler: getLocalSession },
  { pattern: '/v1/compliance/apps/sessions/local/{local_session_id}/messages', scope: USER_DATA, handler: listLocalSessionMessages },
  { pattern: '/v1/compliance/apps/sessions/remote', scope: USER_DATA, handler: listRemoteSessions },
  { pattern: '/v1/compliance/apps/sessions/remote/{claude_remote_session_id}/messages', scope: USER_DATA, handler: listRemoteSessionMessages },
  { pattern: '/v1/compliance/apps/code/artifacts', scope: USER_DATA, handler: listCodeArtifacts },
  { pattern: '/v1/compliance/apps/code/artifacts/{artifact_id}/versions/{version_id}', scope: USER_DATA, handler: getCodeArtifactVersion },
];

const compiled = ROUTES.map((route) => ({ route, segments: route.pattern.split('/').slice(1) }));

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

/**
 * Literal segments win over parameters, so `/apps/chats/files/{id}` is never read as the messages of a chat
 * named `files`. Returns undefined for unknown paths (404) and for undecodable parameters.
 */
export function matchRoute(path: string): RouteMatch | undefined {
  const parts = path.split('/').slice(1);
  let best: { match: RouteMatch; literals: number } | undefined;
  for (const { route, segments } of compiled) {
    if (segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let literals = 0;
    let ok = true;
    for (let i = 0; i < segments.length && ok; i++) {
      const seg = segments[i];
      if (seg.startsWith('{')) {
        if (parts[i] === '') ok = false;
        else {
          try {
            params[seg.slice(1, -1)] = decodeURIComponent(parts[i]);
          } catch {
            ok = false;
          }
        }
      } else if (seg === parts[i]) literals++;
      else ok = false;
    }
    if (ok && (!best || literals > best.literals)) best = { match: { route, params }, literals };
  }
  return best?.match;
}
