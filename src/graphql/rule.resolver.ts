// Query.rules and the fields of Rule that read the alert store (alert counts, evaluation state).
import 'reflect-metadata';
import { Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { checkList } from './activity.service.js';
import type { GraphqlContext } from './context.js';
import { RulesArgs } from './rule.args.js';
import { alertCountsOf, evaluationOf, listRules } from './rule.service.js';
import { AlertCounts, Rule, RuleEvaluation } from './rule.type.js';

@Resolver(() => Rule)
export class RuleResolver {
  @Query(() => [Rule], { description: 'The detection rules (sql/detections/), with their parameters as configured, by id.' })
  rules(@Args(() => RulesArgs) args: RulesArgs, @Ctx() ctx: GraphqlContext): Promise<Rule[]> {
    if (args.ids) checkList('ids', args.ids);
    return listRules(ctx, args.ids, args.enabled);
  }

  @FieldResolver(() => AlertCounts, { description: 'Its alerts by status.' })
  alertCounts(@Root() rule: Rule, @Ctx() ctx: GraphqlContext): Promise<AlertCounts> {
    return alertCountsOf(ctx, rule.id);
  }

  @FieldResolver(() => RuleEvaluation, { nullable: true, description: 'How far the engine has evaluated it; null before its first evaluation.' })
  evaluation(@Root() rule: Rule, @Ctx() ctx: GraphqlContext): RuleEvaluation | null {
    return evaluationOf(ctx, rule.id);
  }
}
