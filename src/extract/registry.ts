// The one list of streams. Each stream declares its own contract (src/extract/stream.ts: table, scopes,
// dependencies, cursor, job group); every other layer (the pipeline, the daemon's jobs, the CLI, sync status)
// asks this registry. Adding a stream is one entry here, after the streams whose lists it reads.
import { activitiesStream } from './activities.js';
import { chatsStream } from './chats.js';
import { groupMembersStream } from './group-members.js';
import { groupsStream } from './groups.js';
import { organizationSettingsStream } from './organization-settings.js';
import { organizationsStream } from './organizations.js';
import { projectAttachmentsStream } from './project-attachments.js';
import { projectCollaboratorsStream } from './project-collaborators.js';
import { projectsStream } from './projects.js';
import { rolePermissionsStream } from './role-permissions.js';
import { rolesStream } from './roles.js';
import { type JobGroup, type Stream, cursorTime } from './stream.js';
import { usersStream } from './users.js';

/** Every stream, in the order a run takes them (a stream comes after those it depends on). */
export const ALL_STREAMS: readonly Stream[] = [
  activitiesStream,
  organizationsStream,
  organizationSettingsStream,
  usersStream,
  rolesStream,
  rolePermissionsStream,
  groupsStream,
  groupMembersStream,
  chatsStream,
  projectsStream,
  projectAttachmentsStream,
  projectCollaboratorsStream,
];

export const STREAM_NAMES: readonly string[] = ALL_STREAMS.map((s) => s.name);

export const JOB_GROUPS: readonly JobGroup[] = ['feed', 'directory', 'content'];

export function streamNamed(name: string): Stream | undefined {
  return ALL_STREAMS.find((s) => s.name === name);
}

/** The streams of one daemon job group, in run order. */
export function streamsOfJob(job: JobGroup): Stream[] {
  return ALL_STREAMS.filter((s) => s.job === job);
}

/** The time a stream's stored cursor stands for, or null (unknown stream, no cursor). */
export function cursorTimeOf(stream: string, cursor: unknown): string | null {
  const s = streamNamed(stream);
  return s ? cursorTime(s, cursor) : null;
}

/** Scopes a key must hold for every stream it can read; the feed needs only `read:compliance_activities`. */
export function scopesOf(streams: readonly Stream[]): string[] {
  return [...new Set(streams.flatMap((s) => s.scopes))];
}
