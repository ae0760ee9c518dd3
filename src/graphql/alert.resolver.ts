// Query.alerts and Query.alert, the list fields of Alert (rule, evidence activities, status changes), and the
// two mutations, which need the write token: the check comes first, before the arguments are even read.
import 'reflect-metadata';
import { Args, Ctx, Extensions, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { AlertStatus } from './alert-enums.js';
import { AlertArgs, AlertsArgs, AlertStatusChangeArgs } from './alert.args.js';
import { alertEvidencePage, changeStatus, getAlert, listAlerts, statusChangesOf } from './alert.service.js';
import { Alert, AlertConnection, AlertEvidenceConnection, AlertStatusChange } from './alert.type.js';
import { PageArgs, checkPage } from './connection.type.js';
import type { GraphqlContext } from './context.js';
import { forbiddenError } from './errors.js';
import { ruleOfAlert } from './rule.service.js';
import { Rule } from './rule.type.js';
import { WRITE_TOKEN_ENV } from './server.js';

@Resolver(() => Alert)
export class AlertResolver {
  @Query(() => AlertConnection, { description: 'Alerts matching the filter, latest evidence first.' })
  alerts(@Args(() => AlertsArgs) args: AlertsArgs, @Ctx() ctx: GraphqlContext): AlertConnection {
    return listAlerts(ctx.alerts, args.filter, checkPage(args));
  }

  @Query(() => Alert, { nullable: true, description: 'One alert by id.' })
  alert(@Args(() => AlertArgs) args: AlertArgs, @Ctx() ctx: GraphqlContext): Alert | null {
    return getAlert(ctx.alerts, args.id);
  }

  @FieldResolver(() => Rule, { description: 'The rule that raised it, with its settings as configured now.' })
  rule(@Root() alert: Alert, @Ctx() ctx: GraphqlContext): Promise<Rule> {
    return ruleOfAlert(ctx, alert);
  }

  @FieldResolver(() => AlertEvidenceConnection, { description: 'The evidence activities, oldest first, each with its actor as of the event.' })
  activities(@Root() alert: Alert, @Args(() => PageArgs) args: PageArgs, @Ctx() ctx: GraphqlContext): Promise<AlertEvidenceConnection> {
    return alertEvidencePage(ctx.alerts, ctx.db, alert.id, checkPage(args));
  }

  @Extensions({ listSize: 10 })
  @FieldResolver(() => [AlertStatusChange], { description: 'Who acknowledged or resolved it, and when, oldest first.' })
  statusChanges(@Root() alert: Alert, @Ctx() ctx: GraphqlContext): AlertStatusChange[] {
    return statusChangesOf(ctx.alerts, alert.id);
  }

  @Mutation(() => Alert, { description: 'Marks an open alert acknowledged (someone is on it). Needs the write token; repeating it changes nothing.' })
  acknowledgeAlert(@Args(() => AlertStatusChangeArgs) args: AlertStatusChangeArgs, @Ctx() ctx: GraphqlContext): Promise<Alert> {
    return change(ctx, 'acknowledgeAlert', args, AlertStatus.ACKNOWLEDGED);
  }

  @Mutation(() => Alert, { description: 'Marks an open or acknowledged alert resolved. Needs the write token; repeating it changes nothing.' })
  resolveAlert(@Args(() => AlertStatusChangeArgs) args: AlertStatusChangeArgs, @Ctx() ctx: GraphqlContext): Promise<Alert> {
    return change(ctx, 'resolveAlert', args, AlertStatus.RESOLVED);
  }

  @Mutation(() => Alert, { description: 'Opens an acknowledged or resolved alert again. Needs the write token; repeating it changes nothing.' })
  reopenAlert(@Args(() => AlertStatusChangeArgs) args: AlertStatusChangeArgs, @Ctx() ctx: GraphqlContext): Promise<Alert> {
    return change(ctx, 'reopenAlert', args, AlertStatus.OPEN);
  }
}

async function change(ctx: GraphqlContext, mutation: string, args: AlertStatusChangeArgs, to: AlertStatus): Promise<Alert> {
  if (!ctx.auth.writeConfigured) {
    throw forbiddenError(`${mutation} is disabled: this server has no write token. Start it with ${WRITE_TOKEN_ENV} or --write-token-file set, then send that token`);
  }
  if (!ctx.auth.write) {
    throw forbiddenError(`${mutation} needs the write token: send "Authorization: Bearer <write token>", or sign in to the console with it (the read token cannot change anything)`);
  }
  return changeStatus(ctx.alerts, ctx.dataDir, { id: args.id, to, by: args.by, note: args.note }, ctx.logger);
}

