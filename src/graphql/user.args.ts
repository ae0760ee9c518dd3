// The arguments of the user queries and of User's list fields.
import 'reflect-metadata';
import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageArgs } from './connection.type.js';
import { DateTime } from './scalars.js';

@InputType({ description: 'Every condition given must hold.' })
export class UserFilter {
  @Field(() => String, { nullable: true, description: 'Any email the user has had contains this text (case-insensitive, no wildcards).' })
  emailContains?: string | null;

  @Field(() => String, { nullable: true })
  organizationUuid?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'True: members now. False: users removed from the organization.' })
  current?: boolean | null;
}

@ArgsType()
export class UsersArgs extends PageArgs {
  @Field(() => UserFilter, { nullable: true })
  filter?: UserFilter | null;
}

@ArgsType()
export class UserArgs {
  @Field(() => ID)
  id!: string;

  @Field(() => DateTime, { nullable: true, description: 'The version in effect at this time; default the latest version.' })
  asOf?: Date | null;
}

@ArgsType()
export class MembershipsArgs {
  @Field(() => DateTime, { nullable: true, description: 'Memberships that held at this time; default the current ones.' })
  asOf?: Date | null;

  @Field(() => Int, { defaultValue: DEFAULT_PAGE_SIZE, description: `At most this many, up to ${MAX_PAGE_SIZE}.` })
  first!: number;
}
