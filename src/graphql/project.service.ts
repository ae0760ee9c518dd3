// The SQL over marts.projects and marts.project_attachments: one project, the list of projects (newest first)
// and a project's attachments. Every client value is a bound parameter; every read is limited.
import type { Db } from './context.js';
import { MAX_PAGE_SIZE, type Page, toConnection } from './connection.type.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { SqlParams, keysetAfter, toInt, toStringOrNull, usToDate } from './sql-params.js';
import { checkList, checkTimeRange, inList } from './activity.service.js';
import { checkFirst } from './membership.service.js';
import type { ProjectFilter } from './project.args.js';
import { type Project, type ProjectAttachment, type ProjectCollaborator, ProjectConnection, ProjectEdge } from './project.type.js';
import type { Row } from './warehouse.js';

const CURSOR = { kind: 'project', shape: ['u', 's'] } as const;

const PROJECT_COLUMNS =
  'p.project_id, p.name, p.is_private, p.organization_uuid, p.user_id, p.user_email, epoch_us(p.created_at) as created_us, ' +
  'epoch_us(p.updated_at) as updated_us, epoch_us(p.deleted_at) as deleted_us, p.chat_count, p.attachment_count, p.collaborator_count';

function toProject(row: Row): Project {
  return {
    id: String(row.project_id),
    name: toStringOrNull(row.name),
    isPrivate: row.is_private === null || row.is_private === undefined ? null : Boolean(row.is_private),
    organizationUuid: toStringOrNull(row.organization_uuid),
    userId: toStringOrNull(row.user_id),
    userEmail: toStringOrNull(row.user_email),
    createdAt: usToDate(row.created_us)!,
    updatedAt: usToDate(row.updated_us),
    deletedAt: usToDate(row.deleted_us),
    chatCount: toInt(row.chat_count),
    attachmentCount: toInt(row.attachment_count),
    collaboratorCount: toInt(row.collaborator_count),
  };
}

export async function getProject(db: Db, id: string): Promise<Project | null> {
  const params = new SqlParams();
  const rows = await db.query(`select ${PROJECT_COLUMNS} from marts.projects p where p.project_id = ${params.add(id)} limit 1`, params.values);
  return rows.length ? toProject(rows[0]) : null;
}

export async function listProjects(db: Db, filter: ProjectFilter | null | undefined, page: Page): Promise<ProjectConnection> {
  const params = new SqlParams();
  const where: string[] = [];
  if (filter) {
    checkTimeRange(filter.since, filter.until);
    if (filter.since) where.push(`p.created_at >= ${params.time(filter.since)}`);
    if (filter.until) where.push(`p.created_at < ${params.time(filter.until)}`);
    if (filter.userIds !== null && filter.userIds !== undefined) {
      checkList('userIds', filter.userIds);
      where.push(inList('p.user_id', filter.userIds, params));
    }
    if (filter.deleted !== null && filter.deleted !== undefined) where.push(filter.deleted ? 'p.deleted_at is not null' : 'p.deleted_at is null');
  }
  const clause = () => (where.length ? `where ${where.join(' and ')}` : '');
  const countSql = `select count(*) as n from marts.projects p ${clause()}`;
  const countParams = { ...params.values };
  if (page.after !== null) {
    const [us, id] = decodeCursor(CURSOR.kind, CURSOR.shape, page.after);
    where.push(keysetAfter(['p.created_at', 'p.project_id'], [params.micros(us as bigint), params.add(id as string)], 'desc'));
  }
  const rows = await db.query(
    `select ${PROJECT_COLUMNS} from marts.projects p ${clause()} order by p.created_at desc, p.project_id desc limit ${params.add(page.first + 1)}`,
    params.values,
  );
  return toConnection(
    ProjectConnection,
    rows,
    page,
    (row) => Object.assign(new ProjectEdge(), { cursor: encodeCursor(CURSOR.kind, [row.created_us as bigint, String(row.project_id)]), node: toProject(row) }),
    async () => toInt((await db.query(countSql, countParams))[0]?.n),
  );
}

export async function projectAttachments(db: Db, projectId: string, currentOnly: boolean, first: number): Promise<ProjectAttachment[]> {
  checkFirst(first, MAX_PAGE_SIZE);
  const params = new SqlParams();
  const rows = await db.query(
    `select a.attachment_id, a.attachment_type, a.filename, a.mime_type, a.md5, a.size_bytes, epoch_us(a.created_at) as created_us,
            epoch_us(a.first_seen) as first_seen_us, epoch_us(a.last_seen) as last_seen_us, a.is_current
     from marts.project_attachments a where a.project_id = ${params.add(projectId)} ${currentOnly ? 'and a.is_current' : ''}
     order by a.created_at, a.attachment_id limit ${params.add(first)}`,
    params.values,
  );
  return rows.map((r) => ({
    id: String(r.attachment_id),
    type: toStringOrNull(r.attachment_type),
    filename: toStringOrNull(r.filename),
    mimeType: toStringOrNull(r.mime_type),
    md5: toStringOrNull(r.md5),
    sizeBytes: r.size_bytes === null || r.size_bytes === undefined ? null : toInt(r.size_bytes),
    createdAt: usToDate(r.created_us),
    firstSeen: usToDate(r.first_seen_us),
    lastSeen: usToDate(r.last_seen_us),
    isCurrent: Boolean(r.is_current),
  }));
}

export async function projectCollaborators(db: Db, projectId: string, currentOnly: boolean, first: number): Promise<ProjectCollaborator[]> {
  checkFirst(first, MAX_PAGE_SIZE);
  const params = new SqlParams();
  const rows = await db.query(
    `select c.principal_type, c.principal_id, c.principal_name, c.role, epoch_us(c.granted_at) as granted_us,
            epoch_us(c.first_seen) as first_seen_us, epoch_us(c.last_seen) as last_seen_us, c.is_current
     from marts.project_collaborators c where c.project_id = ${params.add(projectId)} ${currentOnly ? 'and c.is_current' : ''}
     order by c.granted_at, c.principal_type, c.principal_id, c.role limit ${params.add(first)}`,
    params.values,
  );
  return rows.map((r) => ({
    principalType: String(r.principal_type),
    principalId: toStringOrNull(r.principal_id),
    principalName: toStringOrNull(r.principal_name),
    role: String(r.role),
    grantedAt: usToDate(r.granted_us),
    firstSeen: usToDate(r.first_seen_us),
    lastSeen: usToDate(r.last_seen_us),
    isCurrent: Boolean(r.is_current),
  }));
}
