// Client-side checks for the session and code-artifact endpoints (compliance-api.md §2.6, §2.7, §6.2).
import { ClientValidationError } from './errors.js';
import {
  MAX_APPS_ORGANIZATION_IDS,
  MAX_CODE_ARTIFACT_PAGE,
  MAX_CODE_ARTIFACT_USER_IDS,
  MAX_REMOTE_SESSION_USER_IDS,
  MAX_SESSION_MESSAGE_PAGE,
  MAX_SESSION_PAGE,
} from './limits.js';
import { checkCommon } from './validate.js';

type Params = Record<string, unknown>;

function checkCount(params: Params, key: string, max: number): void {
  const v = params[key];
  if (Array.isArray(v) && v.length > max) throw new ClientValidationError(`${key}[] accepts at most ${max} values; got ${v.length}`, `${key}[]`);
}

function instant(v: unknown): number | undefined {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** Offsets are required and `created_at.lt` must be strictly after `created_at.gte` (compliance-api.md §2.6). */
export function validateLocalSessionQuery(params: Params): void {
  checkCommon(params, MAX_SESSION_PAGE);
  for (const key of ['created_at.gte', 'created_at.lt', 'updated_at.gte']) {
    const v = params[key];
    if (typeof v === 'string' && !/([Zz]|[+-]\d{2}:\d{2})$/.test(v)) {
      throw new ClientValidationError(`${key} must carry a UTC offset (e.g. 2026-03-01T00:00:00Z) on this endpoint`, key);
    }
  }
  const gte = instant(params['created_at.gte']);
  const lt = instant(params['created_at.lt']);
  if (gte !== undefined && lt !== undefined && lt <= gte) {
    throw new ClientValidationError('created_at.lt must be strictly after created_at.gte', 'created_at.lt');
  }
}

export function validateRemoteSessionQuery(params: Params): void {
  checkCommon(params, MAX_SESSION_PAGE);
  checkCount(params, 'user_ids', MAX_REMOTE_SESSION_USER_IDS);
  checkCount(params, 'organization_ids', MAX_APPS_ORGANIZATION_IDS);
}

/** Byte caps: -1 (the server maximum) or a positive integer; 0 is a 400 (compliance-api.md §6.2). */
export function validateSessionMessageQuery(params: Params): void {
  checkCommon(params, MAX_SESSION_MESSAGE_PAGE);
  if (params.order !== undefined && params.order !== 'asc' && params.order !== 'desc') {
    throw new ClientValidationError(`order must be 'asc' or 'desc'`, 'order');
  }
  for (const key of ['tool_use_input_max_bytes', 'tool_result_max_bytes']) {
    const v = params[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && (v === -1 || v >= 1))) {
      throw new ClientValidationError(`${key} must be -1 or a positive integer`, key);
    }
  }
}

export function validateCodeArtifactQuery(params: Params): void {
  checkCommon(params, MAX_CODE_ARTIFACT_PAGE);
  checkCount(params, 'user_ids', MAX_CODE_ARTIFACT_USER_IDS);
  checkCount(params, 'organization_ids', MAX_APPS_ORGANIZATION_IDS);
}
