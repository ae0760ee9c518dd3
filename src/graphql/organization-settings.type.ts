// A version of an organization's setting as GraphQL (marts.organization_settings) and the connection over them.
import 'reflect-metadata';
import { Field, ObjectType } from 'type-graphql';
import { Connection, Edge } from './connection.type.js';
import { DateTime, JsonScalar } from './scalars.js';

@ObjectType({
  description:
    "One version of a linked organization's setting (marts.organization_settings): the value the settings endpoint listed from validFrom until validTo.",
})
export class OrganizationSetting {
  @Field(() => String)
  organizationUuid!: string;

  @Field(() => String, { description: 'e.g. sso_enabled, data_retention_periods.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'boolean, integer, string, string_list, provisioning_mode or data_retention (or a newer one, as sent).' })
  type!: string | null;

  @Field(() => JsonScalar, { nullable: true, description: 'The value as the API sent it.' })
  value!: unknown;

  @Field(() => JsonScalar, { nullable: true, description: "The previous version's value; null for the first version the lake saw." })
  previousValue!: unknown;

  @Field(() => Boolean, { description: 'False for the first version the lake saw (the setting held it since an unknown time).' })
  hasPrevious!: boolean;

  @Field(() => DateTime)
  validFrom!: Date;

  @Field(() => DateTime, { nullable: true, description: 'Null while current.' })
  validTo!: Date | null;

  @Field(() => String, { description: 'event: the feed event that made the change (exact). snapshot: the first snapshot that showed it.' })
  validFromSource!: string;

  @Field(() => DateTime, { nullable: true, description: 'For a snapshot start: the change happened after this snapshot.' })
  validFromEarliest!: Date | null;

  @Field(() => Boolean)
  isCurrent!: boolean;
}

@ObjectType()
export class OrganizationSettingEdge extends Edge(OrganizationSetting) {}

@ObjectType({ description: 'Setting versions.' })
export class OrganizationSettingConnection extends Connection(OrganizationSettingEdge) {}
