// The conditions every content filter starts with: when the record was created and by whom. ChatFilter and
// ProjectFilter extend it (type-graphql puts a superclass's fields first, so each filter's SDL is unchanged);
// it is never an argument itself, so the schema has no input of this name.
import 'reflect-metadata';
import { Field, ID, InputType } from 'type-graphql';
import { DateTime } from './scalars.js';

@InputType()
export class CreatedFilter {
  @Field(() => DateTime, { nullable: true, description: 'Created at or after this time.' })
  since?: Date | null;

  @Field(() => DateTime, { nullable: true, description: 'Created before this time.' })
  until?: Date | null;

  @Field(() => [ID], { nullable: true, description: 'Created by one of these users.' })
  userIds?: string[] | null;
}
