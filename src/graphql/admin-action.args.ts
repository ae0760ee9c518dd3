// The arguments of adminActionsByRecentGroupMembers.
import 'reflect-metadata';
import { ArgsType, Field, ID, Int } from 'type-graphql';
import { PageArgs } from './connection.type.js';
import { DateTime } from './scalars.js';

@ArgsType()
export class RecentGroupMemberActionsArgs extends PageArgs {
  @Field(() => ID)
  groupId!: string;

  @Field(() => Int, { description: 'The actor had been a member for at most this many days (24 h each) at the time of the activity.' })
  addedWithinDays!: number;

  @Field(() => DateTime, { nullable: true, description: 'Activities at or after this time.' })
  since?: Date | null;

  @Field(() => DateTime, { nullable: true, description: 'Activities before this time.' })
  until?: Date | null;

  @Field(() => [String], { nullable: true, description: "Only these activity types (of any category); default every type of the 'admin' category." })
  types?: string[] | null;
}
