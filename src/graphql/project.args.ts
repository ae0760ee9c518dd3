// The arguments of the project queries and of Project's list fields.
import 'reflect-metadata';
import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { PageArgs } from './connection.type.js';
import { CreatedFilter } from './created-filter.args.js';

@InputType({ description: 'Every condition given must hold; a list matches any of its values; an empty list matches nothing.' })
export class ProjectFilter extends CreatedFilter {
  @Field(() => Boolean, { nullable: true, description: 'True: only deleted projects. False: only projects that exist.' })
  deleted?: boolean | null;
}

@ArgsType()
export class ProjectsArgs extends PageArgs {
  @Field(() => ProjectFilter, { nullable: true })
  filter?: ProjectFilter | null;
}

@ArgsType()
export class ProjectArgs {
  @Field(() => ID)
  id!: string;
}

@ArgsType()
export class AttachmentsArgs {
  @Field(() => Boolean, { defaultValue: true, description: 'True: only the current attachments. False: every attachment ever listed.' })
  currentOnly!: boolean;

  @Field(() => Int, { defaultValue: 100, description: 'At most this many, oldest first.' })
  first!: number;
}

@ArgsType()
export class CollaboratorsArgs {
  @Field(() => Boolean, { defaultValue: true, description: 'True: only the current grants. False: every grant ever listed.' })
  currentOnly!: boolean;

  @Field(() => Int, { defaultValue: 100, description: 'At most this many, earliest grant first.' })
  first!: number;
}
