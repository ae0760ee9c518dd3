// Detection rules as GraphQL (detections.md §1-§3): a rule's header, its parameters as configured, whether it
// is enabled, how far the engine has evaluated it and how many alerts it raised by status.
import 'reflect-metadata';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { AlertEntityType, AlertLevel } from './alert-enums.js';
import { DateTime, JsonScalar } from './scalars.js';

@ObjectType({ description: 'A parameter of a rule: its declared type and default, and the value in effect.' })
export class RuleParameter {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'integer, double, varchar, interval, boolean or varchar[].' })
  type!: string;

  @Field(() => JsonScalar, { nullable: true, description: 'The default from the rule header.' })
  default!: unknown;

  @Field(() => JsonScalar, { nullable: true, description: 'The value in effect: the configured one, else the default.' })
  value!: unknown;

  @Field(() => Boolean, { description: 'True when the config file sets this parameter.' })
  configured!: boolean;

  @Field(() => String, { nullable: true })
  description!: string | null;
}

@ObjectType({ description: "A rule's alerts by status (retro-hunt alerts included; historical counts those apart)." })
export class AlertCounts {
  @Field(() => Int)
  open!: number;

  @Field(() => Int)
  acknowledged!: number;

  @Field(() => Int)
  resolved!: number;

  @Field(() => Int)
  total!: number;

  @Field(() => Int, { description: 'Alerts found by the retro hunt (the first evaluation over all history).' })
  historical!: number;
}

@ObjectType({ description: 'How far the engine has evaluated a rule (the alert store, detection_rules_state).' })
export class RuleEvaluation {
  @Field(() => Int, { description: 'The last manifest entry whose activities the rule has seen.' })
  evaluatedSeq!: number;

  @Field(() => DateTime, { nullable: true })
  lastEvaluatedAt!: Date | null;

  @Field(() => Float, { nullable: true })
  lastDurationMs!: number | null;

  @Field(() => String, { nullable: true, description: 'Why the last evaluation failed, when it did.' })
  lastError!: string | null;

  @Field(() => Int, { description: 'Alerts the rule has raised in all.' })
  alertsTotal!: number;
}

@ObjectType({ description: 'A detection rule: a SQL file in sql/detections/ with its header (detections.md §1).' })
export class Rule {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  title!: string;

  @Field(() => AlertLevel)
  level!: AlertLevel;

  @Field(() => [String], { description: 'MITRE ATT&CK technique ids.' })
  mitre!: string[];

  @Field(() => AlertEntityType, { nullable: true, description: 'What its alerts are about.' })
  entity!: AlertEntityType | null;

  @Field(() => String, { nullable: true, description: 'event, threshold, sequence or history.' })
  kind!: string | null;

  @Field(() => String, { nullable: true, description: 'The look-back an occurrence needs (e.g. 24h).' })
  window!: string | null;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => Boolean, { description: 'True when the config file enables it (every rule is, unless disabled).' })
  enabled!: boolean;

  @Field(() => Boolean, { description: 'False for a rule that raised alerts but whose file is gone.' })
  known!: boolean;

  @Field(() => [RuleParameter])
  parameters!: RuleParameter[];
}
