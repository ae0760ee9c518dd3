// Query.activityTypes: the catalog.
import 'reflect-metadata';
import { Arg, Ctx, Extensions, Query, Resolver } from 'type-graphql';
import type { GraphqlContext } from './context.js';
import { listActivityTypes } from './activity-type.service.js';
import { ActivityType, ActivityTypeFilter } from './activity-type.type.js';

@Resolver(() => ActivityType)
export class ActivityTypeResolver {
  @Extensions({ listSize: 500 })
  @Query(() => [ActivityType], { description: 'The activity-type catalog with what the feed has shown of each type, by type.' })
  activityTypes(@Arg('filter', () => ActivityTypeFilter, { nullable: true }) filter: ActivityTypeFilter | null, @Ctx() ctx: GraphqlContext): Promise<ActivityType[]> {
    return listActivityTypes(ctx.db, filter);
  }
}
