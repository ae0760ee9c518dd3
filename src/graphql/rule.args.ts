// The arguments of Query.rules.
import 'reflect-metadata';
import { ArgsType, Field, ID } from 'type-graphql';

@ArgsType()
export class RulesArgs {
  @Field(() => [ID], { nullable: true, description: 'Only these rules.' })
  ids?: string[] | null;

  @Field(() => Boolean, { nullable: true, description: 'True: enabled rules only; false: disabled ones only.' })
  enabled?: boolean | null;
}
