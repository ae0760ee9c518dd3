// The detection side of syncStatus: how far each rule has been evaluated, and open alerts (detections.md §3).
// Delivery per destination is syncStatus.destinations (src/delivery/status.ts).
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

@ObjectType({ description: 'Detections: evaluation per rule and open alerts (delivery: SyncStatus.destinations).' })
export class DetectionStatus {
  @Field(() => Boolean, { description: 'False until a first evaluation has created the alert store.' })
  available!: boolean;

  @Field(() => Int, { description: 'Alerts with status open (historical ones included).' })
  openAlerts!: number;

  @Field(() => DateTime, { nullable: true, description: 'The newest evaluation of any rule.' })
  lastEvaluatedAt!: Date | null;

  @Field(() => [RuleEvaluationStatus], { description: 'By rule id.' })
  rules!: RuleEvaluationStatus[];
}
