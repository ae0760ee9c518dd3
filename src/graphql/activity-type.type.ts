// The activity-type catalog as GraphQL (marts.activity_types): known types and unknown ones seen in the feed.
import 'reflect-metadata';
import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { DateTime } from './scalars.js';

@ObjectType({ description: 'An activity type: from the catalog (known) or first seen in the feed (unknown, category other).' })
export class ActivityType {
  @Field(() => String)
  type!: string;

  @Field(() => String, { nullable: true })
  family!: string | null;

  @Field(() => String)
  category!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => Boolean, { description: 'True when the type is in the catalog.' })
  known!: boolean;

  @Field(() => DateTime, { nullable: true })
  firstSeen!: Date | null;

  @Field(() => DateTime, { nullable: true })
  lastSeen!: Date | null;

  @Field(() => Int, { description: 'Activities of this type in the warehouse.' })
  activityCount!: number;
}

@InputType({ description: 'Every condition given must hold.' })
export class ActivityTypeFilter {
  @Field(() => [String], { nullable: true })
  categories?: string[] | null;

  @Field(() => Boolean, { nullable: true, description: 'True: catalog types only. False: unknown types only.' })
  known?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'True: types seen in the feed at least once.' })
  seen?: boolean | null;
}
