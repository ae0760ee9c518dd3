// A project as GraphQL (marts.projects), its attachments (marts.project_attachments), its collaborators
// (marts.project_collaborators) and the connection over projects.
import 'reflect-metadata';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Connection, Edge } from './connection.type.js';
import { DateTime } from './scalars.js';

@ObjectType({ description: 'A file or document attached to a project (metadata only).' })
export class ProjectAttachment {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'project_file or project_doc.' })
  type!: string | null;

  @Field(() => String, { nullable: true })
  filename!: string | null;

  @Field(() => String, { nullable: true })
  mimeType!: string | null;

  @Field(() => String, { nullable: true })
  md5!: string | null;

  @Field(() => Int, { nullable: true })
  sizeBytes!: number | null;

  @Field(() => DateTime, { nullable: true })
  createdAt!: Date | null;

  @Field(() => DateTime, { nullable: true, description: 'First snapshot of the project that listed it.' })
  firstSeen!: Date | null;

  @Field(() => DateTime, { nullable: true, description: 'Last snapshot of the project that listed it.' })
  lastSeen!: Date | null;

  @Field(() => Boolean, { description: "Listed by the project's latest attachments snapshot." })
  isCurrent!: boolean;
}

@ObjectType({ description: 'A role on a project held by a user, a group, the whole organization or an organization role (metadata of the collaborators endpoint).' })
export class ProjectCollaborator {
  @Field(() => String, { description: 'user, group, organization or organization_role.' })
  principalType!: string;

  @Field(() => String, { nullable: true, description: "The grantee's id: user_…, a group id, an organization uuid or a role name; null for a deleted user account." })
  principalId!: string | null;

  @Field(() => String, { nullable: true, description: "A user's latest known email, a group's name, else the id." })
  principalName!: string | null;

  @Field(() => String, { description: 'owner, admin, editor or viewer.' })
  role!: string;

  @Field(() => DateTime, { nullable: true })
  grantedAt!: Date | null;

  @Field(() => DateTime, { nullable: true, description: 'First snapshot of the project that listed the grant.' })
  firstSeen!: Date | null;

  @Field(() => DateTime, { nullable: true, description: 'Last snapshot of the project that listed the grant.' })
  lastSeen!: Date | null;

  @Field(() => Boolean, { description: "Listed by the project's latest collaborators snapshot." })
  isCurrent!: boolean;
}

@ObjectType({ description: 'A claude.ai project (marts.projects), with its latest known state; deleted projects are kept with deletedAt.' })
export class Project {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  name!: string | null;

  @Field(() => Boolean, { nullable: true, description: 'False: visible to every member of the organization.' })
  isPrivate!: boolean | null;

  @Field(() => String, { nullable: true })
  organizationUuid!: string | null;

  @Field(() => ID, { nullable: true, description: 'The creator (the last one the API named: it drops them once their account is gone).' })
  userId!: string | null;

  @Field(() => String, { nullable: true })
  userEmail!: string | null;

  @Field(() => DateTime)
  createdAt!: Date;

  @Field(() => DateTime, { nullable: true })
  updatedAt!: Date | null;

  @Field(() => DateTime, { nullable: true })
  deletedAt!: Date | null;

  @Field(() => Int, { description: 'Chats in the project, deleted ones included.' })
  chatCount!: number;

  @Field(() => Int, { description: 'Current attachments.' })
  attachmentCount!: number;

  @Field(() => Int, { description: 'Current collaborators (grants).' })
  collaboratorCount!: number;
}

@ObjectType()
export class ProjectEdge extends Edge(Project) {}

@ObjectType({ description: 'Projects, newest first.' })
export class ProjectConnection extends Connection(ProjectEdge) {}
