// Query.viewer.
import 'reflect-metadata';
import { Ctx, Query, Resolver } from 'type-graphql';
import type { GraphqlContext } from './context.js';
import { Viewer } from './viewer.type.js';

@Resolver(() => Viewer)
export class ViewerResolver {
  @Query(() => Viewer, { description: 'What the credentials of this request allow (needs them, like every other field).' })
  viewer(@Ctx() ctx: GraphqlContext): Viewer {
    return { authenticated: ctx.auth.authenticated, writable: ctx.auth.write };
  }
}
