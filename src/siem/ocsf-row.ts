// The OCSF event of a reader row (src/siem/events.ts ROW_COLUMNS) as JSON text in one pass, for `forward` and
// `events` (ocsf.md §4): the text of each member is written as it is found, with no served record, no event
// object and no second JSON.stringify of the record for `raw_data` (its escaped text is built beside it). Byte
// for byte what servedRecord + OcsfMapper.ocsfText give (test/siem-text.test.ts compares them over varied and
// hostile rows); it answers null wherever those answer null or could differ, and the caller takes their road.
// The mapping thread spent most of its time there (BENCHMARKS.md, issue 14 "forward18").
import { servedCreatedAt } from '../extract/activities.js';
import { ACTOR as SERVED_ACTOR, RESERVED } from './served.js';
import { ADMIN_ROLES, KEY_ACTORS, type OcsfMapper, type UserAsOf, emailOrUndefined, firstUserId, jsonNumber, privileges, str } from './ocsf.js';

/** A character JSON.stringify escapes (or a surrogate, paired or not: those take the slow road). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

const q = JSON.stringify as (v: unknown) => string;

/**
 * Whether the row being built is ASCII without a backslash: then none of its strings has a character that JSON
 * escapes (a quote or a control character would have been escaped, with a backslash, in the row's text), and a
 * string's JSON is the string between quotes. Set by ocsfRowText for the row it builds.
 */
let plainRow = false;

/** JSON.stringify of a string of the row. */
function qs(v: string): string {
  return plainRow ? '"' + v + '"' : q(v);
}

/** The text of `v` (a string of the row) inside a JSON string literal that holds the record's text: `"` + e(v) + `"` is JSON.stringify(JSON.stringify(v)). */
function e(v: string): string {
  return plainRow || !NEEDS_ESCAPE.test(v) ? '\\"' + v + '\\"' : q(q(v)).slice(1, -1);
}

/** A JSON text (JSON.stringify's output) as it appears inside a JSON string literal. */
function escapeJsonText(text: string): string {
  return q(text).slice(1, -1);
}

/** The actor's lifted fields (served.ts ACTOR): [name, row index, the member's text escaped inside a JSON string]. */
const ACTOR: readonly (readonly [string, number, string])[] = SERVED_ACTOR.map(([field, member, i]) => [field, i, escapeJsonText(member)] as const);

/**
 * The OCSF event's JSON text of the reader row `r` (its parsed values) with the actor's user record `user`, or
 * null when the row must take the served record's road (src/siem/served.ts, OcsfMapper.toOcsf).
 */
export function ocsfRowText(mapper: OcsfMapper, r: readonly unknown[], user: UserAsOf | null, plain = false): string | null {
  const id = r[0];
  const created = r[1];
  const type = r[3];
  const actorRest = r[12];
  const rest = r[13];
  if (typeof id !== 'string' || id === '' || typeof created !== 'string' || typeof type !== 'string') return null;
  if (typeof rest !== 'object' || rest === null || Array.isArray(rest)) return null;
  if (user && typeof user.user_id !== 'string') return null;
  const fields0 = rest as Record<string, unknown>;
  let orgInRest = false;
  for (const k in fields0) {
    const c = k.charCodeAt(0);
    if ((c >= 48 && c <= 57) || RESERVED.has(k)) return null;
    if (k === 'organization_id' || k === 'organization_uuid') orgInRest = true;
  }
  const orgIdIn = orgInRest && 'organization_id' in fields0;
  const orgUuidIn = orgInRest && 'organization_uuid' in fields0;
  if ((orgIdIn && r[4] !== null) || (orgUuidIn && r[5] !== null)) return null;
  let actorKeys = 0;
  if (actorRest !== null) {
    if (typeof actorRest !== 'object' || Array.isArray(actorRest)) return null;
    for (const k in actorRest) {
      const c = k.charCodeAt(0);
      if ((c >= 48 && c <= 57) || k === '__proto__') return null;
      actorKeys++;
    }
    if (actorKeys) for (const [field, i] of ACTOR) if (r[i] !== null && field in actorRest) return null;
  }
  plainRow = plain;
  const createdAt = servedAt(created, r[2]);
  // Date.parse(createdAt): the served text is the row's with its fraction cut to created_at_digits
  const digits = r[2] === null ? 6 : r[2];
  let timeMs = typeof digits === 'number' && Number.isInteger(digits) && digits >= 0 && digits <= 6 ? lakeMs(created, digits) : NaN;
  if (Number.isNaN(timeMs)) timeMs = Date.parse(createdAt);
  const orgId = orgIdIn ? fields0.organization_id : typeof r[4] === 'string' ? r[4] : undefined;
  const orgUuid = orgUuidIn ? fields0.organization_uuid : typeof r[5] === 'string' ? r[5] : undefined;

  // raw_data: JSON.stringify of the served record's text, built escaped (src/siem/served.ts builds the text)
  let raw = '\\"id\\":' + e(id) + ',\\"type\\":' + e(type);
  if (typeof r[4] === 'string') raw += ',\\"organization_id\\":' + e(r[4]);
  if (typeof r[5] === 'string') raw += ',\\"organization_uuid\\":' + e(r[5]);
  raw += ',\\"created_at\\":' + e(createdAt);
  // the actor as the lifted fields that are strings (what classBody sees of it)
  let aType: string | undefined;
  let aUserId: string | undefined;
  let aEmail: string | undefined;
  let aIp: string | undefined;
  let aAgent: string | undefined;
  let aKey: string | undefined;
  if (actorRest !== null) {
    let actor = '';
    for (const [, i, member] of ACTOR) {
      const v = r[i];
      if (typeof v === 'string') actor += (actor ? ',' : '') + member + e(v);
    }
    const restText = actorKeys ? q(actorRest) : '{}';
    if (restText.length > 2) actor += (actor ? ',' : '') + escapeJsonText(restText.slice(1, -1));
    raw += ',\\"actor\\":{' + actor + '}';
    aType = str(r[6]);
    aUserId = str(r[7]);
    aEmail = str(r[8]);
    aIp = str(r[9]);
    aAgent = str(r[10]);
    aKey = str(r[11]);
  }
  const restText = q(rest);
  raw += restText.length > 2 ? ',' + escapeJsonText(restText.slice(1)) : '}';

  let fields = fields0;
  let fieldsText = restText;
  if (orgIdIn || orgUuidIn) {
    fields = {};
    for (const k in fields0) if (k !== 'organization_id' && k !== 'organization_uuid') fields[k] = fields0[k];
    fieldsText = q(fields);
  }

  const t = mapper.template(type);
  const m = t.mapping;
  const tenant = str(orgUuid) ?? str(orgId);
  let text =
    t.head +
    msText(timeMs) +
    t.mid +
    qs(id) +
    t.eventCode +
    qs(createdAt) +
    (tenant ? ',"tenant_uid":' + qs(tenant) : '') +
    t.metaEnd;

  // the actor (ocsf.ts buildActor)
  let actorUser: string | undefined;
  let actorText: string;
  let appName: string | undefined;
  let emailAddr: string | undefined;
  if (aUserId || aEmail) {
    const admin = user?.organization_role ? ADMIN_ROLES.has(user.organization_role) : false;
    emailAddr = emailOrUndefined(aEmail ?? user?.email ?? undefined);
    const fullName = user?.full_name ?? undefined;
    let u = '';
    if (aUserId !== undefined) u += ',"uid":' + qs(aUserId);
    if (emailAddr !== undefined) u += ',"email_addr":' + qs(emailAddr);
    if (fullName !== undefined) u += ',"full_name":' + (typeof fullName === 'string' ? qs(fullName) : q(fullName));
    if (aEmail !== undefined) u += ',"name":' + qs(aEmail);
    actorUser = '{' + u.slice(1) + (admin ? ',"type_id":2,"type":"Admin"}' : ',"type_id":1,"type":"User"}');
    if (aType && aType !== 'user_actor') {
      appName = aType;
      actorText = '{"user":' + actorUser + ',"app_name":' + qs(aType) + '}';
    } else actorText = '{"user":' + actorUser + '}';
  } else if (aKey || (aType && KEY_ACTORS.has(aType))) {
    actorUser =
      '{"uid":' +
      qs((aKey ?? aType) as string) +
      ',"type_id":4,"type":"Service"' +
      (aKey ? ',"programmatic_credentials":[{"uid":' + qs(aKey) + (aType === 'admin_api_key_actor' ? ',"type":"admin_api_key"}]' : ',"type":"api_key"}]') : '') +
      '}';
    appName = aType ?? 'api';
    actorText = '{"user":' + actorUser + ',"app_name":' + qs(appName) + '}';
  } else {
    appName = aType ?? 'unknown';
    actorText = '{"app_name":' + qs(appName) + '}';
  }

  // the class's members (ocsf.ts classBody, in its order)
  const uid = str(m.uid_field ? fields[m.uid_field] : undefined);
  const name = str(m.name_field ? fields[m.name_field] : undefined);
  const src = aIp ? '{"ip":' + qs(aIp) + '}' : '{"name":' + qs(aType ?? 'unknown') + '}';
  const family = m.family;
  let hasSrc = true;
  switch (m.class) {
    case 'account_change':
      text += ',"user":' + targetText(fields, m.uid_field, actorUser, appName) + ',"actor":' + actorText + ',"src_endpoint":' + src;
      break;
    case 'authentication':
      text += ',"user":' + (actorUser ?? targetText(fields, m.uid_field, actorUser, appName)) + ',"actor":' + actorText + ',"service":{"name":"Claude"},"src_endpoint":' + src;
      break;
    case 'user_access':
      text += ',"user":' + targetText(fields, m.uid_field, actorUser, appName) + ',"privileges":' + q(privileges(fields, type)) + ',"actor":' + actorText + ',"src_endpoint":' + src;
      break;
    case 'group_management': {
      const groupUid = str(fields.group_id) ?? str(fields.workspace_id) ?? str(fields.design_project_id) ?? uid;
      const groupName = str(fields.group_name) ?? (groupUid ? undefined : family);
      text += ',"group":' + members2('"uid":', groupUid, '"name":', groupName, '');
      const member = firstUserId(fields);
      if (member) text += ',"user":{"uid":' + qs(member) + '}';
      text += ',"actor":' + actorText + ',"src_endpoint":' + src;
      break;
    }
    case 'entity_management': {
      const settings = family === 'org_settings';
      const kind = settings ? ',"type_id":4,"type":"Organization"' : family === 'trusted_device' ? ',"type_id":1,"type":"Device"' : ',"type_id":99,"type":' + q(family);
      text += ',"entity":' + members2('"uid":', uid ?? (settings ? tenant : undefined), '"name":', name ?? family, kind) + ',"actor":' + actorText + ',"src_endpoint":' + src;
      break;
    }
    case 'web_resources_activity':
      text += ',"web_resources":[' + members2('"uid":', uid, '"name":', name ?? (uid ? undefined : family), ',"type":' + q(family)) + '],"actor":' + actorText + ',"src_endpoint":' + src;
      break;
    case 'application_lifecycle':
      text += ',"app":' + members2('"uid":', uid, '"name":', name ?? family, '') + ',"actor":' + actorText;
      hasSrc = false;
      break;
    case 'api_activity': {
      const requestId = str(fields.request_id);
      text += ',"actor":' + actorText + ',"api":{"operation":' + qs(type) + (requestId ? ',"request":{"uid":' + qs(requestId) + '}}' : '}') + ',"src_endpoint":' + src;
      if (uid || name) text += ',"resources":[' + members2('"uid":', uid, '"name":', name, ',"type":' + q(family)) + ']';
      break;
    }
    case 'datastore_activity':
      text += ',"actor":' + actorText + ',"src_endpoint":' + src + ',"table":' + members2('"uid":', uid, '"name":', name ?? family, '') + ',"type_id":3,"type":"Table"';
      break;
    case 'file_hosting':
      text +=
        ',"actor":' +
        actorText +
        ',"src_endpoint":' +
        src +
        ',"file":' +
        members2('"name":', str(fields.filename) ?? name ?? uid ?? 'unknown', '"uid":', uid, ',"type_id":1,"type":"Regular File"');
      break;
    default:
      // toOcsf says which class has no builder
      return null;
  }
  if (aAgent && m.class !== 'application_lifecycle') text += ',"http_request":{"user_agent":' + qs(aAgent) + '}';
  const emailObservable = emailAddr ? '{"name":"actor.user.email_addr","type_id":5,"type":"Email Address","value":' + qs(emailAddr) + '}' : '';
  const ipObservable = aIp && hasSrc ? '{"name":"src_endpoint.ip","type_id":2,"type":"IP Address","value":' + qs(aIp) + '}' : '';
  if (emailObservable || ipObservable) text += ',"observables":[' + emailObservable + (emailObservable && ipObservable ? ',' : '') + ipObservable + ']';
  if (user) text += ',"enrichments":[{"name":"actor.user","value":' + qs(user.user_id) + ',"data":' + q(user) + ',"provider":"compliance-lake","type":"user_history"}]';

  let org = '';
  if (orgId !== undefined) org += '"organization_id":' + (typeof orgId === 'string' ? qs(orgId) : q(orgId));
  if (orgUuid !== undefined) org += (org ? ',' : '') + '"organization_uuid":' + (typeof orgUuid === 'string' ? qs(orgUuid) : q(orgUuid));
  if (fieldsText.length > 2) text += ',"unmapped":' + fieldsText.slice(0, -1) + (org ? ',' + org : '') + '}';
  else if (org) text += ',"unmapped":{' + org + '}';
  return text + ',"raw_data":"{' + raw + '"}';
}

/** ocsf.ts targetUser as text: the user a change is about, else the actor's user, else the actor's name. */
function targetText(fields: Record<string, unknown>, uidField: string | undefined, actorUser: string | undefined, appName: string | undefined): string {
  const id = firstUserId(fields) ?? (uidField ? str(fields[uidField]) : undefined);
  const email = str(fields.invitee_email) ?? str(fields.invited_email) ?? str(fields.user_email);
  if (id || email) {
    let u = '';
    if (id !== undefined) u += ',"uid":' + qs(id);
    const addr = emailOrUndefined(email);
    if (addr !== undefined) u += ',"email_addr":' + qs(addr);
    if (email !== undefined) u += ',"name":' + qs(email);
    return '{' + u.slice(1) + '}';
  }
  return actorUser ?? '{"name":' + qs(String(appName ?? 'unknown')) + '}';
}

/** An object of two optional string members (undefined: left out) and `more` (members text starting with a comma). */
function members2(k1: string, v1: string | undefined, k2: string, v2: string | undefined, more: string): string {
  let s = '';
  if (v1 !== undefined) s += ',' + k1 + q(v1);
  if (v2 !== undefined) s += ',' + k2 + q(v2);
  s += more;
  return '{' + s.slice(1) + '}';
}

/** servedCreatedAt (src/extract/activities.ts) without its regular expression, for the lake's usual text. */
function servedAt(created: string, digits: unknown): string {
  if (typeof digits === 'number' && created.length === 27 && created.charCodeAt(19) === 46 && created.charCodeAt(26) === 90 && Number.isInteger(digits) && digits >= 0 && digits <= 6) {
    for (let i = 20; i < 26; i++) {
      const c = created.charCodeAt(i);
      if (c < 48 || c > 57) return servedCreatedAt(created, digits);
    }
    return digits === 0 ? created.slice(0, 19) + 'Z' : created.slice(0, 20 + digits) + 'Z';
  }
  return servedCreatedAt(created, digits);
}

let dayText = '';
let dayMs = NaN;

/**
 * Date.parse of the reader's created_at text (`YYYY-MM-DDTHH:MM:SS.ffffffZ`, src/siem/events.ts) with its fraction
 * cut to `keep` digits (0 to 6), without parsing a date per row: the day's start is parsed once per day (by
 * Date.parse) and the time of day added. NaN for any other text: the caller then asks Date.parse.
 */
export function lakeMs(created: string, keep: number): number {
  if (created.length !== 27 || created.charCodeAt(10) !== 84 || created.charCodeAt(13) !== 58 || created.charCodeAt(16) !== 58 || created.charCodeAt(19) !== 46 || created.charCodeAt(26) !== 90) return NaN;
  const hh = digit(created, 11) * 10 + digit(created, 12);
  const mm = digit(created, 14) * 10 + digit(created, 15);
  const ss = digit(created, 17) * 10 + digit(created, 18);
  const f1 = digit(created, 20);
  const f2 = digit(created, 21);
  const f3 = digit(created, 22);
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59 || f1 < 0 || f2 < 0 || f3 < 0 || (digit(created, 23) | digit(created, 24) | digit(created, 25)) < 0) return NaN;
  if (!created.startsWith(dayText) || dayText === '') {
    dayText = created.slice(0, 10);
    dayMs = Date.parse(dayText + 'T00:00:00Z');
  }
  if (Number.isNaN(dayMs)) return NaN;
  const ms = keep === 0 ? 0 : keep === 1 ? f1 * 100 : keep === 2 ? f1 * 100 + f2 * 10 : f1 * 100 + f2 * 10 + f3;
  return dayMs + ((hh * 60 + mm) * 60 + ss) * 1000 + ms;
}

/** The digit at `i`, or a large negative number. */
function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1000;
}

/** '000' to '999'. */
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
/** Milliseconds below which seconds are a small integer (2^31 s), whose text V8 writes quickly. */
const SMALL_MS = 2 ** 31 * 1000;

/** JSON.stringify of epoch milliseconds (null when not finite): the seconds' text and three digits. */
export function msText(ms: number): string {
  if (ms >= 1000 && ms < SMALL_MS && Number.isInteger(ms)) {
    const r = ms % 1000;
    return String((ms - r) / 1000) + THREE_DIGITS[r];
  }
  return String(jsonNumber(ms));
}

/** (ms / 1000).toFixed(3) of epoch milliseconds: the seconds' text, a point and three digits. */
export function secondsText(ms: number): string {
  if (ms >= 0 && ms < SMALL_MS && Number.isInteger(ms)) {
    const r = ms % 1000;
    return String((ms - r) / 1000) + '.' + THREE_DIGITS[r];
  }
  return (ms / 1000).toFixed(3);
}
