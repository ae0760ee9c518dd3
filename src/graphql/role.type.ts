// Roles as GraphQL: an RBAC role (marts.roles) or a built-in organization role (marts.users'
// organization_role) as of a moment, its permissions then, and who held it then.
import 'reflect-metadata';
import { Field, ID, ObjectType } from 'type-graphql';
import { DateTime } from './scalars.js';
import { User } from './user.type.js';

@ObjectType({
  description:
    'A role as of a moment (asOf; null: now). kind "rbac": a custom role (marts.roles), held by groups and through them by their members. ' +
    'kind "builtin": an organization role (primary_owner, owner, admin, user, ...), held by the members whose record has it (marts.users), one per organization.',
})
export class Role {
  @Field(() => ID, { description: 'rbac_role_… for an RBAC role; the role name for a built-in one.' })
  id!: string;

  @Field(() => String, { description: '"rbac" or "builtin".' })
  kind!: string;

  @Field(() => String, { nullable: true })
  organizationUuid!: string | null;

  @Field(() => String, { nullable: true })
  name!: string | null;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => DateTime, { nullable: true, description: 'The moment this answer describes (its permissions and members are those of then); null: now.' })
  asOf!: Date | null;
}

@ObjectType({ description: 'A permission an RBAC role granted (marts.role_permissions): an action on a resource, and when.' })
export class RolePermission {
  @Field(() => String)
  action!: string;

  @Field(() => String, { nullable: true })
  resourceType!: string | null;

  @Field(() => String, { nullable: true })
  resourceId!: string | null;

  @Field(() => DateTime, { nullable: true, description: 'Null: granted since before the lake\'s history.' })
  validFrom!: Date | null;

  @Field(() => String, { nullable: true, description: 'event, snapshot or unknown.' })
  validFromSource!: string | null;

  @Field(() => DateTime, { nullable: true, description: 'Null while granted.' })
  validTo!: Date | null;
}

@ObjectType({ description: 'Someone who held a role at the moment asked: the user (their record then), and how they held it.' })
export class RoleMember {
  @Field(() => ID)
  userId!: string;

  @Field(() => User, { nullable: true, description: 'The version of their record in force then (null when the lake knows none).' })
  user!: User | null;

  @Field(() => String, { description: '"group" (a member of a group that held the RBAC role), "direct" (assigned to the user) or "builtin" (their organization role).' })
  via!: string;

  @Field(() => ID, { nullable: true, description: 'The group, for via "group".' })
  groupId!: string | null;

  @Field(() => DateTime, { nullable: true, description: 'Since when they held it without a break: the later of the role\'s assignment and the membership (null: before the lake\'s history).' })
  since!: Date | null;
}
