// An organization member as GraphQL: one version of their record (marts.users), and the connection
// over members.
import 'reflect-metadata';
import { Field, ID, ObjectType } from 'type-graphql';
import { Connection, Edge } from './connection.type.js';
import { DateTime } from './scalars.js';

@ObjectType({
  description:
    'One version of an organization member (marts.users): the email, name and role they held from validFrom until validTo. ' +
    'Users removed from the organization keep their last version, with removedAt.',
})
export class User {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  organizationUuid!: string | null;

  @Field(() => String, { nullable: true })
  email!: string | null;

  @Field(() => String, { nullable: true })
  fullName!: string | null;

  @Field(() => String, { nullable: true })
  organizationRole!: string | null;

  @Field(() => DateTime, { nullable: true })
  validFrom!: Date | null;

  @Field(() => DateTime, { nullable: true, description: 'Null while this version is current.' })
  validTo!: Date | null;

  @Field(() => Boolean, { description: 'True for the version that holds now.' })
  isCurrent!: boolean;

  @Field(() => DateTime, { nullable: true, description: 'When the user was removed from the organization, when known.' })
  removedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Where removedAt comes from: an event in the feed (exact) or a snapshot.' })
  removedAtSource!: string | null;
}

@ObjectType()
export class UserEdge extends Edge(User) {}

@ObjectType({ description: 'Users (their latest version), by id.' })
export class UserConnection extends Connection(UserEdge) {}
