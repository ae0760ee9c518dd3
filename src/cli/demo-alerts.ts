// The demo's detections: the live simulator plays an attack now and then (POST /_sim/scenarios, played "now"),
// and a watcher asks the demo's GraphQL API for new alerts and prints each as one line when it fires.
import type { Logger } from '../api/index.js';

/** Attacks whose evidence happens within minutes of "now" (scenarios.ts), so their alert follows the next sync. */
export const DEMO_ATTACKS = [
  'sso_disabled',
  'password_spray',
  'compliance_logging_disabled',
  'admin_role_assignment_granted',
  'compliance_api_key_created',
  'primary_owner_transferred',
  'ip_restriction_deleted',
  'domain_removed',
] as const;
/** The first attack comes soon after the demo is ready; then one every --attack-every seconds. */
const FIRST_ATTACK_MS = 15_000;
const WATCH_EVERY_MS = 3_000;

export interface Stoppable {
  stop(): void;
}

/** Plays DEMO_ATTACKS in turn on the simulator at `simUrl`, the first after FIRST_ATTACK_MS, then every `everyMs`. */
export function playAttacks(simUrl: string, everyMs: number, say: (line: string) => void, log: Logger): Stoppable {
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const play = async () => {
    const id = DEMO_ATTACKS[next++ % DEMO_ATTACKS.length];
    try {
      const res = await fetch(`${simUrl}/_sim/scenarios`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id }) });
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
      const played = (await res.json()) as { alerts?: { rule_id: string }[] };
      say(`${clock()} attack: the simulator plays "${id}" now; expect ${played.alerts?.map((a) => a.rule_id).join(', ') || 'an alert'} after the next sync`);
    } catch (err) {
      log.warn({ scenario: id, error: (err as Error).message }, 'demo: could not play an attack in the simulator');
    }
  };
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => void play().finally(() => schedule(everyMs)), ms);
  };
  schedule(FIRST_ATTACK_MS);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

const NEW_ALERTS = `{ alerts(filter: { historical: false }, first: 50) { edges { node {
  id level summary evidenceCount entity { type id } rule { id title } } } } }`;

interface AlertLine {
  id: string;
  level: string;
  summary: string;
  evidenceCount: number;
  entity: { type: string; id: string };
  rule: { id: string; title: string };
}

/**
 * Polls the GraphQL API for alerts raised as data arrived (not the retro hunt's) and prints each new one once.
 * Alerts already there when it starts (a demo continued from an earlier run) are not printed again.
 */
export function watchAlerts(graphqlUrl: string, token: string, say: (line: string) => void, log: Logger): Stoppable & { firstPoll: Promise<void> } {
  const seen = new Set<string>();
  let first = true;
  let polled: () => void = () => {};
  const firstPoll = new Promise<void>((resolve) => (polled = resolve));
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const poll = async () => {
    try {
      const res = await fetch(graphqlUrl, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ query: NEW_ALERTS }) });
      const body = (await res.json()) as { data?: { alerts: { edges: { node: AlertLine }[] } }; errors?: { message: string }[] };
      if (body.errors?.length || !body.data) throw new Error(body.errors?.map((e) => e.message).join('; ') ?? `HTTP ${res.status}`);
      // oldest first, so lines come out in the order the alerts fired
      for (const { node } of [...body.data.alerts.edges].reverse()) {
        if (seen.has(node.id)) continue;
        seen.add(node.id);
        if (!first) say(formatAlertLine(node));
      }
      first = false;
      polled();
    } catch (err) {
      log.warn({ error: (err as Error).message }, 'demo: could not read the alerts');
    }
  };
  const loop = () => {
    if (stopped) return;
    timer = setTimeout(() => void poll().finally(loop), WATCH_EVERY_MS);
  };
  void poll().finally(loop);
  return {
    /** Settles once the alerts already there are known (the first successful poll). */
    firstPoll,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** One line: level, rule, entity, evidence count, and the GraphQL query that shows the rest. */
export function formatAlertLine(a: AlertLine): string {
  const evidence = `${a.evidenceCount} evidence ${a.evidenceCount === 1 ? 'activity' : 'activities'}`;
  return (
    `${clock()} ALERT ${a.level.padEnd(8)} ${a.rule.id} (${a.rule.title}) on ${a.entity.type.toLowerCase()} ${a.entity.id}, ${evidence}; ` +
    `GraphQL: { alert(id: "${a.id}") { summary actor { user { email } } activities { edges { node { createdAt type } } } } }`
  );
}

function clock(): string {
  return new Date().toISOString().slice(11, 19);
}
