// Query.group, Query.groups and the list fields of Group (members, membershipChanges).
import 'reflect-metadata';
import { Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { GraphqlContext } from './context.js';
import { checkPage } from './connection.type.js';
import { GroupArgs, GroupsArgs, MembersArgs, MembershipChangesArgs } from './group.args.js';
import { getGroup, listGroups } from './group.service.js';
import { Group, GroupConnection } from './group.type.js';
import { groupMembers, membershipChanges } from './membership.service.js';
import { GroupMemberConnection, MembershipChangeConnection } from './membership.type.js';

@Resolver(() => Group)
export class GroupResolver {
  @Query(() => Group, { nullable: true })
  group(@Args(() => GroupArgs) args: GroupArgs, @Ctx() ctx: GraphqlContext): Promise<Group | null> {
    return getGroup(ctx.db, args.id);
  }

  @Query(() => GroupConnection, { description: 'Groups, by id.' })
  groups(@Args(() => GroupsArgs) args: GroupsArgs, @Ctx() ctx: GraphqlContext): Promise<GroupConnection> {
    return listGroups(ctx.db, args.filter, checkPage(args));
  }

  @FieldResolver(() => GroupMemberConnection, { description: 'The members at asOf (default: now), by user id, each with their record as of that time.' })
  members(@Root() group: Group, @Args(() => MembersArgs) args: MembersArgs, @Ctx() ctx: GraphqlContext): Promise<GroupMemberConnection> {
    return groupMembers(ctx.db, group.id, args.asOf, checkPage(args));
  }

  @FieldResolver(() => MembershipChangeConnection, { description: 'Additions and removals in [since, until), newest first.' })
  membershipChanges(@Root() group: Group, @Args(() => MembershipChangesArgs) args: MembershipChangesArgs, @Ctx() ctx: GraphqlContext): Promise<MembershipChangeConnection> {
    return membershipChanges(ctx.db, group.id, args.since, args.until, checkPage(args));
  }
}
