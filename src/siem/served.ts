// The served activity of a lake row as text, without building the record (ocsf.md §4): the reader's row is one
// JSON array (src/siem/events.ts ROW_COLUMNS), and its `rest` object is the record past the envelope in the
// served order, so the record's JSON text is the envelope's members followed by `rest`'s text. Byte for byte
// `JSON.stringify(reassembleActivity(row))` (src/extract/activities.ts) whenever `servedRecord` answers; it
// answers null for the rows where the two could differ (a `rest` member named like the envelope, a member
// whose name is an array index, which a JS object puts first, `__proto__`), and the caller then takes the
// record's slow road.
import { servedCreatedAt } from '../extract/activities.js';
import type { ServedRecord } from './ocsf.js';

/** The envelope's members of the served record, in reassembleActivity's order (row indices). */
const ENVELOPE: readonly [string, number][] = [
  ['"id":', 0],
  ['"type":', 3],
  ['"organization_id":', 4],
  ['"organization_uuid":', 5],
];
/** The actor's lifted fields and their row indices (src/extract/activities.ts ACTOR_FIELDS, in that order). */
export const ACTOR: readonly [string, string, number][] = [
  ['type', '"type":', 6],
  ['user_id', '"user_id":', 7],
  ['email_address', '"email_address":', 8],
  ['ip_address', '"ip_address":', 9],
  ['user_agent', '"user_agent":', 10],
  ['api_key_id', '"api_key_id":', 11],
];
/** Names that, in `rest`, would meet an envelope member (the record's or toOcsf's). */
export const RESERVED = new Set(['id', 'created_at', 'type', 'actor', '__proto__']);
const ACTOR_RESERVED = new Set(['__proto__']);

/** The record of a reader row, or null when only reassembleActivity can say. */
export function servedRecord(r: readonly unknown[]): ServedRecord | null {
  const id = r[0];
  const created = r[1];
  const type = r[3];
  const rest = r[13];
  const actorRest = r[12];
  if (typeof id !== 'string' || id === '' || typeof created !== 'string' || typeof type !== 'string') return null;
  if (!plainObject(rest) || !safeKeys(rest, RESERVED)) return null;
  // an organization id that is not a string is in `rest` (the column is null): the record has it there, toOcsf
  // moves it to the end of `unmapped`
  const orgId = 'organization_id' in rest;
  const orgUuid = 'organization_uuid' in rest;
  if ((orgId && r[4] !== null) || (orgUuid && r[5] !== null)) return null;
  if (actorRest !== null && (!plainObject(actorRest) || !safeKeys(actorRest, ACTOR_RESERVED))) return null;
  // a lifted field is in `actor_rest` only when it was not a string (its column is null)
  if (actorRest !== null) for (const [field, , i] of ACTOR) if (r[i] !== null && field in actorRest) return null;
  const createdAt = servedCreatedAt(created, r[2]);
  let raw = '{';
  for (const [member, i] of ENVELOPE) {
    const v = r[i];
    if (typeof v === 'string') raw += (raw.length > 1 ? ',' : '') + member + JSON.stringify(v);
  }
  raw += (raw.length > 1 ? ',' : '') + '"created_at":' + JSON.stringify(createdAt);
  const actor: Record<string, unknown> = {};
  if (actorRest !== null) {
    let text = '{';
    for (const [field, member, i] of ACTOR) {
      const v = r[i];
      if (typeof v === 'string') {
        text += (text.length > 1 ? ',' : '') + member + JSON.stringify(v);
        actor[field] = v;
      }
    }
    const restText = JSON.stringify(actorRest);
    if (restText.length > 2) text += (text.length > 1 ? ',' : '') + restText.slice(1, -1);
    raw += ',"actor":' + text + '}';
  }
  const restText = JSON.stringify(rest);
  if (restText.length > 2) raw += ',' + restText.slice(1);
  else raw += '}';
  let fields = rest;
  let fieldsText = restText;
  if (orgId || orgUuid) {
    fields = {};
    for (const k in rest) if (k !== 'organization_id' && k !== 'organization_uuid') fields[k] = rest[k];
    fieldsText = JSON.stringify(fields);
  }
  return {
    id,
    type,
    createdAt,
    organizationId: orgId ? rest.organization_id : typeof r[4] === 'string' ? r[4] : undefined,
    organizationUuid: orgUuid ? rest.organization_uuid : typeof r[5] === 'string' ? r[5] : undefined,
    actor,
    fields,
    fieldsText,
    raw,
  };
}

function plainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** No reserved name and no name starting with a digit (an array index goes first in a JS object). */
function safeKeys(o: Record<string, unknown>, reserved: ReadonlySet<string>): boolean {
  for (const k in o) {
    const c = k.charCodeAt(0);
    if ((c >= 48 && c <= 57) || reserved.has(k)) return false;
  }
  return true;
}
