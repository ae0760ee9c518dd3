// The key registry: key kinds by prefix, scopes, expiry and revocation, and the scope check (compliance-api.md §1.2, §1.3).
import { ApiError, permissionDenied } from './errors.js';
import { apiKeyIdFor } from './ids.js';

export type Scope =
  | 'read:compliance_activities'
  | 'read:compliance_user_data'
  | 'read:compliance_org_data'
  | 'read:org_audit'
  | (string & {});

export interface KeySpec {
  key: string;
  kind: 'compliance' | 'admin';
  /** Compliance keys only; default: all three read scopes. Admin keys always carry `read:compliance_activities`. */
  scopes?: string[];
  isActive?: boolean;
  /** RFC 3339; a key past it answers 401 "API key has expired." (WIRE). */
  expiresAt?: string | null;
  name?: string;
}

export interface RegisteredKey {
  id: string;
  kind: 'compliance' | 'admin';
  scopes: string[];
  isActive: boolean;
  expiresAtMs: number | null;
  name: string;
}

export interface CompatOptions {
  /** WIRE saw a request without any key answered 404 not_found_error; the docs say 401 (compliance-api.md §6.2 [X]). */
  missingKey: 401 | 404;
  /** 403 now; 401 authentication_error in the PDF era (compliance-api.md §1.3). */
  scopeErrorStatus: 403 | 401;
  /** One MDX copy of the docs says `Needed one of: [...]` (compliance-api.md §1.3 [X]). */
  neededWording: 'Needed' | 'Needed one of';
  /** The reference's curl snippets use `Authorization: Bearer`; only `x-api-key` is confirmed (compliance-api.md §1.1 [X]). */
  acceptBearer: boolean;
  /** Artifact content: the newest docs' JSON `{content, title, artifact_type}` or the older raw text (compliance-api.md §2.3 [X]). */
  artifactContent: 'json' | 'raw';
}

export const DEFAULT_COMPAT: CompatOptions = {
  missingKey: 401,
  scopeErrorStatus: 403,
  neededWording: 'Needed',
  acceptBearer: true,
  artifactContent: 'json',
};

export const READ_SCOPES: readonly string[] = [
  'read:compliance_activities',
  'read:compliance_user_data',
  'read:compliance_org_data',
];

/** Newer Enterprise scope covering every Compliance API read (compliance-api.md §1.3, G-adminkeys). */
export const ORG_AUDIT_SCOPE = 'read:org_audit';

const PREFIX_KIND: [string, RegisteredKey['kind'] | 'rejected'][] = [
  ['sk-ant-api01-', 'compliance'],
  ['sk-ant-admin01-', 'admin'],
  // Claude API keys are never accepted by the Compliance API (compliance-api.md §1.2, G-faq).
  ['sk-ant-api03-', 'rejected'],
];

function kindByPrefix(key: string): RegisteredKey['kind'] | 'rejected' | undefined {
  return PREFIX_KIND.find(([prefix]) => key.startsWith(prefix))?.[1];
}

export type AuthResult =
  | { ok: true; key: RegisteredKey }
  | { ok: false; reason: 'missing' | 'invalid' | 'expired' };

export class KeyRegistry {
  private readonly keys = new Map<string, RegisteredKey>();

  constructor(specs: KeySpec[] = []) {
    for (const spec of specs) this.register(spec);
  }

  /** Adds or replaces a key (replacing is how tests revoke or expire one). */
  register(spec: KeySpec): RegisteredKey {
    const byPrefix = kindByPrefix(spec.key);
    if (byPrefix === 'rejected') throw new Error('Claude API keys (sk-ant-api03-) cannot be registered: the Compliance API rejects them');
    if (byPrefix && byPrefix !== spec.kind) throw new Error(`key prefix says ${byPrefix}, spec says ${spec.kind}`);
    const expiresAtMs = spec.expiresAt ? Date.parse(spec.expiresAt) : null;
    if (expiresAtMs !== null && Number.isNaN(expiresAtMs)) throw new Error(`invalid expiresAt ${spec.expiresAt}`);
    const key: RegisteredKey = {
      id: apiKeyIdFor(spec.key),
      kind: spec.kind,
      // Admin keys reach the feed only, with a fixed scope (compliance-api.md §1.2, G-access).
      scopes: spec.kind === 'admin' ? ['read:compliance_activities'] : [...(spec.scopes ?? READ_SCOPES)],
      isActive: spec.isActive ?? true,
      expiresAtMs,
      name: spec.name ?? `${spec.kind} key`,
    };
    this.keys.set(spec.key, key);
    return key;
  }

  authenticate(headers: Record<string, string | undefined>, nowMs: number, compat: CompatOptions): AuthResult {
    let presented = headers['x-api-key']?.trim();
    if (!presented && compat.acceptBearer) {
      const m = /^Bearer\s+(.+)$/i.exec(headers['authorization'] ?? '');
      presented = m?.[1].trim();
    }
    if (!presented) return { ok: false, reason: 'missing' };
    if (kindByPrefix(presented) === 'rejected') return { ok: false, reason: 'invalid' };
    const key = this.keys.get(presented);
    if (!key || !key.isActive) return { ok: false, reason: 'invalid' };
    if (key.expiresAtMs !== null && key.expiresAtMs <= nowMs) return { ok: false, reason: 'expired' };
    return { ok: true, key };
  }
}

const pyList = (items: readonly string[]) => `[${items.map((s) => `'${s}'`).join(', ')}]`;

/** Throws the scope error unless the key holds `needed` or `read:org_audit`. */
export function requireScope(key: RegisteredKey, needed: string, compat: CompatOptions): void {
  if (key.scopes.includes(needed) || key.scopes.includes(ORG_AUDIT_SCOPE)) return;
  if (compat.scopeErrorStatus === 401) {
    // PDF-era wording (compliance-api.md §1.3, historical).
    throw new ApiError(401, 'authentication_error', `The API key provided does not have the \`${needed}\` scope required for this endpoint.`);
  }
  const neededText =
    compat.neededWording === 'Needed one of' ? `Needed one of: ${pyList([needed, ORG_AUDIT_SCOPE])}` : `Needed: ${pyList([needed])}`;
  throw permissionDenied(`Missing required scopes. Got: ${pyList(key.scopes)} ${neededText}`);
}
