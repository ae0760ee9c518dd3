// Query.user, Query.users and the list fields of User (versions, memberships, activities).
import 'reflect-metadata';
import { Args, Ctx, Extensions, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { GraphqlContext } from './context.js';
import { MAX_PAGE_SIZE, checkPage } from './connection.type.js';
import { ActivitiesArgs } from './activity.args.js';
import { listActivities } from './activity.service.js';
import { ActivityConnection } from './activity.type.js';
import { checkFirst, membershipsOfUser } from './membership.service.js';
import { GroupMembership } from './membership.type.js';
import { MembershipsArgs, UserArgs, UsersArgs } from './user.args.js';
import { getUser, listUsers, userVersions } from './user.service.js';
import { User, UserConnection } from './user.type.js';

@Resolver(() => User)
export class UserResolver {
  @Query(() => User, { nullable: true, description: 'A user by id: the version in effect at asOf, or the latest version.' })
  user(@Args(() => UserArgs) args: UserArgs, @Ctx() ctx: GraphqlContext): Promise<User | null> {
    return getUser(ctx.db, args.id, args.asOf);
  }

  @Query(() => UserConnection, { description: 'Users (their latest version), by id.' })
  users(@Args(() => UsersArgs) args: UsersArgs, @Ctx() ctx: GraphqlContext): Promise<UserConnection> {
    return listUsers(ctx.db, args.filter, checkPage(args));
  }

  @Extensions({ listSize: 10 })
  @FieldResolver(() => [User], { description: "Every version of the user's record, oldest first." })
  versions(@Root() user: User, @Ctx() ctx: GraphqlContext): Promise<User[]> {
    return userVersions(ctx.db, user);
  }

  @FieldResolver(() => [GroupMembership], { description: 'The groups the user belonged to at asOf (default: now), latest start first.' })
  memberships(@Root() user: User, @Args(() => MembershipsArgs) args: MembershipsArgs, @Ctx() ctx: GraphqlContext): Promise<GroupMembership[]> {
    checkFirst(args.first, MAX_PAGE_SIZE);
    return membershipsOfUser(ctx.db, user.id, args.asOf, args.first);
  }

  @FieldResolver(() => ActivityConnection, { description: "The user's own activities (as actor), newest first." })
  activities(@Root() user: User, @Args(() => ActivitiesArgs) args: ActivitiesArgs, @Ctx() ctx: GraphqlContext): Promise<ActivityConnection> {
    return listActivities(ctx.db, args.filter, checkPage(args), { actorUserId: user.id });
  }
}

