// Organization settings: one snapshot per sync of every linked organization's effective settings and the
// parent's Compliance Access Keys (compliance-api.md §2.2 item 7). The API computes them at read time and keeps
// no history, so the snapshots are the history. An organization the endpoint answers with 404 (the parent
// itself, one outside the hierarchy, or a parent that has not enabled the endpoint) is recorded as a coverage
// event and skipped: the other organizations' settings are still worth keeping.
import { NotFoundError, type OrganizationSettings, type PageOf } from '../api/index.js';
import type { CoverageEvent } from '../lake/manifest.js';
import { TABLES } from '../lake/tables.js';
import { organizationList } from './lists.js';
import { type SnapshotPart, commitSnapshot } from './snapshot.js';
import { type Stream, type SyncContext, isoMicros } from './stream.js';

const ENDPOINT = '/v1/compliance/organizations/{organization_id}/settings';

export const organizationSettingsStream: Stream = {
  name: 'organization_settings',
  table: TABLES.organization_settings,
  scopes: ['read:compliance_org_data'],
  dependsOn: ['organizations'],
  cursor: { kind: 'snapshot', timeKey: 'snapshot_at' },
  job: 'directory',
  async run(ctx, stats) {
    const orgs = await organizationList(ctx);
    const coverage: CoverageEvent[] = [];
    async function* parts(): AsyncGenerator<SnapshotPart<OrganizationSettings>> {
      for (const org of orgs) {
        const page = await settingsPage(ctx, org.uuid, coverage);
        if (page) yield { pages: [page], row: (s) => ({ organization_uuid: org.uuid, settings: s.settings ?? null, api_keys: s.api_keys ?? null }) };
      }
    }
    await commitSnapshot(ctx, stats, TABLES.organization_settings, ENDPOINT, parts(), 'organization_id', undefined, coverage);
  },
};

/** The settings of one organization as a one-record page, or null (and a coverage event) on a 404. */
async function settingsPage(ctx: SyncContext, orgUuid: string, coverage: CoverageEvent[]): Promise<PageOf<OrganizationSettings> | null> {
  try {
    const item = await ctx.client.organizationSettings.get(orgUuid);
    return { ...item, data: [item.data], has_more: false, first_id: null, last_id: null, next_page: null };
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    const now = isoMicros(ctx.serverNow());
    coverage.push({
      stream: 'organization_settings',
      record_id: orgUuid,
      record_time: now,
      found_by: 'unavailable',
      found_at: now,
      run_id: ctx.runId,
      reason: `404 from ${ENDPOINT.replace('{organization_id}', orgUuid)} (request ${err.requestId ?? 'unknown'}): ${err.apiMessage ?? 'not found'}; the organization is not in the hierarchy or the parent has not enabled the settings endpoint`,
    });
    return null;
  }
}
