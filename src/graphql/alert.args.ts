// The arguments of the alert queries and mutations: the alert filter, paging, and a status change.
import 'reflect-metadata';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { AlertLevel, AlertStatus } from './alert-enums.js';
import { PageArgs } from './connection.type.js';
import { DateTime } from './scalars.js';

@InputType({ description: 'Every condition given must hold; a list matches any of its values; an empty list matches nothing.' })
export class AlertFilter {
  @Field(() => DateTime, { nullable: true, description: 'Alerts with evidence at or after this time (lastSeen >= since).' })
  since?: Date | null;

  @Field(() => DateTime, { nullable: true, description: 'Alerts with evidence before this time (firstSeen < until).' })
  until?: Date | null;

  @Field(() => [ID], { nullable: true })
  ruleIds?: string[] | null;

  @Field(() => [AlertLevel], { nullable: true })
  levels?: AlertLevel[] | null;

  @Field(() => [AlertStatus], { nullable: true, description: 'One status or a list (status: OPEN works too).' })
  status?: AlertStatus[] | null;

  @Field(() => ID, { nullable: true, description: 'Alerts about this user, or whose actor was this user.' })
  userId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Alerts about this group, or whose actor was a member of it at the first evidence.' })
  groupId?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'True: only retro-hunt alerts; false: only alerts raised as data arrived.' })
  historical?: boolean | null;
}

@ArgsType()
export class AlertsArgs extends PageArgs {
  @Field(() => AlertFilter, { nullable: true })
  filter?: AlertFilter | null;
}

@ArgsType()
export class AlertArgs {
  @Field(() => ID)
  id!: string;
}

@ArgsType()
export class AlertStatusChangeArgs {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'Who does it (a name or email): recorded as "write-token:<by>".' })
  by!: string;

  @Field(() => String, { nullable: true, description: 'Why, for the record.' })
  note?: string | null;
}
