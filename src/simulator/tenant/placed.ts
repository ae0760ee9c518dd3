// A generated activity placed in the feed (id, time, visibility, organization) before it becomes a record, and its
// JSON written from those parts: what a bucket served as text needs, without building and stringifying a record.
import type { Activity } from '../../api/types.js';
import type { SimActivity } from '../model.js';
import type { Draft } from './background.js';
import type { SimOrg } from './directory.js';

export interface Placed {
  us: number;
  id: string;
  /** ms since the epoch at which the activity becomes visible. */
  visibleAt: number;
  createdAt: string;
  org: SimOrg | null;
  draft: Draft;
}

/** The record the API returns for a placed activity. */
export function recordOf(p: Placed): SimActivity {
  const { draft: d, org } = p;
  const record: Activity = {
    id: p.id,
    created_at: p.createdAt,
    organization_id: org ? org.tagged : null,
    organization_uuid: org ? org.uuid : null,
    actor: d.actor,
    type: d.type,
    ...d.fields,
  };
  return { us: p.us, id: p.id, visibleAt: p.visibleAt, record };
}

/** Keys of a record that precede the draft's fields; a field of the same name would take their place. */
const RECORD_KEYS = ['id', 'created_at', 'organization_id', 'organization_uuid', 'actor', 'type'] as const;

/**
 * `JSON.stringify(recordOf(p).record)`, written from its parts: the actor's and organization's JSON are kept per
 * object (user actors and organizations are shared and never change), the fields are stringified alone. About
 * twice as fast as building and stringifying the record, and no record left for the scavenges (BENCHMARKS.md,
 * "Simulator page at 50 M"). `test/simulator-page-text.test.ts` holds the two equal over every activity type.
 */
export class PlacedJson {
  private readonly actors = new WeakMap<object, string>();
  private readonly orgs = new Map<SimOrg, string>();

  of(p: Placed): string {
    const d = p.draft;
    const { actor, fields } = d;
    if (actor === undefined || typeof d.type !== 'string' || shadowsRecordKey(fields)) return JSON.stringify(recordOf(p).record);
    let actorJson = actor === null ? 'null' : this.actors.get(actor);
    if (actorJson === undefined) {
      actorJson = JSON.stringify(actor);
      // user actors are the directory's, one per user; the rarer kinds are made per activity and not worth keeping
      if (actor.type === 'user_actor') this.actors.set(actor, actorJson);
    }
    const org = p.org;
    let orgJson = org === null ? NO_ORG : this.orgs.get(org);
    if (orgJson === undefined) {
      orgJson = `"organization_id":${JSON.stringify(org!.tagged)},"organization_uuid":${JSON.stringify(org!.uuid)}`;
      this.orgs.set(org!, orgJson);
    }
    const rest = JSON.stringify(fields);
    // ids and timestamps are made of base58 digits, digits and punctuation: nothing JSON escapes
    return `{"id":"${p.id}","created_at":"${p.createdAt}",${orgJson},"actor":${actorJson},"type":${JSON.stringify(d.type)}${rest.length === 2 ? '}' : `,${rest.slice(1)}`}`;
  }
}

const NO_ORG = '"organization_id":null,"organization_uuid":null';

function shadowsRecordKey(fields: Record<string, unknown>): boolean {
  for (const k of RECORD_KEYS) if (k in fields) return true;
  return false;
}
