// One lake per browser-test file: a small simulator tenant synced into a real lake, `models build` run, and the
// GraphQL server (with the console) started on 127.0.0.1 with a read and a write token. Before the sync, one
// user, one group and one injected activity get strings made of markup and script (HOSTILE), so the pages can
// be checked to show them as text.
import type { Activity } from '../../src/api/types.js';
import { type GraphqlServer, startGraphqlServer } from '../../src/graphql/server.js';
import { buildModels } from '../../src/models/build.js';
import { evaluateDetections, loadRules, resolveDetectionsConfig } from '../../src/detections/index.js';
import type { Simulator } from '../../src/simulator/server/app.js';
import type { SyntheticTenant } from '../../src/simulator/tenant/index.js';
import { Rng, activityId } from '../../src/simulator/tenant/random.js';
import { syncWith, tempDataDir } from '../support/lake-harness.js';
import { MINUTE, type Transport, connect, control, makeSim, makeTenant } from '../support/sim-harness.js';
import { coveredUntilMs, isoOf } from '../support/e2e-harness.js';

export const READ_TOKEN = 'console-read-token-0123456789abcdef';
export const WRITE_TOKEN = 'console-write-token-0123456789abcdef';

/** What a successful injection would set: the tests read these window flags (they must stay undefined). */
export const PWN_FLAGS = ['__pwnedImg', '__pwnedScript', '__pwnedHref', '__pwnedSvg'] as const;
/** Markup and script in one string: an image with onerror, a closing script tag, a javascript: link, SVG. */
export const HOSTILE =
  `<img src=x id=pwn-img onerror="window.__pwnedImg=1"></script><script id=pwn-script>window.__pwnedScript=1</script>` +
  `<a id=pwn-link href="javascript:window.__pwnedHref=1">click</a><svg id=pwn-svg onload="window.__pwnedSvg=1"></svg>`;
/** Ids of the elements the payload would create, were it parsed as HTML. */
export const PAYLOAD_IDS = ['pwn-img', 'pwn-script', 'pwn-link', 'pwn-svg'];

export interface ConsoleLake {
  dir: string;
  sim: Simulator;
  tenant: SyntheticTenant;
  transport: Transport;
  server: GraphqlServer;
  /** http://127.0.0.1:<port> */
  origin: string;
  /** The activities cursor: the lake holds every activity before it (µs). */
  coveredUs: number;
  /** The injected activity whose every string is HOSTILE, and the user and group renamed to HOSTILE. */
  hostile: { activityId: string; activityCreatedAt: string; oddTypeId: string; oddCreatedAt: string; userId: string; groupId: string };
  /** A group with admin actions injected an hour and a day and a half after members were added (and an hour before). */
  probeGroupId: string;
  /** A POST to /graphql with the read token; returns `data` or throws with the errors. */
  gql(query: string, variables?: Record<string, unknown>): Promise<Record<string, any>>;
  close(): Promise<void>;
}

export async function buildConsoleLake(): Promise<ConsoleLake> {
  // two attack scenarios (scenarios.ts) so the detection rules raise alerts; they need 12 days of history
  const tenant = makeTenant({ horizonDays: 14, activitiesPerDay: 600, groups: 6, scenarios: ['activity_after_offboarding', 'newcomer_creates_key'] });
  const users = tenant.timeline.users;
  const victim = users.find((u) => u.joinedMs < tenant.epochStartMs && u.leftMs === Infinity) ?? users[0];
  victim.fullName = `${HOSTILE} name`;
  const group = tenant.timeline.groups[0];
  group.name = `${HOSTILE} group`;
  group.description = HOSTILE;
  const sim = makeSim({ shared: tenant });
  const transport = await connect(sim, 'loopback');
  const { dir, cleanup } = tempDataDir('cl-console-');
  try {
    const org = tenant.timeline.orgs[victim.orgIndex];
    const createdUs = (sim.clock.now() - 6 * 60 * MINUTE) * 1000 + 123;
    const record = {
      id: activityId(createdUs, new Rng(13)),
      created_at: isoOf(createdUs),
      organization_id: org.tagged,
      organization_uuid: org.uuid,
      actor: { type: 'user_actor', user_id: victim.id, email_address: `${HOSTILE}@example.com`, ip_address: HOSTILE, user_agent: HOSTILE },
      type: 'org_sso_toggled',
      enabled: true,
      note: HOSTILE,
      link: 'javascript:window.__pwnedHref=1',
      nested: { html: HOSTILE, list: [HOSTILE, '</pre><img src=x id=pwn-img onerror="window.__pwnedImg=1">'] },
    } as unknown as Activity;
    // and an activity of an unknown type whose type itself is markup (kept, category other)
    const oddUs = createdUs + 60_000_000;
    const odd = { ...record, id: activityId(oddUs, new Rng(14)), created_at: isoOf(oddUs), type: `x_${HOSTILE}` } as unknown as Activity;
    // Admin actions by members shortly after they were added (the generated feed has few): an hour and a
    // day and a half after the start of memberships that began inside the history, and an hour before it.
    const rng = new Rng(15);
    const probes: Activity[] = [];
    const DAY = 24 * 60 * MINUTE;
    const recent = tenant.timeline.memberships.filter((m) => {
      const u = users[m.userIndex];
      return m.fromMs > tenant.epochStartMs + 2 * DAY && m.fromMs < sim.clock.now() - 3 * DAY && m.toMs > m.fromMs + 2 * DAY && u.joinedMs < m.fromMs - DAY && u.leftMs >= m.toMs;
    });
    const probeGroupId = recent.length ? mostCommon(recent.map((m) => m.groupId)) : group.id;
    for (const m of recent.filter((x) => x.groupId === probeGroupId).slice(0, 4)) {
      const u = users[m.userIndex];
      const o = tenant.timeline.orgs[u.orgIndex];
      for (const offsetMs of [-60 * MINUTE, 60 * MINUTE, 1.5 * DAY]) {
        const atUs = (m.fromMs + offsetMs) * 1000 + 7;
        probes.push({ id: activityId(atUs, rng), created_at: isoOf(atUs), organization_id: o.tagged, organization_uuid: o.uuid, actor: tenant.timeline.actorFor(u), type: 'org_sso_toggled', enabled: true } as unknown as Activity);
      }
    }
    await control(transport, 'POST', '/_sim/activities', { records: [record, odd, ...probes], visible_at: isoOf(sim.clock.now() * 1000) });
    // bounded a minute before the simulator's clock, as the end-to-end test does: everything before it is indexed
    const untilMs = Math.floor(sim.clock.now() / 1000) * 1000 - MINUTE;
    const result = await syncWith(transport, dir, { settings: { overlapMs: 10 * MINUTE, reconcileDays: 3, untilMs } });
    if (!result.ok) throw new Error(`the console lake's sync failed: ${JSON.stringify(result.streams)}`);
    await buildModels(dir);
    const rules = loadRules();
    await evaluateDetections({ dataDir: dir, config: resolveDetectionsConfig(undefined, rules), rules });
    const server = await startGraphqlServer({
      dataDir: dir,
      port: 0,
      host: '127.0.0.1',
      token: READ_TOKEN,
      writeToken: WRITE_TOKEN,
      warehouse: { threads: 2, memoryLimit: '512MB' },
    });
    const origin = new URL(server.url).origin;
    const gql = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${READ_TOKEN}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: Record<string, any>; errors?: unknown[] };
      if (res.status !== 200 || body.errors || !body.data) throw new Error(`GraphQL HTTP ${res.status}: ${JSON.stringify(body.errors)}`);
      return body.data;
    };
    return {
      dir,
      sim,
      tenant,
      transport,
      server,
      origin,
      coveredUs: coveredUntilMs(dir) * 1000,
      hostile: {
        activityId: String(record.id),
        activityCreatedAt: record.created_at as string,
        oddTypeId: String(odd.id),
        oddCreatedAt: odd.created_at as string,
        userId: victim.id,
        groupId: group.id,
      },
      probeGroupId,
      gql,
      async close() {
        await server.close();
        await transport.close();
        cleanup();
      },
    };
  } catch (err) {
    await transport.close();
    cleanup();
    throw err;
  }
}

function mostCommon(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
}
