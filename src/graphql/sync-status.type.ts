// Sync status as GraphQL: per stream the last success, the cursor and its lag, the records in the lake
// and the coverage events (late arrivals found by overlap or reconciliation).
import 'reflect-metadata';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { DateTime, JsonScalar } from './scalars.js';

@ObjectType({ description: 'One sync run from the run ledger.' })
export class SyncRun {
  @Field(() => String)
  runId!: string;

  @Field(() => DateTime)
  startedAt!: Date;

  @Field(() => DateTime, { nullable: true, description: 'Null while the run is going on (or when it was killed).' })
  finishedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'success, partial or failed.' })
  status!: string | null;

  @Field(() => [String])
  streams!: string[];
}

@ObjectType({ description: 'Where one stream of the lake stands.' })
export class StreamStatus {
  @Field(() => String)
  stream!: string;

  @Field(() => DateTime, { nullable: true, description: 'End of the newest run that committed this stream.' })
  lastSuccessAt!: Date | null;

  @Field(() => DateTime, { nullable: true, description: 'End of the newest run that tried this stream.' })
  lastAttemptAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'committed, failed or skipped.' })
  lastAttemptStatus!: string | null;

  @Field(() => String, { nullable: true, description: 'Why the newest attempt failed, when it did.' })
  lastError!: string | null;

  @Field(() => JsonScalar, { nullable: true, description: 'The stream cursor as stored: { covered_until, last_reconciled_day } for activities, { snapshot_at } or { updated_until } for the others.' })
  cursor!: unknown;

  @Field(() => DateTime, { nullable: true, description: 'The time the cursor has reached.' })
  cursorTime!: Date | null;

  @Field(() => Float, { nullable: true, description: 'Seconds from cursorTime to now.' })
  lagSeconds!: number | null;

  @Field(() => Float, { description: 'Rows in the committed lake files of the stream (from the manifest; may count duplicates not yet compacted).' })
  records!: number;

  @Field(() => Int)
  files!: number;

  @Field(() => Int, { description: 'Late arrivals found by the overlap window or by reconciliation (recorded, never silently fixed).' })
  coverageEvents!: number;

  @Field(() => DateTime, { nullable: true })
  lastCoverageEventAt!: Date | null;
}

@ObjectType({ description: 'Where the delivery of alerts to one destination stands (from the alert store\'s outbox).' })
export class DestinationStatus {
  @Field(() => String)
  destination!: string;

  @Field(() => Int, { description: 'Alerts the destination has not accepted yet.' })
  pending!: number;

  @Field(() => Boolean, { description: 'The oldest undelivered alert has been failing for 15 minutes or more.' })
  failing!: boolean;

  @Field(() => DateTime, { nullable: true, description: 'First failed attempt of the oldest undelivered alert.' })
  failingSince!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why the latest failed attempt failed (never a URL or a secret).' })
  lastError!: string | null;

  @Field(() => DateTime, { nullable: true, description: 'When the destination last accepted an alert.' })
  lastDeliveredAt!: Date | null;
}

@ObjectType({ description: 'The state of the sync and of the warehouse.' })
export class SyncStatus {
  @Field(() => DateTime)
  generatedAt!: Date;

  @Field(() => Boolean, { description: 'False until a first sync has created the state store.' })
  stateAvailable!: boolean;

  @Field(() => SyncRun, { nullable: true })
  lastRun!: SyncRun | null;

  @Field(() => DateTime, { nullable: true, description: 'When the warehouse the other queries read was last rebuilt.' })
  warehouseBuiltAt!: Date | null;

  @Field(() => [StreamStatus])
  streams!: StreamStatus[];

  @Field(() => [DestinationStatus], { description: 'Per alert destination with deliveries in the outbox (detections.md §5).' })
  destinations!: DestinationStatus[];
}
