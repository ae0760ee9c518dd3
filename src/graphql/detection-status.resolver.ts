// SyncStatus.detections: the detection side of the status (a field of its own so a status query that does not
// ask for it never opens the alert store).
import 'reflect-metadata';
import { Ctx, FieldResolver, Resolver } from 'type-graphql';
import type { GraphqlContext } from './context.js';
import { readDetectionStatus } from './detection-status.service.js';
import { DetectionStatus } from './detection-status.type.js';
import { SyncStatus } from './sync-status.type.js';

@Resolver(() => SyncStatus)
export class SyncStatusDetectionsResolver {
  @FieldResolver(() => DetectionStatus, { description: 'Detections: evaluation per rule and open alerts.' })
  detections(@Ctx() ctx: GraphqlContext): DetectionStatus {
    return readDetectionStatus(ctx.alerts);
  }
}
