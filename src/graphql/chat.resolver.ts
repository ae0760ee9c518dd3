// Query.chats, User.chats, and Group.chatCount / Group.projectCount (content created by members while members).
import 'reflect-metadata';
import { Args, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { type GraphqlContext, memoized } from './context.js';
import { checkPage } from './connection.type.js';
import { ChatsArgs, MemberContentCountArgs } from './chat.args.js';
import { countsByMembersWhileMembers, listChats } from './chat.service.js';
import { Instant } from './scalars.js';
import { Chat, ChatConnection } from './chat.type.js';
import { Group } from './group.type.js';
import { User } from './user.type.js';

@Resolver(() => Chat)
export class ChatResolver {
  @Query(() => ChatConnection, { description: 'Chats matching the filter, newest first (metadata only).' })
  chats(@Args(() => ChatsArgs) args: ChatsArgs, @Ctx() ctx: GraphqlContext): Promise<ChatConnection> {
    return listChats(ctx.db, args.filter, checkPage(args));
  }
}

@Resolver(() => User)
export class UserChatsResolver {
  @FieldResolver(() => ChatConnection, { description: 'The chats the user created, newest first.' })
  chats(@Root() user: User, @Args(() => ChatsArgs) args: ChatsArgs, @Ctx() ctx: GraphqlContext): Promise<ChatConnection> {
    return listChats(ctx.db, args.filter, checkPage(args), { userId: user.id });
  }
}

@Resolver(() => Group)
export class GroupContentResolver {
  @FieldResolver(() => Int, {
    description: 'Chats created in [since, until) by members of the group while they were members (the membership held at the creation), deleted chats included.',
  })
  chatCount(@Root() group: Group, @Args(() => MemberContentCountArgs) args: MemberContentCountArgs, @Ctx() ctx: GraphqlContext): Promise<number> {
    return memberCount(ctx, 'chats', group.id, args);
  }

  @FieldResolver(() => Int, {
    description: 'Projects created in [since, until) by members of the group while they were members, deleted projects included.',
  })
  projectCount(@Root() group: Group, @Args(() => MemberContentCountArgs) args: MemberContentCountArgs, @Ctx() ctx: GraphqlContext): Promise<number> {
    return memberCount(ctx, 'projects', group.id, args);
  }
}

/** One count query per request and window, shared by every group of the page. */
async function memberCount(ctx: GraphqlContext, relation: 'chats' | 'projects', groupId: string, args: MemberContentCountArgs): Promise<number> {
  const at = (d: Date | null | undefined) => (d ? Instant.isoMicros(d) : '');
  const counts = await memoized(ctx, `members-while-members:${relation}:${at(args.since)}:${at(args.until)}`, () =>
    countsByMembersWhileMembers(ctx.db, relation, args.since, args.until),
  );
  return counts.get(groupId) ?? 0;
}
