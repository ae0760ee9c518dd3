// What the console's overview shows of the activity feed: counts per bucket and category, the most frequent
// types and the most active actors in a window.
import 'reflect-metadata';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { DateTime } from './scalars.js';

@ObjectType({ description: 'How many activities of one category fell into one time bucket.' })
export class CategoryCount {
  @Field(() => DateTime, { description: 'The start of the bucket (UTC).' })
  bucket!: Date;

  @Field(() => String, { description: 'admin, authentication, content, api_access, code, integration or other.' })
  category!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'An activity type and how many activities of it matched.' })
export class TypeCount {
  @Field(() => String)
  type!: string;

  @Field(() => String)
  category!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType({
  description:
    'An actor and how many activities they performed: by user id, else by API key id, else by email (e.g. failed sign-ins), else by actor type.',
})
export class ActorCount {
  @Field(() => String, { nullable: true, description: 'user_actor, api_actor, ... (the most frequent kind for this actor).' })
  type!: string | null;

  @Field(() => ID, { nullable: true })
  userId!: string | null;

  @Field(() => ID, { nullable: true })
  apiKeyId!: string | null;

  @Field(() => String, { nullable: true, description: 'The email of their newest matching activity.' })
  email!: string | null;

  @Field(() => Int)
  count!: number;
}
