// What a key can read, decided from its kind before any request (compliance-api.md §1.2): an Admin key
// (`sk-ant-admin01-`) reaches only the activity feed; a Compliance Access Key reaches what its scopes allow,
// which only the server knows (a missing scope is a 403 that names it).
import { ALL_STREAMS } from '../extract/registry.js';
import type { Stream } from '../extract/stream.js';

export type KeyKind = 'compliance' | 'admin' | 'other';

export function keyKindOf(apiKey: string): KeyKind {
  if (apiKey.startsWith('sk-ant-admin01-')) return 'admin';
  if (apiKey.startsWith('sk-ant-api01-')) return 'compliance';
  return 'other';
}

/** Admin keys carry the fixed scope `read:compliance_activities` and nothing else (compliance-api.md §1.2). */
const ADMIN_SCOPES: readonly string[] = ['read:compliance_activities'];

export function readableBy(kind: KeyKind, stream: Stream): boolean {
  return kind !== 'admin' || stream.scopes.every((s) => ADMIN_SCOPES.includes(s));
}

/** A stream asked for that the key cannot read; the message names the streams and the key kind. */
export class StreamSelectionError extends Error {
  override name = 'StreamSelectionError';
}

export interface StreamPlan {
  streams: Stream[];
  /** Streams left out of a default run because the key cannot read them, with the reason. */
  skipped: { stream: string; reason: string }[];
}

export const ADMIN_KEY_REASON = 'an Admin key (sk-ant-admin01-) reads only the activity feed (compliance-api.md §1.2); use a Compliance Access Key (sk-ant-api01-) for the directory and content streams';

/**
 * The streams a run takes, in registry order. `requested` undefined means "every stream the key can read":
 * the others are listed as skipped. Asking for a stream the key cannot read is refused.
 */
export function planStreams(requested: readonly string[] | undefined, kind: KeyKind): StreamPlan {
  const known = ALL_STREAMS.map((s) => s.name);
  if (requested) {
    const unknown = requested.filter((s) => !known.includes(s));
    if (unknown.length || requested.length === 0) {
      throw new StreamSelectionError(`unknown stream(s): ${unknown.join(', ') || '(none given)'}; known: ${known.join(', ')}`);
    }
    const chosen = ALL_STREAMS.filter((s) => requested.includes(s.name));
    const refused = chosen.filter((s) => !readableBy(kind, s));
    if (refused.length) {
      throw new StreamSelectionError(
        `the key cannot read ${refused.map((s) => s.name).join(', ')}: ${ADMIN_KEY_REASON}; or ask only for activities`,
      );
    }
    return { streams: chosen, skipped: [] };
  }
  return {
    streams: ALL_STREAMS.filter((s) => readableBy(kind, s)),
    skipped: ALL_STREAMS.filter((s) => !readableBy(kind, s)).map((s) => ({ stream: s.name, reason: ADMIN_KEY_REASON })),
  };
}
