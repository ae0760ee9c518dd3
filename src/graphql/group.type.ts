// A group as GraphQL (marts.groups) and the connection over groups.
import 'reflect-metadata';
import { Field, ID, ObjectType } from 'type-graphql';
import { Connection, Edge } from './connection.type.js';
import { DateTime, JsonScalar } from './scalars.js';

@ObjectType({ description: 'A group of the directory (marts.groups), including groups that no longer exist.' })
export class Group {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  name!: string | null;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => String, { nullable: true, description: 'direct or scim.' })
  sourceType!: string | null;

  @Field(() => JsonScalar, { nullable: true, description: 'The roles the group grants, as the directory lists them.' })
  roles!: unknown;

  @Field(() => DateTime, { nullable: true, description: 'First directory snapshot that listed the group.' })
  firstSeen!: Date | null;

  @Field(() => DateTime, { nullable: true, description: 'Last directory snapshot that listed the group.' })
  lastSeen!: Date | null;

  @Field(() => Boolean, { description: 'True while the latest snapshot lists the group.' })
  isCurrent!: boolean;
}

@ObjectType()
export class GroupEdge extends Edge(Group) {}

@ObjectType({ description: 'Groups, by id.' })
export class GroupConnection extends Connection(GroupEdge) {}
