// Query.activityCountsByCategory, Query.topActivityTypes, Query.topActors: the console's overview figures.
import 'reflect-metadata';
import { Args, Ctx, Query, Resolver } from 'type-graphql';
import type { GraphqlContext } from './context.js';
import { CategoryCountsArgs, TopArgs } from './overview.args.js';
import { countActivitiesByCategory, topActivityTypes, topActors } from './overview.service.js';
import { ActorCount, CategoryCount, TypeCount } from './overview.type.js';

@Resolver()
export class OverviewResolver {
  @Query(() => [CategoryCount], {
    description: 'Activities matching the filter per UTC day, week or month and category, oldest bucket first, then by category; empty buckets are left out.',
  })
  activityCountsByCategory(@Args(() => CategoryCountsArgs) args: CategoryCountsArgs, @Ctx() ctx: GraphqlContext): Promise<CategoryCount[]> {
    return countActivitiesByCategory(ctx.db, args.by, args.filter);
  }

  @Query(() => [TypeCount], { description: 'The most frequent activity types among the activities matching the filter, most frequent first (then by type).' })
  topActivityTypes(@Args(() => TopArgs) args: TopArgs, @Ctx() ctx: GraphqlContext): Promise<TypeCount[]> {
    return topActivityTypes(ctx.db, args.first, args.filter);
  }

  @Query(() => [ActorCount], {
    description: 'The actors with the most activities matching the filter, most first (then by user id, API key id, email).',
  })
  topActors(@Args(() => TopArgs) args: TopArgs, @Ctx() ctx: GraphqlContext): Promise<ActorCount[]> {
    return topActors(ctx.db, args.first, args.filter);
  }
}
