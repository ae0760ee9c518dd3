// The arguments of the overview queries: a time bucket or a top-N size, and the activity filter.
import 'reflect-metadata';
import { ArgsType, Field, Int } from 'type-graphql';
import { ActivityFilter } from './activity.args.js';
import { TimeBucket } from './activity.type.js';

/** The largest top-N list a client may ask for. */
export const MAX_TOP = 100;

@ArgsType()
export class CategoryCountsArgs {
  @Field(() => TimeBucket)
  by!: TimeBucket;

  @Field(() => ActivityFilter, { nullable: true })
  filter?: ActivityFilter | null;
}

@ArgsType()
export class TopArgs {
  @Field(() => Int, { defaultValue: 10, description: `At most this many, up to ${MAX_TOP}.` })
  first!: number;

  @Field(() => ActivityFilter, { nullable: true })
  filter?: ActivityFilter | null;
}
