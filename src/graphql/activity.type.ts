// The activity feed as GraphQL types: one activity (a row of marts.activities), its actor, the
// connection over activities, and the time-bucketed counts for dashboards.
import 'reflect-metadata';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection, Edge } from './connection.type.js';
import { DateTime, JsonScalar } from './scalars.js';

@ObjectType({ description: 'Who performed an activity, as the feed recorded it at the time.' })
export class Actor {
  @Field(() => String, { nullable: true, description: 'user_actor, api_actor, admin_api_key_actor, scim_directory_sync_actor, ... (unknown kinds are kept).' })
  type!: string | null;

  @Field(() => ID, { nullable: true })
  userId!: string | null;

  @Field(() => String, { nullable: true })
  email!: string | null;

  @Field(() => String, { nullable: true })
  ip!: string | null;

  @Field(() => String, { nullable: true })
  userAgent!: string | null;

  @Field(() => ID, { nullable: true })
  apiKeyId!: string | null;
}

@ObjectType({ description: 'One activity of the Compliance API feed (marts.activities).' })
export class Activity {
  @Field(() => ID)
  id!: string;

  @Field(() => DateTime)
  createdAt!: Date;

  @Field(() => String)
  type!: string;

  @Field(() => String, { description: 'admin, authentication, content, api_access, code, integration or other (unknown types).' })
  category!: string;

  @Field(() => String, { nullable: true })
  organizationId!: string | null;

  @Field(() => String, { nullable: true })
  organizationUuid!: string | null;

  @Field(() => Actor)
  actor!: Actor;

  @Field(() => Boolean, { nullable: true, description: "True for compliance_api_accessed events caused by this connector's own requests." })
  isOwnRequest!: boolean | null;

  @Field(() => JsonScalar, { nullable: true, description: 'The type-specific fields of the activity, as the API returned them.' })
  details!: unknown;
}

@ObjectType()
export class ActivityEdge extends Edge(Activity) {}

@ObjectType({ description: 'Activities, newest first (created_at, then id).' })
export class ActivityConnection extends Connection(ActivityEdge) {}

export enum TimeBucket {
  DAY = 'DAY',
  WEEK = 'WEEK',
  MONTH = 'MONTH',
}

registerEnumType(TimeBucket, {
  name: 'TimeBucket',
  description: 'UTC calendar buckets; weeks start on Monday.',
});

@ObjectType({ description: 'How many activities fell into one time bucket.' })
export class ActivityCount {
  @Field(() => DateTime, { description: 'The start of the bucket (UTC).' })
  bucket!: Date;

  @Field(() => Int)
  count!: number;
}
