// Alerts as GraphQL (detections.md §4): one alert with its rule, entity and status, the actor as of its first
// evidence, its status changes, its evidence activities (each with the actor's record as of the event), and
// the connections over alerts and over evidence.
import 'reflect-metadata';
import { Extensions, Field, ID, Int, ObjectType } from 'type-graphql';
import { Activity } from './activity.type.js';
import { AlertEntityType, AlertLevel, AlertStatus } from './alert-enums.js';
import { Connection, Edge } from './connection.type.js';
import { DateTime, JsonScalar } from './scalars.js';
import { User } from './user.type.js';

@ObjectType({ description: 'What an alert is about: a user, an API key, an organization or a group, by id.' })
export class AlertEntity {
  @Field(() => AlertEntityType)
  type!: AlertEntityType;

  @Field(() => ID, { description: 'The id; an email or IP when the actor had no user id (e.g. failed sign-ins).' })
  id!: string;
}

@ObjectType({ description: 'A group the actor belonged to at the first evidence.' })
export class AlertActorGroup {
  @Field(() => ID)
  groupId!: string;

  @Field(() => String, { nullable: true })
  name!: string | null;

  @Field(() => DateTime, { nullable: true, description: 'Since when they were a member (null: before the history the lake holds).' })
  since!: Date | null;
}

@ObjectType({ description: "The alert's actor as the directory knew them at the first evidence (recorded when the alert was raised)." })
export class AlertActor {
  @Field(() => ID, { nullable: true })
  userId!: string | null;

  @Field(() => DateTime, { nullable: true, description: 'The moment this record describes: the first evidence activity.' })
  asOf!: Date | null;

  @Field(() => User, { nullable: true, description: "The actor's user record in effect then; null when no version covered it." })
  user!: User | null;

  @Extensions({ listSize: 20 })
  @Field(() => [AlertActorGroup], { description: 'Their group memberships then.' })
  groups!: AlertActorGroup[];

  @Field(() => JsonScalar, { nullable: true, description: 'The roles they held then, directly or through a group: [{ role_id, role_kind, via, principal_id }].' })
  roles!: unknown;

  /** `as_of` as stored (microseconds kept): the roles through groups are resolved as of it (src/graphql/alert-actor.ts). */
  asOfText!: string | null;
}

@ObjectType({ description: 'A change of an alert\'s status: who (channel:name, e.g. "write-token:alice"), when, and why.' })
export class AlertStatusChange {
  @Field(() => AlertStatus)
  from!: AlertStatus;

  @Field(() => AlertStatus)
  to!: AlertStatus;

  @Field(() => String, { description: '"write-token:<name>" when made over GraphQL with the write token (name: what the client passed).' })
  by!: string;

  @Field(() => DateTime)
  at!: Date;

  @Field(() => String, { nullable: true })
  note!: string | null;
}

@ObjectType({ description: "One alert: a rule's occurrence for one entity and window. Later occurrences of the same (rule, entity, window) update it." })
export class Alert {
  @Field(() => ID, { description: 'Stable: the first 32 hex of SHA-256 of rule id, entity id and window start (detections.md §4).' })
  id!: string;

  /** The rule's id; Alert.rule resolves it. */
  ruleId!: string;

  @Field(() => AlertLevel, { description: "The rule's level when the alert was raised." })
  level!: AlertLevel;

  @Field(() => AlertStatus)
  status!: AlertStatus;

  @Field(() => AlertEntity)
  entity!: AlertEntity;

  @Field(() => String, { description: 'One line for humans.' })
  summary!: string;

  @Field(() => DateTime, { description: 'Start of the occurrence: the event, the threshold bucket, or the first event of a sequence.' })
  windowStart!: Date;

  @Field(() => DateTime, { description: 'The last evidence activity of the occurrence.' })
  windowEnd!: Date;

  @Field(() => DateTime, { description: 'The earliest window start over all its occurrences.' })
  firstSeen!: Date;

  @Field(() => DateTime, { description: 'The latest evidence over all its occurrences.' })
  lastSeen!: Date;

  @Field(() => Boolean, { description: 'Found by a retro hunt (a rule\'s first evaluation over all history): not delivered unless asked.' })
  historical!: boolean;

  @Field(() => Int)
  evidenceCount!: number;

  @Field(() => DateTime, { description: 'When the engine raised it.' })
  createdAt!: Date;

  @Field(() => DateTime)
  updatedAt!: Date;

  @Field(() => String, { nullable: true })
  acknowledgedBy!: string | null;

  @Field(() => DateTime, { nullable: true })
  acknowledgedAt!: Date | null;

  @Field(() => String, { nullable: true })
  resolvedBy!: string | null;

  @Field(() => DateTime, { nullable: true })
  resolvedAt!: Date | null;

  @Field(() => AlertActor, { nullable: true, description: 'The actor as of the first evidence, when the entity or the actor is a user.' })
  actor!: AlertActor | null;
}

@ObjectType()
export class AlertEdge extends Edge(Alert) {}

@ObjectType({ description: 'Alerts, latest evidence first (lastSeen, then id).' })
export class AlertConnection extends Connection(AlertEdge) {}

@ObjectType({ description: 'An evidence activity of an alert: the activity (node) and its actor as of the event.' })
export class AlertEvidenceEdge {
  @Field(() => String, { description: 'An opaque position; pass it as `after` to read what follows this edge.' })
  cursor!: string;

  @Field(() => ID)
  activityId!: string;

  @Field(() => DateTime)
  createdAt!: Date;

  @Field(() => Activity, { nullable: true, description: 'The activity from the warehouse; null when the warehouse does not hold it (yet).' })
  node!: Activity | null;

  @Field(() => User, { nullable: true, description: "The actor's user record in effect at the time of the activity." })
  actor!: User | null;
}

@ObjectType({ description: "An alert's evidence, oldest first (the order in which it happened)." })
export class AlertEvidenceConnection extends Connection(AlertEvidenceEdge) {}
