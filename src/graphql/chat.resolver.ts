// Query.chats, User.chats, and Group.chatCount / Group.projectCount (content created by members while members).
import 'reflect-metadata';
import { Args, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import type { GraphqlContext } from './context.js';
import { checkPage } from './connection.type.js';
import { ChatsArgs, MemberContentCountArgs } from './chat.args.js';
import { countByMembersWhileMembers, listChats } from './chat.service.js';
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
    return countByMembersWhileMembers(ctx.db, 'chats', group.id, args.since, args.until);
  }

  @FieldResolver(() => Int, {
    description: 'Projects created in [since, until) by members of the group while they were members, deleted projects included.',
  })
  projectCount(@Root() group: Group, @Args(() => MemberContentCountArgs) args: MemberContentCountArgs, @Ctx() ctx: GraphqlContext): Promise<number> {
    return countByMembersWhileMembers(ctx.db, 'projects', group.id, args.since, args.until);
  }
}
