// `compliance-lake simulate --users/--groups/--chats/--projects` shape the tenant (bench/full-sync-large.ts
// needs sizes beyond the volume-derived defaults, which cap chats at 50 000 and projects at 2 000).
import { describe, expect, it } from 'vitest';
import { simulatorFromFlags } from '../src/cli/simulate.js';

const NOW = '2026-11-01T00:00:00Z';

describe('simulate size flags', () => {
  it('give the tenant exactly the groups, chats and projects asked for, beyond the defaults', () => {
    const { tenant, startMs } = simulatorFromFlags({ now: NOW, horizonDays: '2', activitiesPerDay: '100', users: '120', groups: '9', chats: '60', projects: '25' });
    expect(tenant.directory.groups(startMs)).toHaveLength(9);
    // soft-deleted chats and projects are still listed (with deleted_at): all that were created exist
    expect(tenant.content.chats(startMs).length).toBe(60);
    expect(tenant.content.projects(startMs).length).toBe(25);
    const defaults = simulatorFromFlags({ now: NOW, horizonDays: '2', activitiesPerDay: '100', users: '120' });
    expect(defaults.tenant.content.chats(startMs).length).not.toBe(60);
  });

  it('refuse a size that is not a whole number, naming the flag', () => {
    expect(() => simulatorFromFlags({ now: NOW, chats: 'many' })).toThrow(/--chats must be a whole number/);
    expect(() => simulatorFromFlags({ now: NOW, groups: '0' })).toThrow(/--groups must be a whole number >= 1/);
  });
});
