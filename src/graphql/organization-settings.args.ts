// The arguments of organizationSettings (the settings as of a moment) and organizationSettingsChanges.
import 'reflect-metadata';
import { ArgsType, Field } from 'type-graphql';
import { PageArgs } from './connection.type.js';
import { DateTime } from './scalars.js';

@ArgsType()
export class OrganizationSettingsArgs extends PageArgs {
  @Field(() => DateTime, { nullable: true, description: 'The settings in force at this time; default the current ones.' })
  asOf?: Date | null;

  @Field(() => [String], { nullable: true, description: 'Only these organizations (UUIDs).' })
  organizationUuids?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Only these settings, by name.' })
  names?: string[] | null;
}

@ArgsType()
export class OrganizationSettingsChangesArgs extends PageArgs {
  @Field(() => DateTime, { nullable: true, description: 'Changes at or after this time.' })
  since?: Date | null;

  @Field(() => DateTime, { nullable: true, description: 'Changes before this time.' })
  until?: Date | null;

  @Field(() => [String], { nullable: true, description: 'Only these organizations (UUIDs).' })
  organizationUuids?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Only these settings, by name.' })
  names?: string[] | null;
}
