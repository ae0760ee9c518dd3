// A project's collaborators and the text of its documents, derived from the seed and the project
// (compliance-api.md §2.4 #25–#27).
import type { ProjectCollaborator } from '../../api/app-types.js';
import type { DirectoryTimeline, SimUser } from './directory.js';
import { Rng, hash32, hashString, uuid } from './random.js';
import { DAY, MINUTE, iso } from './time.js';

interface CollaboratorProject {
  id: string;
  orgIndex: number;
  creator: SimUser;
  createdMs: number;
  isPrivate: boolean;
}

const ROLES = ['admin', 'editor', 'viewer'] as const;
const ORG_ROLES = ['user', 'admin', 'developer'] as const;

/**
 * The creator is the owner; others are granted later. Sorted by granted_at, ties by the role assignment's UUID
 * (compliance-api.md §2.4); a user whose account is gone shows `user_id: null`.
 */
export function projectCollaborators(seed: number, p: CollaboratorProject, dir: DirectoryTimeline, nowMs: number): ProjectCollaborator[] {
  const rng = new Rng(hash32(seed, 40, hashString(p.id)));
  const org = dir.orgs[p.orgIndex];
  const rows: { ms: number; assignment: string; item: ProjectCollaborator }[] = [];
  const userRow = (u: SimUser) => (dir.isActive(u, nowMs) ? u.id : null);
  rows.push({ ms: p.createdMs, assignment: uuid(rng), item: { type: 'user', user_id: userRow(p.creator), role: 'owner', granted_at: '' } });
  // ties on granted_at are deliberate: the second row shares the owner's time when drawn so
  const extra = rng.int(7);
  for (let k = 0; k < extra; k++) {
    const ms = k === 0 && rng.chance(0.5) ? p.createdMs : p.createdMs + Math.floor(rng.between(MINUTE, 30 * DAY));
    const assignment = uuid(rng);
    const role = rng.pick(ROLES);
    const kind = rng.int(4);
    let item: ProjectCollaborator | undefined;
    if (kind === 0 || kind === 1) {
      const u = dir.pickActiveUser(rng, ms, p.orgIndex);
      if (u && u !== p.creator) item = { type: 'user', user_id: userRow(u), role, granted_at: '' };
    } else if (kind === 2) {
      const groups = dir.groups.filter((g) => g.createdMs <= ms);
      if (groups.length) item = { type: 'group', group_id: rng.pick(groups).id, role, granted_at: '' };
    } else if (!p.isPrivate) {
      item = rng.chance(0.5)
        ? { type: 'organization', organization_uuid: org.uuid, role: 'viewer', granted_at: '' }
        : { type: 'organization_role', organization_role: rng.pick(ORG_ROLES), role, granted_at: '' };
    }
    if (item) rows.push({ ms, assignment, item });
  }
  return rows
    .filter((r) => r.ms <= nowMs)
    .sort((a, b) => a.ms - b.ms || (a.assignment < b.assignment ? -1 : a.assignment > b.assignment ? 1 : 0))
    .map((r) => ({ ...r.item, granted_at: iso(r.ms) }));
}

/** A project document is text (Word files are converted when added, compliance-api.md §2.4). */
export function projectDocumentText(projectName: string, filename: string, id: string): string {
  const rng = new Rng(hashString(id));
  const lines = [`${filename} — ${projectName}`, ''];
  const n = 3 + rng.int(20);
  for (let i = 0; i < n; i++) lines.push(`${i + 1}. Keep answers about the ${projectName.toLowerCase()} short and cite sources (rule ${rng.int(1000)}).`);
  return `${lines.join('\n')}\n`;
}
