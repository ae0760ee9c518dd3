// The `detections` block of the config file (detections.md §2), checked against the loaded rules before
// anything runs: an unknown rule id or parameter, or a value of the wrong type, is a ConfigError naming it.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, DEFAULTS } from '../cli/config.js';
import { LEVELS, type Level } from './schema.js';
import type { DestinationFilter } from './store.js';
import { type ParamValue, type Rule, RuleError, checkParamValue, effectiveParams, loadRules } from './rules.js';

export interface DetectionsConfig {
  /** Rule ids that are evaluated, in id order. */
  enabled: string[];
  /** Configured parameter values (defaults filled in) per enabled rule. */
  params: Record<string, Record<string, ParamValue>>;
  /** Deliver the alerts a retro hunt finds (detections.md §3). */
  deliverHistorical: boolean;
}

const KEYS = ['enabled', 'disabled', 'rules', 'deliverHistorical'];

/** The raw config file as JSON (or {} when there is none), for the blocks other modules validate. */
export function readConfigFile(options: { dataDir?: string; config?: string } = {}): Record<string, unknown> {
  const path = options.config ?? join(resolve(options.dataDir ?? DEFAULTS.dataDir), 'compliance-lake.config.json');
  if (options.config === undefined && !existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`config file ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : `not valid JSON (${(err as Error).message})`}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`config file ${path}: must be a JSON object`);
  return parsed as Record<string, unknown>;
}

/** Validates `detections` (the block's value, undefined when absent) against `rules`. */
export function resolveDetectionsConfig(block: unknown, rules: readonly Rule[]): DetectionsConfig {
  const at = (path: string) => `config file: detections.${path}`;
  if (block !== undefined && (block === null || typeof block !== 'object' || Array.isArray(block))) {
    throw new ConfigError('config file: "detections" must be an object with enabled, disabled, rules, deliverHistorical');
  }
  const b = (block ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!KEYS.includes(key)) throw new ConfigError(`${at(key)}: unknown setting; known: ${KEYS.join(', ')}`);
  }
  const known = new Map(rules.map((r) => [r.id, r]));
  const ids = (key: 'enabled' | 'disabled', fallback: string[]): string[] => {
    const value = b[key];
    if (value === undefined) return fallback;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new ConfigError(`${at(key)}: must be an array of rule ids (or "*")`);
    for (const id of value) {
      if (id !== '*' && !known.has(id)) throw new ConfigError(`${at(key)}: unknown rule "${id}"; run \`compliance-lake detections list\` for the rule ids`);
    }
    return value.includes('*') ? [...known.keys()] : (value as string[]);
  };
  const disabled = new Set(ids('disabled', []));
  const enabled = ids('enabled', [...known.keys()]).filter((id) => !disabled.has(id));
  const rulesBlock = b.rules;
  if (rulesBlock !== undefined && (rulesBlock === null || typeof rulesBlock !== 'object' || Array.isArray(rulesBlock))) {
    throw new ConfigError(`${at('rules')}: must be an object of rule id -> { parameter: value }`);
  }
  const configured: Record<string, Record<string, ParamValue>> = {};
  for (const [id, values] of Object.entries((rulesBlock ?? {}) as Record<string, unknown>)) {
    const rule = known.get(id);
    if (!rule) throw new ConfigError(`${at(`rules.${id}`)}: unknown rule "${id}"; run \`compliance-lake detections list\` for the rule ids`);
    if (!values || typeof values !== 'object' || Array.isArray(values)) throw new ConfigError(`${at(`rules.${id}`)}: must be an object of parameter -> value`);
    configured[id] = {};
    for (const [name, value] of Object.entries(values as Record<string, unknown>)) {
      const param = rule.params.find((p) => p.name === name);
      if (!param) {
        const names = rule.params.map((p) => p.name).join(', ') || 'none';
        throw new ConfigError(`${at(`rules.${id}.${name}`)}: rule ${id} has no parameter "${name}"; its parameters: ${names}`);
      }
      const checked = checkParamValue(param, value);
      if ('error' in checked) throw new ConfigError(`${at(`rules.${id}.${name}`)}: ${param.type} parameter ${checked.error}`);
      configured[id][name] = checked.value;
    }
  }
  const deliverHistorical = b.deliverHistorical ?? false;
  if (typeof deliverHistorical !== 'boolean') throw new ConfigError(`${at('deliverHistorical')}: must be true or false`);
  const sortedEnabled = [...new Set(enabled)].sort();
  return {
    enabled: sortedEnabled,
    params: Object.fromEntries(sortedEnabled.map((id) => [id, effectiveParams(known.get(id)!, configured[id])])),
    deliverHistorical,
  };
}

/** The rules of sql/detections; a bad rule file is a ConfigError (exit 2) naming the file and line. */
export function loadRulesChecked(): Rule[] {
  try {
    return loadRules();
  } catch (err) {
    if (err instanceof RuleError) throw new ConfigError(err.message);
    throw err;
  }
}

/** The rules and the validated `detections` block; a bad rule file or setting is a ConfigError (exit 2). */
export function loadDetections(flags: { dataDir: string; config?: string }): { rules: Rule[]; config: DetectionsConfig; file: Record<string, unknown> } {
  const rules = loadRulesChecked();
  const file = readConfigFile({ dataDir: flags.dataDir, config: flags.config });
  return { rules, config: resolveDetectionsConfig(file.detections, rules), file };
}

/**
 * The destinations' level thresholds and rule filters (detections.md §5), which decide the outbox rows. Only
 * these three keys are read here; src/delivery validates the whole block.
 */
export function destinationFilters(raw: unknown, rules: readonly Rule[]): DestinationFilter[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new ConfigError('config file: "destinations" must be an array');
  const ids = new Set(rules.map((r) => r.id));
  return raw.map((d: Record<string, unknown>, i) => {
    const at = `config file: destinations[${i}]`;
    if (!d || typeof d !== 'object' || typeof d.name !== 'string' || !d.name) throw new ConfigError(`${at}: needs a "name"`);
    const minLevel = d.minLevel ?? 'info';
    if (!(LEVELS as readonly unknown[]).includes(minLevel)) throw new ConfigError(`${at}.minLevel: must be one of ${LEVELS.join(', ')}`);
    const filter = d.rules ?? ['*'];
    if (!Array.isArray(filter) || !filter.every((r) => typeof r === 'string')) throw new ConfigError(`${at}.rules: must be an array of rule ids or "*"`);
    for (const r of filter) if (r !== '*' && !ids.has(r)) throw new ConfigError(`${at}.rules: unknown rule "${r}"`);
    return { name: d.name, minLevel: minLevel as Level, rules: filter as string[] };
  });
}

