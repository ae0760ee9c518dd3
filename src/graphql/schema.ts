// The GraphQL schema, built code-first from the resolvers (type-graphql).
import 'reflect-metadata';
import type { GraphQLSchema } from './graphql-js.js';
import { buildSchemaSync } from 'type-graphql';
import { ActivityResolver } from './activity.resolver.js';
import { ActivityTypeResolver } from './activity-type.resolver.js';
import { AlertActorResolver } from './alert-actor.js';
import { AlertResolver } from './alert.resolver.js';
import { AdminActionResolver } from './admin-action.resolver.js';
import { SyncStatusDetectionsResolver } from './detection-status.resolver.js';
import { ChatResolver, GroupContentResolver, UserChatsResolver } from './chat.resolver.js';
import { GroupResolver } from './group.resolver.js';
import { MembershipResolver } from './membership.resolver.js';
import { OverviewResolver } from './overview.resolver.js';
import { UserHistoryResolver } from './user-history.resolver.js';
import { ActivityLookupResolver } from './activity-lookup.resolver.js';
import { OrganizationSettingsResolver } from './organization-settings.resolver.js';
import { ProjectResolver } from './project.resolver.js';
import { RoleResolver, UserRolesResolver } from './role.resolver.js';
import { RuleResolver } from './rule.resolver.js';
import { SyncStatusResolver } from './sync-status.resolver.js';
import { UserResolver } from './user.resolver.js';
import { ViewerResolver } from './viewer.resolver.js';

export function buildGraphqlSchema(): GraphQLSchema {
  return buildSchemaSync({
    resolvers: [ActivityResolver, AdminActionResolver, UserResolver, GroupResolver, MembershipResolver, RoleResolver, UserRolesResolver, ActivityTypeResolver, SyncStatusResolver,
      ChatResolver, UserChatsResolver, GroupContentResolver, ProjectResolver, OrganizationSettingsResolver,
      AlertResolver, AlertActorResolver, RuleResolver, SyncStatusDetectionsResolver, ViewerResolver, OverviewResolver, UserHistoryResolver, ActivityLookupResolver],
    // Arguments are checked by the services (type-graphql's class-validator integration is not used).
    validate: false,
  });
}
