// The arguments of the group queries and of Group's list fields.
import 'reflect-metadata';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { PageArgs } from './connection.type.js';
import { DateTime } from './scalars.js';

@InputType({ description: 'Every condition given must hold.' })
export class GroupFilter {
  @Field(() => String, { nullable: true, description: 'The name contains this text (case-insensitive, no wildcards).' })
  nameContains?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'True: groups that exist now. False: deleted groups.' })
  current?: boolean | null;
}

@ArgsType()
export class GroupsArgs extends PageArgs {
  @Field(() => GroupFilter, { nullable: true })
  filter?: GroupFilter | null;
}

@ArgsType()
export class GroupArgs {
  @Field(() => ID)
  id!: string;
}

@ArgsType()
export class MembersArgs extends PageArgs {
  @Field(() => DateTime, { nullable: true, description: 'Members at this time; default the current members.' })
  asOf?: Date | null;
}

@ArgsType()
export class MembershipChangesArgs extends PageArgs {
  @Field(() => DateTime, { nullable: true, description: 'Changes at or after this time.' })
  since?: Date | null;

  @Field(() => DateTime, { nullable: true, description: 'Changes before this time.' })
  until?: Date | null;
}
