// Organizations: a snapshot of the parent organization and its linked organizations, every run.
import type { Organization } from '../api/index.js';
import { TABLES } from '../lake/tables.js';
import { organizationPages } from './lists.js';
import { commitSnapshot } from './snapshot.js';
import type { Stream } from './stream.js';

export const organizationsStream: Stream = {
  name: 'organizations',
  table: TABLES.organizations,
  scopes: ['read:compliance_org_data'],
  dependsOn: [],
  cursor: { kind: 'snapshot', timeKey: 'snapshot_at' },
  job: 'directory',
  async run(ctx, stats) {
    const part = {
      pages: await organizationPages(ctx),
      row: (o: Organization) => ({ uuid: o.uuid, name: o.name ?? null, created_at: o.created_at ?? null }),
    };
    await commitSnapshot(ctx, stats, TABLES.organizations, '/v1/compliance/organizations', [part], 'uuid');
  },
};
