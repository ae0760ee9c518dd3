// The arguments of the chat queries: the one chat filter (also used by User.chats and Project.chats).
import 'reflect-metadata';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { PageArgs } from './connection.type.js';
import { CreatedFilter } from './created-filter.args.js';
import { DateTime } from './scalars.js';

@InputType({ description: "Chats whose creator was (or is) a member of a group." })
export class CreatorInGroupFilter {
  @Field(() => ID)
  groupId!: string;

  @Field(() => Boolean, {
    defaultValue: true,
    description: "True: the creator was a member when the chat was created. False: the creator is a member now.",
  })
  asOfCreation!: boolean;
}

@InputType({ description: 'Every condition given must hold; a list matches any of its values; an empty list matches nothing.' })
export class ChatFilter extends CreatedFilter {
  @Field(() => [ID], { nullable: true })
  projectIds?: string[] | null;

  @Field(() => CreatorInGroupFilter, { nullable: true, description: 'The creator was a member of the group (by default, as of the creation).' })
  actorInGroup?: CreatorInGroupFilter | null;

  @Field(() => Boolean, { nullable: true, description: 'True: only deleted chats. False: only chats that exist.' })
  deleted?: boolean | null;
}

@ArgsType()
export class ChatsArgs extends PageArgs {
  @Field(() => ChatFilter, { nullable: true })
  filter?: ChatFilter | null;
}

@ArgsType()
export class MemberContentCountArgs {
  @Field(() => DateTime, { nullable: true, description: 'Created at or after this time.' })
  since?: Date | null;

  @Field(() => DateTime, { nullable: true, description: 'Created before this time.' })
  until?: Date | null;
}
