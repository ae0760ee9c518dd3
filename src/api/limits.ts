// Documented page sizes and limits of the Compliance API (compliance-api.md §2.0 unless noted).

/** GET /v1/compliance/activities: `limit` default 100, min 1, max 5000 (compliance-api.md §2.1). */
export const DEFAULT_ACTIVITY_PAGE = 100;
export const MAX_ACTIVITY_PAGE = 5000;

/** GET /v1/compliance/organizations: default and max 1000 (compliance-api.md §2.2). */
export const DEFAULT_ORGANIZATION_PAGE = 1000;
export const MAX_ORGANIZATION_PAGE = 1000;

/** Users, roles, role permissions, groups, group members: default 500, max 1000 (compliance-api.md §2.2). */
export const DEFAULT_DIRECTORY_PAGE = 500;
export const MAX_DIRECTORY_PAGE = 1000;

/** GET /v1/compliance/apps/chats: default 100, max 1000 (compliance-api.md §2.3). */
export const DEFAULT_CHAT_PAGE = 100;
export const MAX_CHAT_PAGE = 1000;

/** GET .../chats/{id}/messages: no default (omitted means the whole set), max 1000 (compliance-api.md §2.3). */
export const MAX_MESSAGE_PAGE = 1000;

/** `user_ids[]` on the chats list: 1 to 10 values (compliance-api.md §2.3). */
export const MAX_CHAT_USER_IDS = 10;

/** Projects list and project attachments: default 20, max 100 (compliance-api.md §2.4). */
export const DEFAULT_PROJECT_PAGE = 20;
export const MAX_PROJECT_PAGE = 100;

/** Project collaborators: default 20, max 100 (compliance-api.md §2.4 #25). */
export const DEFAULT_COLLABORATOR_PAGE = 20;
export const MAX_COLLABORATOR_PAGE = 100;

/** Local and remote sessions lists: default 100, max 500; their messages: default 100, max 1000 (compliance-api.md §2.6). */
export const DEFAULT_SESSION_PAGE = 100;
export const MAX_SESSION_PAGE = 500;
export const DEFAULT_SESSION_MESSAGE_PAGE = 100;
export const MAX_SESSION_MESSAGE_PAGE = 1000;
/** Session message byte caps: default 10 000 per block; -1 asks for the server's maximum, about 1 MiB (compliance-api.md §2.6). */
export const DEFAULT_SESSION_BYTE_CAP = 10_000;
export const MAX_SESSION_BYTE_CAP = 1024 * 1024;
/** `user_ids[]` on remote sessions: 1 to 10; `organization_ids[]` on sessions and code artifacts: up to 500 (compliance-api.md §2.6, §2.7). */
export const MAX_REMOTE_SESSION_USER_IDS = 10;
export const MAX_APPS_ORGANIZATION_IDS = 500;

/** Code artifacts list: default 20, max 100; `user_ids[]` up to 200 (compliance-api.md §2.7). */
export const DEFAULT_CODE_ARTIFACT_PAGE = 20;
export const MAX_CODE_ARTIFACT_PAGE = 100;
export const MAX_CODE_ARTIFACT_USER_IDS = 200;

/** Shared budget per parent organization: 600 requests per minute (compliance-api.md §6.3). */
export const DEFAULT_REQUESTS_PER_MINUTE = 600;
export const RATE_WINDOW_MS = 60_000;

/** The version header every request carries (compliance-api.md §1.1). */
export const ANTHROPIC_VERSION = '2023-06-01';

/** Activities are queryable within one minute of occurring (compliance-api.md §7.1). */
export const INDEXING_DELAY_MAX_MS = 60_000;
