// Records of the content endpoints added with issue 11: generated files, artifacts, project collaborators and
// documents, local and remote sessions, code artifacts (compliance-api.md §2.3, §2.4, §2.6, §2.7).
import type { ContentBlock, ContentUser, CreatedAtRange, Extra, PageQuery, UpdatedAtRange } from './types.js';

/** GET .../chats/generated-files/{id} (compliance-api.md §2.3 #17). */
export interface GeneratedFileMetadata extends Extra {
  id: string;
  claude_chat_id: string;
  created_at: string | null;
  filename: string;
  md5: string | null;
  mime_type: string | null;
  size_bytes: number | null;
}

/** GET .../apps/artifacts/{artifact_version_id} (compliance-api.md §2.3 #19); md5/size over the UTF-8 text. */
export interface ArtifactMetadata extends Extra {
  id: string;
  version_id: string;
  claude_chat_id: string;
  created_at: string;
  title: string | null;
  artifact_type: string | null;
  md5: string;
  size_bytes: number;
}

/**
 * GET .../apps/artifacts/{artifact_version_id}/content (#20). The newest docs return this JSON object; older
 * servers return the raw text, which the client wraps as `{content, title: null, artifact_type: null}`.
 */
export interface ArtifactContent extends Extra {
  content: string;
  title: string | null;
  artifact_type: string | null;
}

export type CollaboratorRole = 'admin' | 'editor' | 'owner' | 'viewer' | (string & {});

interface CollaboratorBase extends Extra {
  granted_at: string;
  role: CollaboratorRole;
}

/** GET .../projects/{project_id}/collaborators items, discriminated by `type` (compliance-api.md §2.4 #25). */
export type ProjectCollaborator =
  | (CollaboratorBase & { type: 'user'; user_id: string | null })
  | (CollaboratorBase & { type: 'group'; group_id: string })
  | (CollaboratorBase & { type: 'organization'; organization_uuid: string })
  | (CollaboratorBase & { type: 'organization_role'; organization_role: string })
  | (CollaboratorBase & { type: string & {} });

/** GET .../projects/documents/{document_id} (#26). */
export interface ProjectDocument extends Extra {
  id: string;
  filename: string;
  content: string;
  created_at: string;
  user: ContentUser | null;
}

/** GET .../projects/documents/{document_id}/metadata (#27). */
export interface ProjectDocumentMetadata extends Extra {
  id: string;
  claude_project_id: string;
  filename: string;
  created_at: string;
  mime_type: string;
  md5: string;
  size_bytes: number;
  user: ContentUser | null;
}

// ---- sessions (compliance-api.md §2.6) ----------------------------------------------------------

export interface SessionUser extends Extra {
  id: string;
  email_address: string | null;
}

export interface LocalSession extends Extra {
  type: 'compliance_local_session';
  id: string;
  organization_uuid: string;
  workspace_id: string | null;
  user: SessionUser;
  product_surface: string | null;
  created_at: string;
  updated_at?: string;
}

export type Provenance =
  | null
  | { type: 'content_unavailable'; reason: string }
  | { type: 'client_asserted' }
  | { type: 'synthetic_marker' }
  | (Extra & { type: string });

export interface LocalSessionMessage extends Extra {
  type: 'compliance_local_session_message';
  id: string;
  role: string;
  created_at: string;
  content: ContentBlock[];
  provenance: Provenance;
  model?: string | null;
}

export interface RemoteSession extends Extra {
  id: string;
  organization_uuid: string;
  user: SessionUser | null;
  agent_id: string | null;
  started_by_user: SessionUser | null;
  status: 'pending' | 'active' | 'paused' | 'archived' | 'failed' | (string & {});
  created_at: string;
  updated_at: string;
  product_surface: string;
  claude_project_id: string | null;
}

export interface RemoteSessionMessage extends Extra {
  id: string;
  role: string;
  created_at: string;
  content: ContentBlock[];
  sent_by_user_id: string | null;
  content_unavailable: boolean;
}

export interface LocalSessionQuery extends PageQuery {
  /** RFC 3339 with a UTC offset (required by this endpoint). */
  'created_at.gte'?: string;
  'created_at.lt'?: string;
  'updated_at.gte'?: string;
}

export interface RemoteSessionQuery extends PageQuery, CreatedAtRange {
  organization_ids?: string[];
  user_ids?: string[];
}

export interface SessionMessageQuery extends PageQuery {
  order?: 'asc' | 'desc';
  /** Default 10 000; -1 = the server's maximum; 0 is rejected. */
  tool_use_input_max_bytes?: number;
  tool_result_max_bytes?: number;
}

// ---- code artifacts (compliance-api.md §2.7) ----------------------------------------------------

export interface CodeArtifactVersion extends Extra {
  id: string;
  created_at: string | null;
  name: string;
}

export interface CodeArtifact extends Extra {
  id: string;
  organization_uuid: string;
  owner_user_id: string | null;
  user: ContentUser | null;
  published_version_id: string | null;
  read_mode: 'owner' | 'users' | 'org' | 'public' | (string & {});
  updated_at: string | null;
  versions: CodeArtifactVersion[];
}

export interface CodeArtifactQuery extends PageQuery, UpdatedAtRange {
  organization_ids?: string[];
  user_ids?: string[];
}
