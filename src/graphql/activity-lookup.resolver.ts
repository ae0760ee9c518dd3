// Query.activity: one activity by id (the console's activity page).
import 'reflect-metadata';
import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { GraphqlContext } from './context.js';
import { getActivity } from './activity-lookup.service.js';
import { Activity } from './activity.type.js';
import { DateTime } from './scalars.js';

@Resolver(() => Activity)
export class ActivityLookupResolver {
  @Query(() => Activity, { nullable: true, description: 'One activity by id; null when the warehouse does not hold it.' })
  activity(
    @Arg('id', () => ID) id: string,
    @Arg('createdAt', () => DateTime, { nullable: true, description: 'Its createdAt, when known: the lookup reads only that moment of the feed.' }) createdAt: Date | null,
    @Ctx() ctx: GraphqlContext,
  ): Promise<Activity | null> {
    return getActivity(ctx.db, id, createdAt);
  }
}
