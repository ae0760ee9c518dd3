// The detection side of syncStatus: how far each rule has been evaluated, open alerts, and the delivery state
// of each destination from the outbox (detections.md §3, §5).
import 'reflect-metadata';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { DateTime } from './scalars.js';

@ObjectType({ description: "One rule's evaluation state (the alert store's detection_rules_state)." })
export class RuleEvaluationStatus {
  @Field(() => ID)
  ruleId!: string;

  @Field(() => Int, { description: 'The last manifest entry whose activities the rule has seen.' })
  evaluatedSeq!: number;

  @Field(() => DateTime, { nullable: true })
  lastEvaluatedAt!: Date | null;

  @Field(() => Float, { nullable: true })
  lastDurationMs!: number | null;

  @Field(() => String, { nullable: true, description: 'Why the last evaluation failed, when it did.' })
  lastError!: string | null;

  @Field(() => Int)
  alertsTotal!: number;
}

@ObjectType({ description: 'One destination as the outbox shows it: what waits, what went, and whether it keeps failing.' })
export class DestinationStatus {
  @Field(() => String)
  name!: string;

  @Field(() => Int, { description: 'Alerts waiting to be delivered (new or being retried).' })
  pending!: number;

  @Field(() => Int)
  delivered!: number;

  @Field(() => Boolean, { description: 'True when deliveries to it have been failing for 15 minutes or more (detections.md §5).' })
  failing!: boolean;

  @Field(() => DateTime, { nullable: true, description: 'The first failed attempt of the oldest waiting alert; null while nothing fails.' })
  failingSince!: Date | null;

  @Field(() => DateTime, { nullable: true, description: 'When the oldest waiting alert was queued.' })
  oldestPendingSince!: Date | null;

  @Field(() => DateTime, { nullable: true })
  lastDeliveredAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'The last failure of a waiting alert, as the delivery recorded it.' })
  lastError!: string | null;
}

@ObjectType({ description: 'Detections: evaluation per rule, open alerts, and delivery per destination.' })
export class DetectionStatus {
  @Field(() => Boolean, { description: 'False until a first evaluation has created the alert store.' })
  available!: boolean;

  @Field(() => Int, { description: 'Alerts with status open (historical ones included).' })
  openAlerts!: number;

  @Field(() => DateTime, { nullable: true, description: 'The newest evaluation of any rule.' })
  lastEvaluatedAt!: Date | null;

  @Field(() => [RuleEvaluationStatus], { description: 'By rule id.' })
  rules!: RuleEvaluationStatus[];

  @Field(() => [DestinationStatus], { description: 'Destinations the outbox holds rows for, by name.' })
  destinations!: DestinationStatus[];
}
