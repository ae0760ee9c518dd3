// Opaque cursors and page tokens: what each one encodes and how a bad one is reported (compliance-api.md §2.1–§2.4).
import { createHash } from 'node:crypto';
import { invalidRequest } from './errors.js';

function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function decodeJson(value: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9_\-+/]+=*$/.test(value)) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

// ---- activities: base64 JSON {"id","created_at"} as observed live; raw `activity_…` ids also work (WIRE) ----

export function encodeActivityCursor(id: string, createdAt: string): string {
  return encodeJson({ id, created_at: createdAt });
}

/** The activity id a cursor names, or undefined when it cannot be read. */
export function activityCursorId(value: string): string | undefined {
  if (value.startsWith('activity_')) return value;
  const obj = decodeJson(value);
  return typeof obj?.id === 'string' ? obj.id : undefined;
}

// ---- chats: base64 JSON {"k": order_by, "t": timestamp, "id"} (compliance-api.md §2.3) ----

export interface ChatCursor {
  k: 'created_at' | 'updated_at';
  t: string;
  id: string;
}

export function encodeChatCursor(c: ChatCursor): string {
  return encodeJson({ k: c.k, t: c.t, id: c.id });
}

export function decodeChatCursor(value: string): ChatCursor | undefined {
  const obj = decodeJson(value);
  if (!obj || (obj.k !== 'created_at' && obj.k !== 'updated_at')) return undefined;
  if (typeof obj.t !== 'string' || typeof obj.id !== 'string') return undefined;
  return { k: obj.k, t: obj.t, id: obj.id };
}

// ---- messages: base64 JSON {"msg_uuid"} (compliance-api.md §2.3) ----

export function encodeMessageCursor(id: string): string {
  return encodeJson({ msg_uuid: id });
}

export function decodeMessageCursor(value: string): string | undefined {
  const obj = decodeJson(value);
  return typeof obj?.msg_uuid === 'string' ? obj.msg_uuid : undefined;
}

// ---- page tokens: `page_` + base64 JSON {o: offset, q: query fingerprint} ----

const fingerprintHash = (fingerprint: string) => createHash('sha256').update(fingerprint).digest('base64url').slice(0, 12);

export function encodePageToken(offset: number, fingerprint: string): string {
  return `page_${encodeJson({ o: offset, q: fingerprintHash(fingerprint) })}`;
}

/**
 * The offset a token points at. A token is bound to the query that issued it (same path and filters;
 * `limit` may change between pages); anything else is the 400 of a bad page token (compliance-api.md §6.2).
 */
export function decodePageToken(value: string, fingerprint: string): number {
  const obj = value.startsWith('page_') ? decodeJson(value.slice(5)) : undefined;
  const offset = obj?.o;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0 || obj?.q !== fingerprintHash(fingerprint)) {
    throw invalidRequest(`Invalid \`page\`. No page found for \`page\` "${value}"`);
  }
  return offset;
}

// ---- session and code-artifact page tokens: `page_` + base64 JSON {o, q, s: the walk's first page, ms} ----

/**
 * Session cursors are bound to the session and the order (here: the whole query but `page`/`limit`) and expire
 * 24 h after the walk's first page (compliance-api.md §2.6); each token carries that first moment forward.
 */
export function encodeWalkToken(offset: number, fingerprint: string, startedMs: number): string {
  return `page_${encodeJson({ o: offset, q: fingerprintHash(fingerprint), s: startedMs })}`;
}

export function decodeWalkToken(value: string, fingerprint: string): { offset: number; startedMs: number } | undefined {
  const obj = value.startsWith('page_') ? decodeJson(value.slice(5)) : undefined;
  const offset = obj?.o;
  const startedMs = obj?.s;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) return undefined;
  if (typeof startedMs !== 'number' || obj?.q !== fingerprintHash(fingerprint)) return undefined;
  return { offset, startedMs };
}
