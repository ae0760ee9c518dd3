// Query.syncStatus.
import 'reflect-metadata';
import { Ctx, Query, Resolver } from 'type-graphql';
import type { GraphqlContext } from './context.js';
import { readSyncStatus } from './sync-status.service.js';
import { SyncStatus } from './sync-status.type.js';

@Resolver(() => SyncStatus)
export class SyncStatusResolver {
  @Query(() => SyncStatus, { description: 'Per stream: last success, cursor and lag, records in the lake, coverage events.' })
  syncStatus(@Ctx() ctx: GraphqlContext): SyncStatus {
    return readSyncStatus(ctx.dataDir, ctx.now, ctx.warehouseBuiltAt());
  }
}
