// Query.activities and Query.activityCounts: check the page, hand the filter to the service.
import 'reflect-metadata';
import { Args, Ctx, Query, Resolver } from 'type-graphql';
import type { GraphqlContext } from './context.js';
import { checkPage } from './connection.type.js';
import { ActivitiesArgs, ActivityCountsArgs } from './activity.args.js';
import { countActivitiesBy, listActivities } from './activity.service.js';
import { Activity, ActivityConnection, ActivityCount } from './activity.type.js';

@Resolver(() => Activity)
export class ActivityResolver {
  @Query(() => ActivityConnection, { description: 'Activities matching the filter, newest first.' })
  activities(@Args(() => ActivitiesArgs) args: ActivitiesArgs, @Ctx() ctx: GraphqlContext): Promise<ActivityConnection> {
    return listActivities(ctx.db, args.filter, checkPage(args));
  }

  @Query(() => [ActivityCount], { description: 'Activities matching the filter per UTC day, week or month, oldest bucket first; empty buckets are left out.' })
  activityCounts(@Args(() => ActivityCountsArgs) args: ActivityCountsArgs, @Ctx() ctx: GraphqlContext): Promise<ActivityCount[]> {
    return countActivitiesBy(ctx.db, args.by, args.filter);
  }
}
