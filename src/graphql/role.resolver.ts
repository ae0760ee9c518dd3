// Query.roles, the fields of Role (permissions, members), and User.roles.
import 'reflect-metadata';
import { Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { GraphqlContext } from './context.js';
import { MAX_PAGE_SIZE } from './connection.type.js';
import { checkFirst } from './membership.service.js';
import { RoleMembersArgs, RolesArgs, UserRolesArgs } from './role.args.js';
import { listRoles, roleMembers, rolePermissions, rolesOfUser } from './role.service.js';
import { Role, RoleMember, RolePermission } from './role.type.js';
import { User } from './user.type.js';

@Resolver(() => Role)
export class RoleResolver {
  @Query(() => [Role], {
    description: 'Roles as of a time (default now): every RBAC role that existed then, and every built-in organization role someone held then (one per organization).',
  })
  roles(@Args(() => RolesArgs) args: RolesArgs, @Ctx() ctx: GraphqlContext): Promise<Role[]> {
    return listRoles(ctx.db, args.asOf ?? null, args.ids, args.kind);
  }

  @FieldResolver(() => [RolePermission], { description: "The permissions the role granted at the role's asOf (RBAC roles; empty for built-in ones)." })
  permissions(@Root() role: Role, @Ctx() ctx: GraphqlContext): Promise<RolePermission[]> {
    return rolePermissions(ctx.db, role);
  }

  @FieldResolver(() => [RoleMember], { description: "Who held the role at the role's asOf, by user id." })
  members(@Root() role: Role, @Args(() => RoleMembersArgs) args: RoleMembersArgs, @Ctx() ctx: GraphqlContext): Promise<RoleMember[]> {
    checkFirst(args.first, MAX_PAGE_SIZE);
    return roleMembers(ctx.db, role, args.first);
  }
}

@Resolver(() => User)
export class UserRolesResolver {
  @FieldResolver(() => [Role], { description: 'The roles the user held at asOf (default now): their built-in organization role and the RBAC roles of their groups.' })
  roles(@Root() user: User, @Args(() => UserRolesArgs) args: UserRolesArgs, @Ctx() ctx: GraphqlContext): Promise<Role[]> {
    return rolesOfUser(ctx.db, user.id, args.asOf ?? null);
  }
}
