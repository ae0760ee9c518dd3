// Opaque keyset cursors: base64url of a JSON array [kind, ...sort key]. A cursor names a position in an
// order (e.g. created_at, id), not an offset, so pages stay stable while rows are added before it.
// Decoding checks every part's type: a forged cursor is an input error, and its parts are only ever bound
// as SQL parameters.
import { userInputError } from './errors.js';

export type CursorPart = string | bigint;
/** How each part of a kind's key is typed: 's' a string, 'u' microseconds (a bigint). */
export type CursorShape = readonly ('s' | 'u')[];

export function encodeCursor(kind: string, parts: readonly CursorPart[]): string {
  const json = JSON.stringify([kind, ...parts.map((p) => (typeof p === 'bigint' ? p.toString() : p))]);
  return Buffer.from(json, 'utf8').toString('base64url');
}

export function decodeCursor(kind: string, shape: CursorShape, cursor: string): CursorPart[] {
  const invalid = () => userInputError(`"after" is not a cursor of this list; pass an endCursor or edge cursor returned by the same field`);
  if (cursor.length > 2048 || !/^[A-Za-z0-9_-]*$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed[0] !== kind || parsed.length !== shape.length + 1) throw invalid();
  return shape.map((type, i) => {
    const value: unknown = parsed[i + 1];
    if (typeof value !== 'string') throw invalid();
    if (type === 's') return value;
    if (!/^-?\d{1,19}$/.test(value)) throw invalid();
    return BigInt(value);
  });
}
