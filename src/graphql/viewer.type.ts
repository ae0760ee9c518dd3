// What the current credentials allow (console.md §2): the console asks once to show or hide sign-in and writes.
import 'reflect-metadata';
import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'What the credentials of this request allow.' })
export class Viewer {
  @Field(() => Boolean, { description: 'True when a token or a console session was checked; false when the server runs without a token.' })
  authenticated!: boolean;

  @Field(() => Boolean, { description: 'True when these credentials may run the mutations (the write token, or a console session signed in with it).' })
  writable!: boolean;
}
