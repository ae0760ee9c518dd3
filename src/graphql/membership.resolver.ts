// GroupMembership.group: the group a membership belongs to (looked up once per request and group).
import 'reflect-metadata';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { type GraphqlContext, memoized } from './context.js';
import { getGroup } from './group.service.js';
import { Group } from './group.type.js';
import { GroupMembership } from './membership.type.js';

@Resolver(() => GroupMembership)
export class MembershipResolver {
  @FieldResolver(() => Group, { nullable: true })
  group(@Root() membership: GroupMembership, @Ctx() ctx: GraphqlContext): Promise<Group | null> {
    return memoized(ctx, `group:${membership.groupId}`, () => getGroup(ctx.db, membership.groupId));
  }
}
