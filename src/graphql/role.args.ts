// The arguments of Query.roles, User.roles and Role.members.
import 'reflect-metadata';
import { ArgsType, Field, ID, Int } from 'type-graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './connection.type.js';
import { DateTime } from './scalars.js';

@ArgsType()
export class RolesArgs {
  @Field(() => DateTime, { nullable: true, description: 'The roles that existed (RBAC) or were held (built-in) at this time; default now.' })
  asOf?: Date | null;

  @Field(() => [ID], { nullable: true, description: 'Only these roles: rbac_role_… ids or built-in role names (e.g. ["primary_owner", "owner", "admin"]).' })
  ids?: string[] | null;

  @Field(() => String, { nullable: true, description: '"rbac" or "builtin".' })
  kind?: string | null;
}

@ArgsType()
export class UserRolesArgs {
  @Field(() => DateTime, { nullable: true, description: 'The roles the user held at this time; default now.' })
  asOf?: Date | null;
}

@ArgsType()
export class RoleMembersArgs {
  @Field(() => Int, { defaultValue: DEFAULT_PAGE_SIZE, description: `At most this many, by user id, up to ${MAX_PAGE_SIZE}.` })
  first!: number;
}
