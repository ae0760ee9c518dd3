// User.membershipHistory: a user's group memberships over time (the console's timeline).
import 'reflect-metadata';
import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { GraphqlContext } from './context.js';
import { MAX_PAGE_SIZE } from './connection.type.js';
import { checkFirst } from './membership.service.js';
import { GroupMembership } from './membership.type.js';
import { membershipHistoryOfUser } from './user-history.service.js';
import { User } from './user.type.js';

@Resolver(() => User)
export class UserHistoryResolver {
  @FieldResolver(() => [GroupMembership], {
    description: "Every interval in which the user was a member of a group, ended ones included, oldest start first (unknown starts first).",
  })
  membershipHistory(
    @Root() user: User,
    @Arg('first', () => Int, { defaultValue: 100, description: `At most this many, up to ${MAX_PAGE_SIZE}.` }) first: number,
    @Ctx() ctx: GraphqlContext,
  ): Promise<GroupMembership[]> {
    checkFirst(first, MAX_PAGE_SIZE);
    return membershipHistoryOfUser(ctx.db, user.id, first);
  }
}
