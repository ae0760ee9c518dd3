// Identifiers the server mints: request ids and the `apikey_…` ids that stand for keys in the feed.
import { createHash } from 'node:crypto';
import { BASE58, base58Fixed } from '../tenant/random.js';

function base58FromBytes(bytes: Uint8Array, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) out += BASE58[bytes[i % bytes.length] % 58];
  return out;
}

/** `apikey_01` + 22 base58 chars derived from the key; the key itself is never echoed (design.md invariant 6). */
export function apiKeyIdFor(key: string): string {
  const digest = createHash('sha256').update('apikey:').update(key).digest();
  return `apikey_01${base58FromBytes(digest, 22)}`;
}

/** `req_01` + 22 base58 chars: the counter (unique per simulator) then a seeded hash (looks opaque). */
export function requestIdFor(seed: number, counter: number): string {
  const digest = createHash('sha256').update(`req:${seed}:${counter}`).digest();
  return `req_01${base58Fixed(counter, 8)}${base58FromBytes(digest, 14)}`;
}
