// The smoke walk: read the activity feed (and, when the key allows, the directory) through the client and
// summarise what was read. Shared by `compliance-lake smoke` (any API) and `compliance-lake demo` (the simulator).
import { ComplianceClient, PermissionError, type RequestInfo } from '../api/index.js';
import type { Activity } from '../api/types.js';

export interface SmokeOptions {
  client: ComplianceClient;
  /** Stop after this many activity pages; default: walk the whole feed. */
  maxPages?: number;
  /** Page size; default 1000. */
  limit?: number;
  /** Only activities created at or after this instant. */
  since?: Date;
  /** Also read organizations, users and groups (skipped with a note when the key lacks the scope). */
  directory?: boolean;
  onPage?: (pages: number, records: number) => void;
}

export interface SmokeSummary {
  pages: number;
  activities: number;
  duplicates: number;
  oldest: string | null;
  newest: string | null;
  byType: Map<string, number>;
  byActorType: Map<string, number>;
  directory: { organizations: number; users: number; groups: number } | { skipped: string } | null;
  durationMs: number;
}

/** Counts the client's HTTP attempts; pass `track.onRequest` as the client's `onRequest`. */
export function requestTracker() {
  const counts = { requests: 0, retries: 0, rateLimited: 0 };
  return {
    counts,
    onRequest(info: RequestInfo) {
      counts.requests += 1;
      if (info.attempt > 1) counts.retries += 1;
      if (info.status === 429) counts.rateLimited += 1;
    },
  };
}

export async function smokeWalk(opts: SmokeOptions): Promise<SmokeSummary> {
  const started = Date.now();
  const byType = new Map<string, number>();
  const byActorType = new Map<string, number>();
  const seen = new Set<string>();
  let pages = 0;
  let activities = 0;
  let duplicates = 0;
  let oldest: string | null = null;
  let newest: string | null = null;
  const params = { limit: opts.limit ?? 1000, ...(opts.since ? { 'created_at.gte': opts.since } : {}) };
  for await (const page of opts.client.activities.pages(params)) {
    pages += 1;
    for (const a of page.data as Activity[]) {
      // Delivery is at-least-once (compliance-api.md §2): count a repeated id once.
      if (seen.has(a.id)) {
        duplicates += 1;
        continue;
      }
      seen.add(a.id);
      activities += 1;
      byType.set(a.type, (byType.get(a.type) ?? 0) + 1);
      const actorType = a.actor?.type ?? '(none)';
      byActorType.set(actorType, (byActorType.get(actorType) ?? 0) + 1);
      if (newest === null || a.created_at > newest) newest = a.created_at;
      if (oldest === null || a.created_at < oldest) oldest = a.created_at;
    }
    opts.onPage?.(pages, activities);
    if (opts.maxPages !== undefined && pages >= opts.maxPages) break;
  }
  const directory = opts.directory ? await readDirectory(opts.client) : null;
  return { pages, activities, duplicates, oldest, newest, byType, byActorType, directory, durationMs: Date.now() - started };
}

async function readDirectory(client: ComplianceClient): Promise<SmokeSummary['directory']> {
  try {
    let organizations = 0;
    let users = 0;
    let groups = 0;
    for await (const page of client.organizations.pages()) {
      for (const org of page.data) {
        organizations += 1;
        for await (const userPage of client.users.pages(org.uuid)) users += userPage.data.length;
      }
    }
    for await (const page of client.groups.pages()) groups += page.data.length;
    return { organizations, users, groups };
  } catch (err) {
    // An Admin key reads the activity feed only (compliance-api.md §1.2); that is not a failure of the walk.
    if (err instanceof PermissionError) return { skipped: `the key cannot read the directory (${err.apiMessage ?? 'permission denied'})` };
    throw err;
  }
}

export function formatSummary(s: SmokeSummary, requests: { requests: number; retries: number; rateLimited: number }): string {
  const lines: string[] = [];
  lines.push(`Read ${s.activities} activities in ${s.pages} pages (${(s.durationMs / 1000).toFixed(1)} s)`);
  if (s.duplicates) lines.push(`  ${s.duplicates} repeated ids seen and counted once (delivery is at-least-once)`);
  if (s.oldest && s.newest) lines.push(`  created_at from ${s.oldest} to ${s.newest}`);
  lines.push(`  requests: ${requests.requests} (retries ${requests.retries}, 429s ${requests.rateLimited})`);
  lines.push(`  ${s.byType.size} activity types; most frequent:`);
  for (const [type, n] of top(s.byType, 12)) lines.push(`    ${String(n).padStart(8)}  ${type}`);
  lines.push('  actor types:');
  for (const [type, n] of top(s.byActorType, 20)) lines.push(`    ${String(n).padStart(8)}  ${type}`);
  if (s.directory && 'skipped' in s.directory) lines.push(`  directory: skipped, ${s.directory.skipped}`);
  else if (s.directory) {
    lines.push(`  directory: ${s.directory.organizations} organizations, ${s.directory.users} users, ${s.directory.groups} groups`);
  }
  return lines.join('\n');
}

function top(m: Map<string, number>, n: number): [string, number][] {
  return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n);
}
