// Alerts for the GraphQL tests: made from the fixture warehouse's activities (so their evidence is there), with
// the actor as of the first evidence taken from the fixture's history, written to <dataDir>/alerts.sqlite
// through drizzle with the store's own DDL, plus the brute-force answers the tests compare with.
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ALERTS_DDL, ALERTS_SCHEMA_VERSION, alertEvidence, alerts, alertTables, detectionRulesState, type AlertStatus, type EntityType, type Level } from '../src/detections/schema.js';
import { DAY_US, type Fixture, type FxActivity, iso } from './graphql-fixture.js';

export interface FxAlert {
  id: string;
  ruleId: string;
  level: Level;
  entityType: EntityType;
  entityId: string;
  windowStart: bigint;
  windowEnd: bigint;
  status: AlertStatus;
  historical: boolean;
  /** Evidence ids, oldest first (created_at, then id); one may be missing from the warehouse. */
  evidence: { id: string; us: bigint }[];
  actorUserId: string | null;
  /** Groups the actor was in at the first evidence. */
  actorGroups: string[];
  summary: string;
}

/** Two real rules (sql/detections/, their levels); the other two have no file, as rules deleted since they fired. */
export const ALERT_RULES = { admin_action_after_privileged_group_join: 'high', sso_disabled: 'high', api_key_burst: 'critical', ghost_activity: 'low' } as const;

export function alertId(ruleId: string, entityId: string, windowStart: bigint): string {
  return createHash('sha256').update(`${ruleId}\0${entityId}\0${iso(windowStart)}`).digest('hex').slice(0, 32);
}

const byTime = (a: { us: bigint; id: string }, b: { us: bigint; id: string }) => (a.us < b.us ? -1 : a.us > b.us ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Alerts of four rules over the fixture: bursts of admin actions per user and 10-day bucket, a third of the SSO toggles, API key bursts, and one alert whose evidence is not in the warehouse. */
export function buildAlerts(fx: Fixture): FxAlert[] {
  const out: Omit<FxAlert, 'id' | 'status' | 'historical' | 'actorGroups' | 'summary'>[] = [];
  const bucket = (t: bigint) => t - ((t - fx.activities.reduce((m, a) => (a.us < m ? a.us : m), t)) % (10n * DAY_US));
  const burst = (rows: FxActivity[], key: (a: FxActivity) => string | null, ruleId: keyof typeof ALERT_RULES, entityType: EntityType, min: number) => {
    const groups = new Map<string, FxActivity[]>();
    for (const a of rows) {
      const k = key(a);
      if (k === null) continue;
      const g = `${k}\0${bucket(a.us)}`;
      groups.set(g, [...(groups.get(g) ?? []), a]);
    }
    for (const [g, acts] of groups) {
      if (acts.length < min) continue;
      const evidence = acts.sort(byTime).slice(0, 12);
      const entityId = g.split('\0')[0];
      out.push({ ruleId, level: ALERT_RULES[ruleId], entityType, entityId, windowStart: bucket(evidence[0].us), windowEnd: evidence.at(-1)!.us, evidence, actorUserId: entityType === 'user' ? entityId : null });
    }
  };
  burst(fx.activities.filter((a) => a.category === 'admin' && a.type !== 'org_sso_toggled'), (a) => a.actor_user_id, 'admin_action_after_privileged_group_join', 'user', 6);
  burst(fx.activities.filter((a) => a.type === 'compliance_api_accessed'), (a) => a.actor_api_key_id, 'api_key_burst', 'api_key', 12);
  for (const a of fx.activities.filter((x, i) => x.type === 'org_sso_toggled' && x.organization_uuid !== null && i % 3 === 0)) {
    out.push({ ruleId: 'sso_disabled', level: 'high', entityType: 'organization', entityId: a.organization_uuid!, windowStart: a.us, windowEnd: a.us, evidence: [a], actorUserId: a.actor_user_id });
  }
  const someone = fx.activities.find((a) => a.actor_user_id !== null && a.category === 'admin')!;
  const ghost = { id: 'act_not_in_the_warehouse', us: someone.us + 1n };
  out.push({ ruleId: 'ghost_activity', level: 'low', entityType: 'group', entityId: 'grp_finance', windowStart: someone.us, windowEnd: ghost.us, evidence: [someone, ghost].sort(byTime), actorUserId: someone.actor_user_id });

  return out.map((a, i) => {
    const first = a.evidence[0].us;
    const actorGroups = a.actorUserId === null ? [] : groupsAt(fx, a.actorUserId, first);
    return {
      ...a,
      evidence: a.evidence.map((e) => ({ id: e.id, us: e.us })),
      id: alertId(a.ruleId, a.entityId, a.windowStart),
      status: i % 7 === 3 ? 'resolved' : i % 5 === 1 ? 'acknowledged' : 'open',
      historical: i % 3 === 0,
      actorGroups,
      summary: `${a.evidence.length} ${a.ruleId} activities by ${a.entityId}`,
    };
  });
}

function groupsAt(fx: Fixture, userId: string, t: bigint): string[] {
  return [...new Set(fx.memberships.filter((m) => m.user_id === userId && m.from <= t && (m.to === null || t < m.to)).map((m) => m.group_id))].sort();
}

/** The user version in effect at t (the fixture's users are one organization each). */
export function userAt(fx: Fixture, userId: string, t: bigint) {
  return fx.users.filter((u) => u.user_id === userId && u.from <= t && (u.to === null || t < u.to)).sort((x, y) => (x.from < y.from ? 1 : -1))[0] ?? null;
}

/** DuckDB's text of a TIMESTAMPTZ in UTC: `2026-01-01 10:00:00.123456+00`. */
export const duckText = (t: bigint): string => iso(t).replace('T', ' ').replace('Z', '+00');

function sinceOf(fx: Fixture, userId: string, groupId: string, t: bigint): bigint {
  return fx.memberships.find((m) => m.user_id === userId && m.group_id === groupId && m.from <= t && (m.to === null || t < m.to))!.from;
}

/** Writes <dataDir>/alerts.sqlite as the engine would: the store's DDL, then rows through drizzle. */
export function writeAlertStore(dataDir: string, fx: Fixture, list: readonly FxAlert[], now = new Date()): void {
  const sqlite = new Database(join(dataDir, 'alerts.sqlite'));
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.exec(ALERTS_DDL);
    sqlite.pragma(`user_version = ${ALERTS_SCHEMA_VERSION}`);
    const db = drizzle({ client: sqlite, schema: alertTables });
    const stamp = iso(BigInt(now.getTime()) * 1000n);
    db.transaction((tx) => {
      for (const a of list) {
        const first = a.evidence[0].us;
        const user = a.actorUserId === null ? null : userAt(fx, a.actorUserId, first);
        const actorJson =
          a.actorUserId === null
            ? null
            : // the shape src/detections/evaluate.ts writes (detections.md §4), times as DuckDB's to_json writes them
              JSON.stringify({
                user_id: a.actorUserId,
                as_of: duckText(first),
                user: user && {
                  email: user.email,
                  full_name: user.full_name,
                  organization_role: user.organization_role,
                  organization_uuid: user.organization_uuid,
                  valid_from: duckText(user.from),
                  valid_to: user.to === null ? null : duckText(user.to),
                  removed_at: user.removed_at === null ? null : duckText(user.removed_at),
                },
                groups: a.actorGroups.map((g) => ({ group_id: g, name: fx.groups.find((x) => x.group_id === g)!.name, since: duckText(sinceOf(fx, a.actorUserId!, g, first)) })),
                roles: [{ role_id: 'role_admin', role_kind: 'rbac', via: 'group', principal_id: 'grp_security' }],
              });
        tx.insert(alerts)
          .values({
            id: a.id,
            ruleId: a.ruleId,
            level: a.level,
            entityType: a.entityType,
            entityId: a.entityId,
            windowStart: iso(a.windowStart),
            windowEnd: iso(a.windowEnd),
            firstSeen: iso(a.windowStart),
            lastSeen: iso(a.windowEnd),
            summary: a.summary,
            status: a.status,
            historical: a.historical,
            evidenceCount: a.evidence.length,
            actorJson,
            createdAt: stamp,
            updatedAt: stamp,
          })
          .run();
        for (const e of a.evidence) tx.insert(alertEvidence).values({ alertId: a.id, activityId: e.id, createdAt: iso(e.us) }).run();
      }
      for (const ruleId of Object.keys(ALERT_RULES)) {
        tx.insert(detectionRulesState)
          .values({ ruleId, paramsHash: 'h', evaluatedSeq: 7, lastEvaluatedAt: stamp, lastDurationMs: 12, lastError: ruleId === 'ghost_activity' ? 'Binder Error: boom' : null, alertsTotal: list.filter((a) => a.ruleId === ruleId).length })
          .run();
      }
    });
  } finally {
    sqlite.close();
  }
}

/** Alerts in the API's order: latest evidence first, then id descending. */
export function newestAlertsFirst(list: readonly FxAlert[]): FxAlert[] {
  return [...list].sort((a, b) => (a.windowEnd > b.windowEnd ? -1 : a.windowEnd < b.windowEnd ? 1 : a.id > b.id ? -1 : a.id < b.id ? 1 : 0));
}
