// Query.organizationSettings (as of a moment) and Query.organizationSettingsChanges.
import 'reflect-metadata';
import { Args, Ctx, Query, Resolver } from 'type-graphql';
import type { GraphqlContext } from './context.js';
import { checkPage } from './connection.type.js';
import { OrganizationSettingsArgs, OrganizationSettingsChangesArgs } from './organization-settings.args.js';
import { settingChanges, settingsAsOf } from './organization-settings.service.js';
import { OrganizationSetting, OrganizationSettingConnection } from './organization-settings.type.js';

@Resolver(() => OrganizationSetting)
export class OrganizationSettingsResolver {
  @Query(() => OrganizationSettingConnection, {
    description: "Each linked organization's settings in force at asOf (default: now), by organization and name. Settings its admins cannot change are absent.",
  })
  organizationSettings(@Args(() => OrganizationSettingsArgs) args: OrganizationSettingsArgs, @Ctx() ctx: GraphqlContext): Promise<OrganizationSettingConnection> {
    return settingsAsOf(ctx.db, args, checkPage(args));
  }

  @Query(() => OrganizationSettingConnection, {
    description: 'Setting changes in [since, until), newest first: each new version with the value it replaced.',
  })
  organizationSettingsChanges(
    @Args(() => OrganizationSettingsChangesArgs) args: OrganizationSettingsChangesArgs,
    @Ctx() ctx: GraphqlContext,
  ): Promise<OrganizationSettingConnection> {
    return settingChanges(ctx.db, args, checkPage(args));
  }
}
