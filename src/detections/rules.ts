// The detection rules: sql/detections/<id>.sql, a header of `-- key: value` lines and one SELECT
// (detections.md §1). Loading validates every header and default; rendering turns each `{{name}}` into the
// SQL literal of its configured value, typed by the parameter's declared type, never spliced as text.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { packageRoot } from '../models/catalog.js';
import { sqlString } from '../lake/duck.js';
import { ENTITY_TYPES, type EntityType, LEVELS, type Level } from './schema.js';

export const RULE_KINDS = ['event', 'threshold', 'sequence', 'history'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];
export const PARAM_TYPES = ['integer', 'double', 'varchar', 'interval', 'boolean', 'varchar[]'] as const;
export type ParamType = (typeof PARAM_TYPES)[number];
/** A parameter's value as JSON holds it (an interval is DuckDB interval text, e.g. "30 minutes"). */
export type ParamValue = number | string | boolean | string[];

export interface RuleParam {
  name: string;
  type: ParamType;
  default: ParamValue;
  description: string;
}

export interface Rule {
  id: string;
  title: string;
  level: Level;
  mitre: string[];
  entity: EntityType;
  kind: RuleKind;
  /** The look-back an occurrence needs: a fixed duration, or the value of an interval parameter. */
  window: { ms: number } | { param: string };
  /**
   * How far before `eval_start` the rule reads activities (`lookback:`; default: the window), as a multiple of
   * a duration or an interval parameter (detections.md §1).
   */
  lookback: { factor: number; of: { ms: number } | { param: string } } | null;
  /**
   * The activities the rule reads (`types:`, `categories:`; detections.md §1): every reference to
   * marts.activities is filtered on these, so the engine may give it only those rows. Null: not declared
   * (the rule reads the view itself). A type is a literal or a varchar[] parameter's values.
   */
  reads: { types: ({ type: string } | { param: string })[]; categories: string[] } | null;
  description: string;
  params: RuleParam[];
  /** The body after the header. */
  sql: string;
  path: string;
  /** sql/detections/tests/<id>.json, when there is one. */
  testsPath: string | null;
}

/** A rule file that cannot be used; the message names the file and line. */
export class RuleError extends Error {
  override name = 'RuleError';
}

const ID = /^[a-z][a-z0-9_]*$/;
const HEADER_LINE = /^--\s*([a-z_]+):\s?(.*)$/;
const HEADER_KEYS = new Set(['id', 'title', 'level', 'mitre', 'entity', 'kind', 'window', 'lookback', 'types', 'categories', 'description', 'param']);
/** Header keys whose lines add up (a long list may take several lines). */
const LIST_KEYS = new Set(['description', 'types', 'categories']);
const MITRE = /^T\d{4}(\.\d{3})?$/;
const PLACEHOLDER = /\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/g;
/** `{{all_activities}}`: marts.activities of every type, even in a rule with a `types:` header (detections.md §1). */
export const BUILTIN_PLACEHOLDERS = ['eval_start', 'eval_end', 'all_activities'] as const;
const INTERVAL_UNITS = 'microseconds?|milliseconds?|seconds?|minutes?|hours?|days?|weeks?|months?|years?';
const INTERVAL_TEXT = new RegExp(`^\\d+(\\.\\d+)?\\s*(${INTERVAL_UNITS})(\\s+\\d+(\\.\\d+)?\\s*(${INTERVAL_UNITS}))*$`, 'i');
const SHORT_DURATION = /^(\d+)(ms|s|m|h|d|w)$/;
const SHORT_UNITS: Record<string, [number, string]> = {
  ms: [1, 'milliseconds'],
  s: [1000, 'seconds'],
  m: [60_000, 'minutes'],
  h: [3_600_000, 'hours'],
  d: [86_400_000, 'days'],
  w: [604_800_000, 'weeks'],
};
const UNIT_MS: Record<string, number> = {
  microsecond: 0.001,
  millisecond: 1,
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
  month: 31 * 86_400_000,
  year: 366 * 86_400_000,
};

export function detectionsDir(sqlDir = join(packageRoot(), 'sql')): string {
  return join(sqlDir, 'detections');
}

/** Every rule of `dir` (default sql/detections of this package), sorted by id. */
export function loadRules(dir = detectionsDir()): Rule[] {
  if (!existsSync(dir)) throw new RuleError(`no rules directory ${dir}`);
  const rules = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => parseRule(join(dir, f), readFileSync(join(dir, f), 'utf8')));
  return rules;
}

function shown(path: string): string {
  return relative(process.cwd(), path) || path;
}

/** Parses one rule file; every problem is a RuleError naming `path:line`. */
export function parseRule(path: string, text: string): Rule {
  const lines = text.split('\n');
  const fail = (line: number, message: string): never => {
    throw new RuleError(`${shown(path)}:${line}: ${message}`);
  };
  const fields = new Map<string, { value: string; line: number }>();
  const description: string[] = [];
  const lists = new Map<string, { value: string; line: number }[]>();
  const params: RuleParam[] = [];
  let bodyStart = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    if (!line.startsWith('--')) {
      bodyStart = i;
      break;
    }
    const m = HEADER_LINE.exec(line);
    if (!m) continue; // a free comment
    const [, key, raw] = m;
    const value = raw.trim();
    if (!HEADER_KEYS.has(key)) fail(i + 1, `unknown header key "${key}"; known: ${[...HEADER_KEYS].join(', ')}`);
    if (key === 'description') description.push(value);
    else if (LIST_KEYS.has(key)) lists.set(key, [...(lists.get(key) ?? []), { value, line: i + 1 }]);
    else if (key === 'param') params.push(parseParam(value, (msg) => fail(i + 1, msg)));
    else if (fields.has(key)) fail(i + 1, `"${key}" is given twice (first on line ${fields.get(key)!.line})`);
    else fields.set(key, { value, line: i + 1 });
  }
  const need = (key: string): { value: string; line: number } => fields.get(key) ?? fail(1, `the header has no "${key}:" line`);
  const id = need('id');
  if (!ID.test(id.value)) fail(id.line, `id "${id.value}" must match [a-z][a-z0-9_]*`);
  const fileId = path.split('/').pop()!.replace(/\.sql$/, '');
  if (fileId !== id.value) fail(id.line, `id "${id.value}" differs from the file name "${fileId}.sql"`);
  const title = need('title');
  if (!title.value) fail(title.line, 'the title is empty');
  const level = need('level');
  if (!(LEVELS as readonly string[]).includes(level.value)) fail(level.line, `level "${level.value}" is not one of ${LEVELS.join(', ')}`);
  const entity = need('entity');
  if (!(ENTITY_TYPES as readonly string[]).includes(entity.value)) fail(entity.line, `entity "${entity.value}" is not one of ${ENTITY_TYPES.join(', ')}`);
  const kind = need('kind');
  if (!(RULE_KINDS as readonly string[]).includes(kind.value)) fail(kind.line, `kind "${kind.value}" is not one of ${RULE_KINDS.join(', ')}`);
  const mitreLine = fields.get('mitre');
  const mitre = (mitreLine?.value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const t of mitre) if (!MITRE.test(t)) fail(mitreLine!.line, `"${t}" is not an ATT&CK technique id (T1234 or T1234.001)`);
  const seen = new Set<string>();
  for (const p of params) {
    if (seen.has(p.name)) fail(1, `parameter "${p.name}" is declared twice`);
    if ((BUILTIN_PLACEHOLDERS as readonly string[]).includes(p.name)) fail(1, `parameter "${p.name}" is reserved`);
    seen.add(p.name);
  }
  const windowField = need('window');
  const window = parseWindow(windowField.value, params, (msg) => fail(windowField.line, msg));
  const lookbackField = fields.get('lookback');
  const lookback = lookbackField ? parseLookback(lookbackField.value, params, (msg) => fail(lookbackField.line, msg)) : null;
  const reads = parseReads(lists.get('types') ?? [], lists.get('categories') ?? [], params, fail);
  if (description.length === 0) fail(1, 'the header has no "description:" line');
  const sql = lines.slice(bodyStart).join('\n').trim();
  if (!sql) fail(lines.length, 'the rule has no SQL after its header');
  for (const [, name] of sql.matchAll(PLACEHOLDER)) {
    if (!seen.has(name) && !(BUILTIN_PLACEHOLDERS as readonly string[]).includes(name)) {
      const line = lines.findIndex((l, i) => i >= bodyStart && l.includes(`{{`) && new RegExp(`\\{\\{\\s*${name}\\s*\\}\\}`).test(l));
      fail(line + 1, `{{${name}}} is not a declared parameter (declared: ${[...seen].join(', ') || 'none'}; always defined: eval_start, eval_end)`);
    }
  }
  const testsPath = join(path, '..', 'tests', `${id.value}.json`);
  return {
    id: id.value,
    title: title.value,
    level: level.value as Level,
    mitre,
    entity: entity.value as EntityType,
    kind: kind.value as RuleKind,
    window,
    lookback,
    reads,
    description: description.join(' '),
    params,
    sql: sql.replace(/;\s*$/, ''),
    path,
    testsPath: existsSync(testsPath) ? testsPath : null,
  };
}

function parseParam(text: string, fail: (msg: string) => never): RuleParam {
  const dash = text.indexOf(' -- ');
  const spec = (dash < 0 ? text : text.slice(0, dash)).trim();
  const description = dash < 0 ? '' : text.slice(dash + 4).trim();
  const m = /^([a-z_][a-z0-9_]*)\s+(\S+)\s+(.+)$/.exec(spec);
  if (!m) fail(`param must be "<name> <type> <default> -- <text>"; got "${text}"`);
  const [, name, type, literal] = m!;
  if (!(PARAM_TYPES as readonly string[]).includes(type)) fail(`param ${name}: type "${type}" is not one of ${PARAM_TYPES.join(', ')}`);
  const value = parseLiteral(type as ParamType, literal.trim());
  if (value === undefined) fail(`param ${name}: default ${literal.trim()} is not a ${type} literal`);
  return { name, type: type as ParamType, default: value!, description };
}

/** A default as written in a header (a DuckDB literal) to its JSON value; undefined when it is not one. */
function parseLiteral(type: ParamType, literal: string): ParamValue | undefined {
  switch (type) {
    case 'integer':
      return /^-?\d+$/.test(literal) ? Number(literal) : undefined;
    case 'double':
      return /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(literal) ? Number(literal) : undefined;
    case 'boolean':
      return literal === 'true' ? true : literal === 'false' ? false : undefined;
    case 'varchar':
      return stringLiteral(literal);
    case 'interval': {
      const text = stringLiteral(literal.replace(/^interval\s+/i, ''));
      return text !== undefined && intervalText(text) !== null ? intervalText(text)! : undefined;
    }
    case 'varchar[]': {
      const m = /^\[(.*)\]$/.exec(literal);
      if (!m) return undefined;
      const items = m[1].trim() === '' ? [] : splitList(m[1]);
      const values = items.map((i) => stringLiteral(i.trim()));
      return values.every((v) => v !== undefined) ? (values as string[]) : undefined;
    }
  }
}

function stringLiteral(text: string): string | undefined {
  const m = /^'((?:[^']|'')*)'$/.exec(text);
  return m ? m[1].replaceAll("''", "'") : undefined;
}

/** Splits `'a','b,c'` on the commas outside quotes. */
function splitList(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === "'") quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out;
}

/** Interval text DuckDB reads ("30 minutes", "1 day 2 hours"), from that or a short form ("30m", "24h", "7d"); null if neither. */
export function intervalText(text: string): string | null {
  const t = text.trim();
  const short = SHORT_DURATION.exec(t);
  if (short) return `${short[1]} ${SHORT_UNITS[short[2]][1]}`;
  return INTERVAL_TEXT.test(t) ? t.toLowerCase() : null;
}

/** The length of interval text in ms (months as 31 days and years as 366: a look-back errs long). */
export function intervalMs(text: string): number {
  let ms = 0;
  for (const [, n, unit] of text.matchAll(new RegExp(`(\\d+(?:\\.\\d+)?)\\s*(${INTERVAL_UNITS})`, 'gi'))) {
    ms += Number(n) * UNIT_MS[unit.toLowerCase().replace(/s$/, '')];
  }
  return ms;
}

function parseWindow(text: string, params: RuleParam[], fail: (msg: string) => never): Rule['window'] {
  const ref = /^\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}$/.exec(text);
  if (ref) {
    const p = params.find((x) => x.name === ref[1]);
    if (!p || p.type !== 'interval') fail(`window {{${ref[1]}}} must name an interval parameter`);
    return { param: ref[1] };
  }
  const interval = intervalText(text);
  if (interval === null) fail(`window "${text}" is not a duration (0h, 10m, 24h, 7d, "30 minutes") or {{an_interval_param}}`);
  return { ms: intervalMs(interval!) };
}

const LOOKBACK = /^(?:(\d+)\s*\*\s*)?(.+)$/;

/** `lookback:` a window as `window:` takes it, optionally times a whole number: `2 * {{within}}`, `48h`. */
function parseLookback(text: string, params: RuleParam[], fail: (msg: string) => never): Rule['lookback'] {
  const m = LOOKBACK.exec(text.trim());
  const factor = m?.[1] === undefined ? 1 : Number(m[1]);
  if (!m || factor < 1) fail(`lookback "${text}" must be a window (24h, {{an_interval_param}}) or <n> * a window`);
  return { factor, of: parseWindow(m![2].trim(), params, fail) };
}

const TYPE_NAME = /^[a-z][a-z0-9_]*$/;

/** `types:` and `categories:` lines: comma-separated quoted names (`'org_sso_toggled'`) or `{{a_varchar_list_param}}` (types). */
function parseReads(
  types: { value: string; line: number }[],
  categories: { value: string; line: number }[],
  params: RuleParam[],
  fail: (line: number, msg: string) => never,
): Rule['reads'] {
  if (types.length === 0 && categories.length === 0) return null;
  const items = (lines: { value: string; line: number }[]) =>
    lines.flatMap(({ value, line }) => value.split(',').map((t) => ({ text: t.trim(), line })).filter((t) => t.text !== ''));
  const reads: NonNullable<Rule['reads']> = { types: [], categories: [] };
  for (const { text, line } of items(types)) {
    const ref = /^\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}$/.exec(text);
    if (ref) {
      const p = params.find((x) => x.name === ref[1]);
      if (!p || p.type !== 'varchar[]') fail(line, `types: {{${ref[1]}}} must name a varchar[] parameter`);
      reads.types.push({ param: ref[1] });
      continue;
    }
    const name = stringLiteral(text);
    if (name === undefined || !TYPE_NAME.test(name)) fail(line, `types: "${text}" must be a quoted activity type ('org_sso_toggled') or {{a_varchar_list_param}}`);
    reads.types.push({ type: name! });
  }
  for (const { text, line } of items(categories)) {
    const name = stringLiteral(text);
    if (name === undefined || !TYPE_NAME.test(name)) fail(line, `categories: "${text}" must be a quoted category ('admin')`);
    reads.categories.push(name!);
  }
  return reads;
}

/** The activity types and categories a rule with a `types:` / `categories:` header reads, with these parameters; null: not declared. */
export function readSelection(rule: Rule, params: Record<string, ParamValue>): { types: string[]; categories: string[] } | null {
  if (rule.reads === null) return null;
  const types = rule.reads.types.flatMap((t) => ('type' in t ? [t.type] : ((params[t.param] as string[] | undefined) ?? [])));
  return { types: [...new Set(types)].sort(), categories: [...new Set(rule.reads.categories)].sort() };
}

/** How far before `eval_start` the rule reads activities, in ms (its `lookback:`, else its window). */
export function lookbackMs(rule: Rule, params: Record<string, ParamValue>): number {
  if (rule.lookback === null) return windowMs(rule, params);
  const of = rule.lookback.of;
  return rule.lookback.factor * ('ms' in of ? of.ms : intervalMs(String(params[of.param])));
}

/** A value for a parameter from JSON (the config file): the value, or an error text saying what was expected. */
export function checkParamValue(param: RuleParam, value: unknown): { value: ParamValue } | { error: string } {
  const bad = (what: string) => ({ error: `must be ${what}; got ${JSON.stringify(value)}` });
  switch (param.type) {
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value) ? { value } : bad('an integer');
    case 'double':
      return typeof value === 'number' && Number.isFinite(value) ? { value } : bad('a number');
    case 'boolean':
      return typeof value === 'boolean' ? { value } : bad('true or false');
    case 'varchar':
      return typeof value === 'string' ? { value } : bad('a string');
    case 'varchar[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? { value: value as string[] } : bad('an array of strings');
    case 'interval': {
      const text = typeof value === 'string' ? intervalText(value) : null;
      return text !== null ? { value: text } : bad('a duration such as "30 minutes", "24 hours", "30m" or "7d"');
    }
  }
}

/** The SQL literal of a parameter's value, typed by its declared type. */
export function sqlLiteral(type: ParamType, value: ParamValue): string {
  switch (type) {
    case 'integer':
      return `${Math.trunc(value as number)}::BIGINT`;
    case 'double':
      return `${Number(value)}::DOUBLE`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'varchar':
      return `${sqlString(String(value))}::VARCHAR`;
    case 'interval':
      return `INTERVAL ${sqlString(intervalText(String(value)) ?? '0 seconds')}`;
    case 'varchar[]':
      return `[${(value as string[]).map((v) => sqlString(v)).join(', ')}]::VARCHAR[]`;
  }
}

/** Microseconds since the epoch to RFC 3339 UTC with microseconds (the form of every time in the alert store). */
export function isoMicros(us: bigint | number): string {
  const big = BigInt(us);
  const ms = big / 1000n - (big % 1000n < 0n ? 1n : 0n);
  const micros = Number(big - ms * 1000n);
  const base = new Date(Number(ms)).toISOString(); // 2026-01-01T00:00:00.000Z
  return `${base.slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

function timestampLiteral(at: bigint | null, infinite: '-infinity' | 'infinity'): string {
  return at === null ? `'${infinite}'::TIMESTAMPTZ` : `'${isoMicros(at)}'::TIMESTAMPTZ`;
}

/** The rule's parameters with the configured values over the defaults. */
export function effectiveParams(rule: Rule, configured: Record<string, ParamValue> = {}): Record<string, ParamValue> {
  return Object.fromEntries(rule.params.map((p) => [p.name, configured[p.name] ?? p.default]));
}

/** The look-back of a rule with these parameters, in ms. */
export function windowMs(rule: Rule, params: Record<string, ParamValue>): number {
  return 'ms' in rule.window ? rule.window.ms : intervalMs(String(params[rule.window.param]));
}

/**
 * The rule's SELECT with every placeholder replaced: parameters by typed literals, `{{eval_start}}` and
 * `{{eval_end}}` by TIMESTAMPTZ literals (µs since the epoch; null = -infinity / +infinity).
 */
export function renderRule(rule: Rule, params: Record<string, ParamValue>, range: { start: bigint | null; end: bigint | null }): string {
  return renderSql(rule, rule.sql, params, range);
}

/** `sql` (the rule's body, or a rewrite of it) with every placeholder replaced as renderRule does. */
export function renderSql(
  rule: Rule,
  sql: string,
  params: Record<string, ParamValue>,
  range: { start: bigint | null; end: bigint | null },
  /** What {{all_activities}} reads: marts.activities, or the engine's view of its months from the rule's look-back on. */
  allActivities = 'marts.activities',
): string {
  const types = new Map(rule.params.map((p) => [p.name, p.type]));
  return sql.replace(PLACEHOLDER, (_m, name: string) => {
    if (name === 'all_activities') return allActivities;
    if (name === 'eval_start') return timestampLiteral(range.start, '-infinity');
    if (name === 'eval_end') return timestampLiteral(range.end, 'infinity');
    return sqlLiteral(types.get(name)!, params[name]);
  });
}

/** SHA-256 of the rule's SQL and its parameters' values: a change means a new retro hunt (detections.md §3). */
export function rulesHash(rule: Rule, params: Record<string, ParamValue>): string {
  const sorted = Object.fromEntries(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : 1)));
  return createHash('sha256').update(`${rule.sql}\n${JSON.stringify(sorted)}`).digest('hex');
}
