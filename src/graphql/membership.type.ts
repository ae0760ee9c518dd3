// Group membership as GraphQL: one membership interval (marts.group_memberships), the members of a group
// with their user record, and the additions and removals of a group.
import 'reflect-metadata';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Connection, Edge } from './connection.type.js';
import { DateTime } from './scalars.js';
import { User } from './user.type.js';

@ObjectType({
  description:
    'One interval in which a user was a member of a group. Each bound says where it comes from: an event in the feed ' +
    '(group_member_added / group_member_removed: exact) or the directory snapshots (created_at, or a disappearance between two snapshots).',
})
export class GroupMembership {
  @Field(() => ID)
  groupId!: string;

  @Field(() => ID)
  userId!: string;

  @Field(() => DateTime, { nullable: true, description: 'Null only when no source bounds the start.' })
  validFrom!: Date | null;

  @Field(() => String, { nullable: true })
  validFromSource!: string | null;

  @Field(() => DateTime, { nullable: true, description: 'Null while the membership holds.' })
  validTo!: Date | null;

  @Field(() => String, { nullable: true })
  validToSource!: string | null;

  @Field(() => DateTime, { nullable: true, description: 'When only snapshots bound the end: it happened after this time ...' })
  validToEarliest!: Date | null;

  @Field(() => DateTime, { nullable: true, description: '... and at or before this time.' })
  validToLatest!: Date | null;

  @Field(() => Boolean, { description: 'True while the membership holds (validTo is null).' })
  isCurrent!: boolean;
}

@ObjectType({ description: 'A member of a group: the user (node) and the membership that holds.' })
export class GroupMemberEdge extends Edge(User) {
  @Field(() => GroupMembership)
  membership!: GroupMembership;
}

@ObjectType({ description: 'Members of a group, by user id.' })
export class GroupMemberConnection extends Connection(GroupMemberEdge) {}

export enum MembershipChangeKind {
  ADDED = 'ADDED',
  REMOVED = 'REMOVED',
}

registerEnumType(MembershipChangeKind, { name: 'MembershipChangeKind' });

@ObjectType({ description: 'A user added to or removed from a group.' })
export class MembershipChange {
  @Field(() => DateTime)
  at!: Date;

  @Field(() => MembershipChangeKind)
  kind!: MembershipChangeKind;

  @Field(() => String, { nullable: true, description: 'Where the time comes from (event or snapshot).' })
  source!: string | null;

  @Field(() => ID)
  userId!: string;

  @Field(() => User, { nullable: true, description: "The user's record as it was at the change (the latest version that began by then)." })
  user!: User | null;

  @Field(() => GroupMembership)
  membership!: GroupMembership;
}

@ObjectType()
export class MembershipChangeEdge extends Edge(MembershipChange) {}

@ObjectType({ description: 'Changes to a group, newest first.' })
export class MembershipChangeConnection extends Connection(MembershipChangeEdge) {}
