// A project as GraphQL (marts.projects), its attachments (marts.project_attachments) and the connection over projects.
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
}

@ObjectType()
export class ProjectEdge extends Edge(Project) {}

@ObjectType({ description: 'Projects, newest first.' })
export class ProjectConnection extends Connection(ProjectEdge) {}
