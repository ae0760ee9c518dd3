// The detection engine's public surface (issue 12; contract: schema/detections.md): rules, their
// configuration, the alert store, evaluation and the alert marts.
export { type Rule, type RuleParam, type RuleKind, type ParamType, type ParamValue, RuleError, RULE_KINDS, PARAM_TYPES, loadRules, parseRule, renderRule, rulesHash, detectionsDir, isoMicros, intervalText } from './rules.js';
export { type DetectionsConfig, destinationFilters, loadDetections, loadRulesChecked, readConfigFile, resolveDetectionsConfig } from './config.js';
export { type StatusAction, changeAlertStatus } from './status.js';
export {
  ALERTS_FILE,
  AlertNotFoundError,
  AlertStatusError,
  AlertStore,
  type AlertFilter,
  type AlertRow,
  type DestinationFilter,
  type EvidenceRow,
  type Occurrence,
  type OutboxRow,
  type RuleStateRow,
  type StatusChangeRow,
  type UpsertResult,
  alertId,
  destinationTakes,
  isoNow,
} from './store.js';
export { DetectionsUnavailableError, type EvaluateOptions, type EvaluationReport, type RuleReport, evaluateDetections, evaluateRule } from './evaluate.js';
export { ALERT_MART_RELATIONS, alertMartObjects, publishAlertMarts } from './marts.js';
export { type AlertStatus, type EntityType, type Level, ALERT_STATUSES, ENTITY_TYPES, LEVELS } from './schema.js';
