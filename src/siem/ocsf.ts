// An activity as an OCSF 1.8.0 event (ocsf.md §3): the class and activity come from schema/ocsf-mapping.json,
// the captions from schema/ocsf/ocsf-1.8-subset.json; nothing about a type is decided in code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalog, packageRoot } from '../models/catalog.js';

export const OCSF_VERSION = '1.8.0';
export const MAPPING_PATH = 'schema/ocsf-mapping.json';
export const SUBSET_PATH = 'schema/ocsf/ocsf-1.8-subset.json';

export interface TypeMapping {
  family: string;
  class: string;
  activity_id: number;
  status_id: number;
  uid_field?: string;
  name_field?: string;
}

export interface OcsfMapping {
  ocsf_version: string;
  classes: Record<string, { class_uid: number; category_uid: number; profiles: string[] }>;
  unknown_type: { class: string; activity_id: number; status_id: number; reason: string };
  families: Record<string, { class: string; reason: string }>;
  types: Record<string, TypeMapping>;
}

/** The user record valid at the event (marts.users), when the warehouse has one. */
export interface UserAsOf {
  user_id: string;
  email: string | null;
  full_name: string | null;
  organization_role: string | null;
  valid_from: string | null;
  valid_to: string | null;
}

export type OcsfEvent = Record<string, unknown>;

interface Subset {
  categories: Record<string, { caption: string }>;
  classes: Record<string, { uid: number; caption: string; category_uid: number; activity: Record<string, string> }>;
}

const STATUS: Record<number, string> = { 0: 'Unknown', 1: 'Success', 2: 'Failure', 99: 'Other' };
const ENVELOPE = new Set(['id', 'created_at', 'type', 'actor', 'organization_id', 'organization_uuid']);
export const ADMIN_ROLES = new Set(['admin', 'owner', 'primary_owner']);
const USER_ID_FIELDS = ['user_id', 'member_id', 'target_user_id', 'requester_user_id', 'submitted_by_user_id'];
const PRIVILEGE_FIELDS = ['role', 'current_role', 'role_id', 'max_permission', 'access_level', 'scope', 'capability'];
export const KEY_ACTORS = new Set(['api_actor', 'admin_api_key_actor']);

export function loadMapping(root = packageRoot()): OcsfMapping {
  return JSON.parse(readFileSync(join(root, MAPPING_PATH), 'utf8')) as OcsfMapping;
}

/** Per type, everything that does not depend on the record: computed once. */
export interface Template {
  mapping: TypeMapping;
  className: string;
  classUid: number;
  categoryUid: number;
  categoryName: string;
  activityName: string;
  typeName: string;
  profiles: string[];
  message: string;
  /** ocsfText's constant pieces: the members before `time`'s value, ... up to `metadata.uid`'s value, ... */
  head: string;
  mid: string;
  eventCode: string;
  metaEnd: string;
  /** Whether everything the type's events take from the template and the mapping is ASCII. */
  ascii: boolean;
}

export class OcsfMapper {
  readonly mapping: OcsfMapping;
  readonly #subset: Subset;
  readonly #descriptions: Map<string, string>;
  readonly #templates = new Map<string, Template>();

  constructor(root = packageRoot()) {
    this.mapping = loadMapping(root);
    this.#subset = JSON.parse(readFileSync(join(root, SUBSET_PATH), 'utf8')) as Subset;
    this.#descriptions = new Map(loadCatalog(join(root, 'schema/activity-types.json')).map((e) => [e.type, e.description]));
  }

  /** The class and activity of a type (the unknown-type entry for a type the catalog lacks). */
  typeMapping(type: string): TypeMapping {
    const m = this.mapping.types[type];
    if (m) return m;
    const u = this.mapping.unknown_type;
    return { family: 'unknown', class: u.class, activity_id: u.activity_id, status_id: u.status_id };
  }

  template(type: string): Template {
    let t = this.#templates.get(type);
    if (t) return t;
    const mapping = this.typeMapping(type);
    const cls = this.#subset.classes[mapping.class];
    if (!cls) throw new Error(`${MAPPING_PATH}: type ${type} maps to class "${mapping.class}", which ${SUBSET_PATH} does not define`);
    const info = this.mapping.classes[mapping.class];
    // 99 Other: the sibling carries the source's own value (schema/ocsf/README.md, "Enums and their siblings")
    const activityName = mapping.activity_id === 99 ? type : cls.activity[String(mapping.activity_id)];
    if (activityName === undefined) throw new Error(`${MAPPING_PATH}: type ${type} has activity_id ${mapping.activity_id}, unknown to ${cls.caption}`);
    const profiles = info?.profiles ?? [];
    const message = this.#descriptions.get(type) ?? `Activity of type ${type}`;
    const className = cls.caption;
    const categoryName = this.#subset.categories[String(cls.category_uid)].caption;
    const typeName = `${cls.caption}: ${mapping.activity_id === 99 ? 'Other' : activityName}`;
    const constant = JSON.stringify({
      class_uid: cls.uid,
      class_name: className,
      category_uid: cls.category_uid,
      category_name: categoryName,
      activity_id: mapping.activity_id,
      activity_name: activityName,
      type_uid: cls.uid * 100 + mapping.activity_id,
      type_name: typeName,
      severity_id: 1,
      severity: 'Informational',
      status_id: mapping.status_id,
      status: STATUS[mapping.status_id],
    });
    t = {
      head: constant.slice(0, -1) + ',"time":',
      mid: `,"timezone_offset":0,"message":${JSON.stringify(message)},"metadata":{"version":${JSON.stringify(OCSF_VERSION)},"product":${JSON.stringify(PRODUCT)},"uid":`,
      eventCode: `,"event_code":${JSON.stringify(type)},"original_time":`,
      metaEnd: `,"log_name":${JSON.stringify(LOG_NAME)}${profiles.length ? `,"profiles":${JSON.stringify(profiles)}` : ''}}`,
      ascii: false,
      mapping,
      className,
      classUid: cls.uid,
      categoryUid: cls.category_uid,
      categoryName,
      activityName,
      typeName,
      profiles,
      message,
    };
    t.ascii = !/[^\x00-\x7f]/.test(t.head + t.mid + t.eventCode + t.metaEnd + JSON.stringify(mapping));
    this.#templates.set(type, t);
    return t;
  }

  /**
   * The OCSF event of `activity` (as the API served it). `raw` is its JSON text when the caller has it
   * already; `user` is the actor's user record as of the event.
   */
  toOcsf(activity: Record<string, unknown>, user: UserAsOf | null = null, raw?: string): OcsfEvent {
    const type = String(activity.type ?? '');
    const t = this.template(type);
    const m = t.mapping;
    const createdAt = String(activity.created_at ?? '');
    const actorRecord = (activity.actor && typeof activity.actor === 'object' ? activity.actor : {}) as Record<string, unknown>;
    const fields: Record<string, unknown> = {};
    for (const k of Object.keys(activity)) if (!ENVELOPE.has(k)) fields[k] = activity[k];
    const tenant = str(activity.organization_uuid) ?? str(activity.organization_id);

    const event: OcsfEvent = {
      class_uid: t.classUid,
      class_name: t.className,
      category_uid: t.categoryUid,
      category_name: t.categoryName,
      activity_id: m.activity_id,
      activity_name: t.activityName,
      type_uid: t.classUid * 100 + m.activity_id,
      type_name: t.typeName,
      severity_id: 1,
      severity: 'Informational',
      status_id: m.status_id,
      status: STATUS[m.status_id],
      time: Date.parse(createdAt),
      timezone_offset: 0,
      message: t.message,
      metadata: {
        version: OCSF_VERSION,
        product: PRODUCT,
        uid: str(activity.id),
        event_code: type,
        original_time: createdAt,
        ...(tenant ? { tenant_uid: tenant } : {}),
        log_name: LOG_NAME,
        ...(t.profiles.length ? { profiles: t.profiles } : {}),
      },
    };
    const body = classBody(t, type, actorRecord, fields, user, tenant);
    for (const k in body) event[k] = body[k];
    const unmapped: Record<string, unknown> = { ...fields };
    if (activity.organization_id !== undefined) unmapped.organization_id = activity.organization_id;
    if (activity.organization_uuid !== undefined) unmapped.organization_uuid = activity.organization_uuid;
    if (Object.keys(unmapped).length) event.unmapped = unmapped;
    event.raw_data = raw ?? JSON.stringify(activity);
    return event;
  }

  /**
   * The JSON text of `toOcsf` for a served record given as its parts (src/siem/served.ts), without building the
   * event: the type's constant members are serialised once (its template), the record's own text is reused for
   * `raw_data` and `unmapped`. Byte for byte `JSON.stringify(toOcsf(activity, user, raw))` (test/siem-text.test.ts).
   */
  /** Whether ocsfText of an ASCII record of `type` is ASCII (its bytes are then its UTF-16 units). */
  asciiType(type: string): boolean {
    return this.template(type).ascii;
  }

  ocsfText(s: ServedRecord, user: UserAsOf | null): string {
    const t = this.template(s.type);
    const tenant = str(s.organizationUuid) ?? str(s.organizationId);
    let text =
      t.head +
      String(jsonNumber(Date.parse(s.createdAt))) +
      t.mid +
      JSON.stringify(s.id) +
      t.eventCode +
      JSON.stringify(s.createdAt) +
      (tenant ? `,"tenant_uid":${JSON.stringify(tenant)}` : '') +
      t.metaEnd;
    const tail = { text: '' };
    const body = JSON.stringify(classBody(t, s.type, s.actor, s.fields, user, tenant, tail));
    if (body.length > 2) text += ',' + body.slice(1, -1);
    text += tail.text;
    let org = '';
    if (s.organizationId !== undefined) org += `"organization_id":${JSON.stringify(s.organizationId)}`;
    if (s.organizationUuid !== undefined) org += `${org ? ',' : ''}"organization_uuid":${JSON.stringify(s.organizationUuid)}`;
    if (s.fieldsText.length > 2) text += ',"unmapped":' + s.fieldsText.slice(0, -1) + (org ? ',' + org : '') + '}';
    else if (org) text += ',"unmapped":{' + org + '}';
    return text + ',"raw_data":' + JSON.stringify(s.raw) + '}';
  }
}

/**
 * A served activity in parts (src/siem/served.ts builds it from a lake row): the envelope, the lifted actor
 * fields, and `fields`, everything else in the record's order but the organization ids, with its JSON text.
 */
export interface ServedRecord {
  id: string;
  type: string;
  /** As served (the lake's fractional digits). */
  createdAt: string;
  /** Any JSON value; undefined: not in the record. */
  organizationId: unknown;
  organizationUuid: unknown;
  /** type, user_id, email_address, ip_address, user_agent, api_key_id of the actor ({} without an actor). */
  actor: Record<string, unknown>;
  fields: Record<string, unknown>;
  /** JSON.stringify(fields). */
  fieldsText: string;
  /** JSON.stringify of the served record. */
  raw: string;
}

const PRODUCT = { name: 'Claude', vendor_name: 'Anthropic', feature: { name: 'Compliance API' } };
const LOG_NAME = 'compliance/activities';

/** JSON.stringify of a number: NaN and the infinities are null. */
export function jsonNumber(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

/**
 * The members after `metadata` up to `enrichments`, in the order toOcsf gives them. With `tail`, the last two
 * (`observables`, `enrichments`: mostly constant text) are appended to `tail.text` as JSON members instead.
 */
function classBody(
  t: Template,
  type: string,
  actorRecord: Record<string, unknown>,
  fields: Record<string, unknown>,
  user: UserAsOf | null,
  tenant: string | undefined,
  tail?: { text: string },
): Record<string, unknown> {
  const m = t.mapping;
  const actor = buildActor(actorRecord, user);
  const uid = str(m.uid_field ? fields[m.uid_field] : undefined);
  const name = str(m.name_field ? fields[m.name_field] : undefined);
  const event: Record<string, unknown> = {};
  const ip = str(actorRecord.ip_address);
  const userAgent = str(actorRecord.user_agent);
  const srcEndpoint = ip ? { ip } : { name: str(actorRecord.type) ?? 'unknown' };
  const target = (field?: string) => targetUser(fields, field, actor);

  switch (m.class) {
    case 'account_change':
      event.user = target(m.uid_field);
      event.actor = actor;
      event.src_endpoint = srcEndpoint;
      break;
    case 'authentication':
      event.user = (actor.user as Record<string, unknown> | undefined) ?? target(m.uid_field);
      event.actor = actor;
      event.service = { name: 'Claude' };
      event.src_endpoint = srcEndpoint;
      break;
    case 'user_access':
      event.user = target(m.uid_field);
      event.privileges = privileges(fields, type);
      event.actor = actor;
      event.src_endpoint = srcEndpoint;
      break;
    case 'group_management': {
      const groupUid = str(fields.group_id) ?? str(fields.workspace_id) ?? str(fields.design_project_id) ?? uid;
      event.group = compact({ uid: groupUid, name: str(fields.group_name) ?? (groupUid ? undefined : m.family) });
      const member = firstUserId(fields);
      if (member) event.user = { uid: member };
      event.actor = actor;
      event.src_endpoint = srcEndpoint;
      break;
    }
    case 'entity_management':
      event.entity = compact({
        uid: uid ?? (m.family === 'org_settings' ? tenant : undefined),
        name: name ?? m.family,
        type_id: m.family === 'org_settings' ? 4 : m.family === 'trusted_device' ? 1 : 99,
        type: m.family === 'org_settings' ? 'Organization' : m.family === 'trusted_device' ? 'Device' : m.family,
      });
      event.actor = actor;
      event.src_endpoint = srcEndpoint;
      break;
    case 'web_resources_activity':
      event.web_resources = [compact({ uid, name: name ?? (uid ? undefined : m.family), type: m.family })];
      event.actor = actor;
      event.src_endpoint = srcEndpoint;
      break;
    case 'application_lifecycle':
      event.app = compact({ uid, name: name ?? m.family });
      event.actor = actor;
      break;
    case 'api_activity':
      event.actor = actor;
      event.api = compact({ operation: type, request: str(fields.request_id) ? { uid: str(fields.request_id) } : undefined });
      event.src_endpoint = srcEndpoint;
      if (uid || name) event.resources = [compact({ uid, name, type: m.family })];
      break;
    case 'datastore_activity':
      event.actor = actor;
      event.src_endpoint = srcEndpoint;
      event.table = compact({ uid, name: name ?? m.family });
      event.type_id = 3;
      event.type = 'Table';
      break;
    case 'file_hosting':
      event.actor = actor;
      event.src_endpoint = srcEndpoint;
      // file.name is required; a withheld name gets the identifier (schema/ocsf/README.md, File Hosting)
      event.file = compact({ name: str(fields.filename) ?? name ?? uid ?? 'unknown', uid, type_id: 1, type: 'Regular File' });
      break;
    default:
      throw new Error(`${MAPPING_PATH}: class "${m.class}" has no builder in src/siem/ocsf.ts`);
  }
  if (userAgent && m.class !== 'application_lifecycle') event.http_request = { user_agent: userAgent };

  const email = (actor.user as { email_addr?: string } | undefined)?.email_addr;
  if (tail && (!user || typeof user.user_id === 'string')) {
    const emailObservable = email ? `{"name":"actor.user.email_addr","type_id":5,"type":"Email Address","value":${JSON.stringify(email)}}` : '';
    const ipObservable = ip && event.src_endpoint ? `{"name":"src_endpoint.ip","type_id":2,"type":"IP Address","value":${JSON.stringify(ip)}}` : '';
    if (emailObservable || ipObservable) tail.text += `,"observables":[${emailObservable}${emailObservable && ipObservable ? ',' : ''}${ipObservable}]`;
    if (user) tail.text += `,"enrichments":[{"name":"actor.user","value":${JSON.stringify(user.user_id)},"data":${JSON.stringify(user)},"provider":"compliance-lake","type":"user_history"}]`;
    return event;
  }
  const observables: Record<string, unknown>[] = [];
  if (email) observables.push({ name: 'actor.user.email_addr', type_id: 5, type: 'Email Address', value: email });
  if (ip && event.src_endpoint) observables.push({ name: 'src_endpoint.ip', type_id: 2, type: 'IP Address', value: ip });
  if (observables.length) event.observables = observables;
  if (user) {
    event.enrichments = [{ name: 'actor.user', value: user.user_id, data: user, provider: 'compliance-lake', type: 'user_history' }];
  }
  return event;
}

function buildActor(a: Record<string, unknown>, asOf: UserAsOf | null): Record<string, unknown> {
  const actorType = str(a.type);
  const userId = str(a.user_id);
  const email = str(a.email_address);
  const keyId = str(a.api_key_id);
  if (userId || email) {
    const admin = asOf?.organization_role ? ADMIN_ROLES.has(asOf.organization_role) : false;
    const user = compact({
      uid: userId,
      email_addr: emailOrUndefined(email ?? asOf?.email ?? undefined),
      full_name: asOf?.full_name ?? undefined,
      name: email ?? undefined,
      type_id: admin ? 2 : 1,
      type: admin ? 'Admin' : 'User',
    });
    return actorType && actorType !== 'user_actor' ? { user, app_name: actorType } : { user };
  }
  if (keyId || (actorType && KEY_ACTORS.has(actorType))) {
    return {
      user: compact({
        uid: keyId ?? actorType,
        type_id: 4,
        type: 'Service',
        programmatic_credentials: keyId ? [{ uid: keyId, type: actorType === 'admin_api_key_actor' ? 'admin_api_key' : 'api_key' }] : undefined,
      }),
      app_name: actorType ?? 'api',
    };
  }
  return { app_name: actorType ?? 'unknown' };
}

function targetUser(fields: Record<string, unknown>, uidField: string | undefined, actor: Record<string, unknown>): Record<string, unknown> {
  const id = firstUserId(fields) ?? (uidField ? str(fields[uidField]) : undefined);
  const email = str(fields.invitee_email) ?? str(fields.invited_email) ?? str(fields.user_email);
  if (id || email) return compact({ uid: id, email_addr: emailOrUndefined(email), name: email });
  const self = actor.user as Record<string, unknown> | undefined;
  return self ?? { name: String(actor.app_name ?? 'unknown') };
}

export function firstUserId(fields: Record<string, unknown>): string | undefined {
  for (const f of USER_ID_FIELDS) {
    const v = str(fields[f]);
    if (v) return v;
  }
  if (str(fields.principal_type) === 'user') return str(fields.principal_id);
  const members = fields.member_ids;
  if (Array.isArray(members) && typeof members[0] === 'string') return members[0];
  return undefined;
}

export function privileges(fields: Record<string, unknown>, type: string): string[] {
  for (const f of PRIVILEGE_FIELDS) {
    const v = fields[f];
    if (typeof v === 'string' && v) return [v];
    if (Array.isArray(v) && v.length && v.every((x) => typeof x === 'string')) return v as string[];
  }
  return [type];
}

// email_t's pattern (schema/ocsf/ocsf-1.8-subset.json types.email_t): anything else stays in user.name only
const EMAIL_T = /^[a-zA-Z0-9!#$%&'*+\-/=?^_`{|}~.]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$/;
export function emailOrUndefined(v: string | undefined): string | undefined {
  return v !== undefined && EMAIL_T.test(v) ? v : undefined;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

// A copy without the undefined keys (not `delete`: an object that lost a property turns into a slow dictionary,
// which JSON.stringify walks several times slower).
function compact<T extends Record<string, unknown>>(o: T): T {
  const r: Record<string, unknown> = {};
  for (const k in o) if (o[k] !== undefined) r[k] = o[k];
  return r as T;
}
