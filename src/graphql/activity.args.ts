// The arguments of the activity queries: the one activity filter (also used by User.activities and
// activityCounts), and the paging arguments.
import 'reflect-metadata';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { PageArgs } from './connection.type.js';
import { TimeBucket } from './activity.type.js';
import { DateTime } from './scalars.js';

@InputType({ description: 'Activities whose actor was (or is) a member of a group.' })
export class ActorInGroupFilter {
  @Field(() => ID)
  groupId!: string;

  @Field(() => Boolean, {
    defaultValue: true,
    description: 'True: the actor was a member at the time of the activity. False: the actor is a member now.',
  })
  asOfEventTime!: boolean;
}

@InputType({ description: 'Every condition given must hold; a list matches any of its values; an empty list matches nothing.' })
export class ActivityFilter {
  @Field(() => DateTime, { nullable: true, description: 'Created at or after this time.' })
  since?: Date | null;

  @Field(() => DateTime, { nullable: true, description: 'Created before this time.' })
  until?: Date | null;

  @Field(() => [String], { nullable: true })
  types?: string[] | null;

  @Field(() => [String], { nullable: true })
  categories?: string[] | null;

  @Field(() => [ID], { nullable: true })
  actorUserIds?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Compared without regard to case.' })
  actorEmails?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Tagged organization ids (organization_id) or organization UUIDs.' })
  organizationIds?: string[] | null;

  @Field(() => [ID], { nullable: true })
  apiKeyIds?: string[] | null;

  @Field(() => ActorInGroupFilter, { nullable: true })
  actorInGroup?: ActorInGroupFilter | null;
}

@ArgsType()
export class ActivitiesArgs extends PageArgs {
  @Field(() => ActivityFilter, { nullable: true })
  filter?: ActivityFilter | null;
}

@ArgsType()
export class ActivityCountsArgs {
  @Field(() => TimeBucket)
  by!: TimeBucket;

  @Field(() => ActivityFilter, { nullable: true })
  filter?: ActivityFilter | null;
}
