// Query.adminActionsByRecentGroupMembers: the headline question.
import 'reflect-metadata';
import { Args, Ctx, Query, Resolver } from 'type-graphql';
import type { GraphqlContext } from './context.js';
import { checkPage } from './connection.type.js';
import { RecentGroupMemberActionsArgs } from './admin-action.args.js';
import { recentGroupMemberActions } from './admin-action.service.js';
import { RecentGroupMemberActionConnection } from './admin-action.type.js';

@Resolver()
export class AdminActionResolver {
  @Query(() => RecentGroupMemberActionConnection, {
    description:
      "Admin actions (or the given types) whose actor was a member of the group at the time of the action and had been added to it " +
      'at most addedWithinDays before; newest first. Each edge carries the actor record and the membership as of the action.',
  })
  adminActionsByRecentGroupMembers(@Args(() => RecentGroupMemberActionsArgs) args: RecentGroupMemberActionsArgs, @Ctx() ctx: GraphqlContext): Promise<RecentGroupMemberActionConnection> {
    return recentGroupMemberActions(ctx.db, args, checkPage(args));
  }
}
