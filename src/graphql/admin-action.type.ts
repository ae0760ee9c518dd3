// The headline question as GraphQL: admin actions (or chosen types) by users recently added to a group;
// each edge carries the activity, the actor's record as of the event and the membership that held.
import 'reflect-metadata';
import { Field, Float, ObjectType } from 'type-graphql';
import { Activity } from './activity.type.js';
import { Connection, Edge } from './connection.type.js';
import { GroupMembership } from './membership.type.js';
import { User } from './user.type.js';

@ObjectType({ description: 'An activity (node) by a member of the group, joined as of the time of the activity.' })
export class RecentGroupMemberActionEdge extends Edge(Activity) {
  @Field(() => User, { nullable: true, description: "The actor's user record in effect at the time of the activity; null when no version covers it." })
  actor!: User | null;

  @Field(() => GroupMembership, { description: 'The membership that held at the time of the activity.' })
  membership!: GroupMembership;

  @Field(() => Float, { description: 'Days from the start of the membership to the activity.' })
  daysSinceAdded!: number;
}

@ObjectType({ description: 'Activities by recently added group members, newest first.' })
export class RecentGroupMemberActionConnection extends Connection(RecentGroupMemberActionEdge) {}
