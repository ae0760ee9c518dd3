// A chat as GraphQL (marts.chats: metadata only, no messages) and the connection over chats.
import 'reflect-metadata';
import { Field, ID, ObjectType } from 'type-graphql';
import { Connection, Edge } from './connection.type.js';
import { DateTime } from './scalars.js';
import { User } from './user.type.js';

@ObjectType({ description: 'A claude.ai chat (marts.chats), with its latest known state; deleted chats are kept with deletedAt.' })
export class Chat {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'For a deleted chat (the API empties its name), the last name the lake saw.' })
  name!: string | null;

  @Field(() => String, { nullable: true })
  model!: string | null;

  @Field(() => String, { nullable: true })
  organizationUuid!: string | null;

  @Field(() => ID, { nullable: true })
  projectId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The creator.' })
  userId!: string | null;

  @Field(() => String, { nullable: true, description: "The creator's email as the chat record carries it." })
  userEmail!: string | null;

  @Field(() => DateTime)
  createdAt!: Date;

  @Field(() => DateTime, { nullable: true })
  updatedAt!: Date | null;

  @Field(() => DateTime, { nullable: true, description: 'When the user deleted the chat; null while it exists.' })
  deletedAt!: Date | null;

  @Field(() => User, { nullable: true, description: "The creator's record as of the chat's creation (null: no version of the user held then)." })
  creator!: User | null;
}

@ObjectType()
export class ChatEdge extends Edge(Chat) {}

@ObjectType({ description: 'Chats, newest first.' })
export class ChatConnection extends Connection(ChatEdge) {}
