// Console sessions (console.md §2): random ids kept only in this process's memory with their kind and expiry.
// A restart ends them all; the id is never logged and never written anywhere.
import { randomBytes } from 'node:crypto';

export type SessionKind = 'read' | 'write';

export const SESSION_COOKIE = 'cl_session';
/** console.md §2: a session lasts 12 h after its last request ... */
export const SESSION_IDLE_MS = 12 * 3_600_000;
/** ... and at most 7 days after sign-in. */
export const SESSION_MAX_MS = 7 * 24 * 3_600_000;
/** 32 random bytes, base64url: 43 characters. */
const SESSION_ID_BYTES = 32;
const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** Sessions kept at once; past it the oldest sign-in ends (memory stays bounded whatever a token holder does). */
export const MAX_SESSIONS = 10_000;

export interface Session {
  kind: SessionKind;
  signedInAt: number;
  expiresAt: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Starts a session; returns its id (the cookie's value). */
  create(kind: SessionKind): string {
    this.prune();
    // a Map iterates in insertion order: the first key is the oldest sign-in
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const id = randomBytes(SESSION_ID_BYTES).toString('base64url');
    const at = this.now();
    this.sessions.set(id, { kind, signedInAt: at, expiresAt: Math.min(at + SESSION_IDLE_MS, at + SESSION_MAX_MS) });
    return id;
  }

  /** The live session with this id, its expiry moved to 12 h from now (never past 7 days); null when none. */
  touch(id: string | null): Session | null {
    if (!id || !SESSION_ID_PATTERN.test(id)) return null;
    const session = this.sessions.get(id);
    if (!session) return null;
    const at = this.now();
    if (at >= session.expiresAt) {
      this.sessions.delete(id);
      return null;
    }
    session.expiresAt = Math.min(at + SESSION_IDLE_MS, session.signedInAt + SESSION_MAX_MS);
    return session;
  }

  end(id: string | null): void {
    if (id) this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private prune(): void {
    const at = this.now();
    for (const [id, s] of this.sessions) if (at >= s.expiresAt) this.sessions.delete(id);
  }
}

/** The session id from a Cookie header; null when there is none. */
export function sessionIdFrom(cookieHeader: string | undefined): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/** The Set-Cookie value that starts (id) or ends (null) a session. */
export function sessionCookie(id: string | null, secure: boolean): string {
  const attributes = ['HttpOnly', 'SameSite=Strict', 'Path=/', ...(secure ? ['Secure'] : [])];
  return id === null ? [`${SESSION_COOKIE}=`, 'Max-Age=0', ...attributes].join('; ') : [`${SESSION_COOKIE}=${id}`, ...attributes].join('; ');
}
