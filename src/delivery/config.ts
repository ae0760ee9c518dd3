// The `destinations` array of the config file (detections.md §2, §5): validated before anything runs, every
// error naming the bad key, secrets (webhook secrets, Slack URLs) read from files or environment variables
// and held in a Secret that prints as "[redacted]" wherever a config object ends up (logs, JSON, inspect).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { inspect } from 'node:util';
import { ConfigError } from '../cli/config.js';
import { LEVELS, type Level } from '../detections/schema.js';

export const DESTINATION_TYPES = ['webhook', 'slack', 'syslog', 'ndjson'] as const;
export type DestinationType = (typeof DESTINATION_TYPES)[number];

/** Per attempt: a destination that has not accepted an alert by then has failed this attempt. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** detections.md §5: the backoff doubles from 1 s up to this. */
export const DEFAULT_MAX_BACKOFF_MS = 5 * 60_000;
/** RFC 6587 plain TCP syslog (RFC 5425's 6514 is TLS, which this sender does not speak). */
export const DEFAULT_SYSLOG_PORT = 601;
export const SYSLOG_FACILITIES: Readonly<Record<string, number>> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10, ftp: 11,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
};

/** A secret value: `reveal()` is the only way to read it; it never serializes. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return '[redacted]';
  }
  toString(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return '[redacted]';
  }
}

interface Common {
  name: string;
  minLevel: Level;
  /** Rule ids, or ['*'] for every rule. */
  rules: readonly string[];
  timeoutMs: number;
  /** The longest wait between two attempts (detections.md §5: 5 min). */
  maxBackoffMs: number;
}
export interface WebhookConfig extends Common {
  type: 'webhook';
  url: Secret;
  secret: Secret;
}
export interface SlackConfig extends Common {
  type: 'slack';
  url: Secret;
}
export interface SyslogConfig extends Common {
  type: 'syslog';
  host: string;
  port: number;
  facility: number;
  appName: string;
}
export interface NdjsonConfig extends Common {
  type: 'ndjson';
  path: string;
}
export type DestinationConfig = WebhookConfig | SlackConfig | SyslogConfig | NdjsonConfig;

const COMMON_KEYS = ['name', 'type', 'minLevel', 'rules', 'timeout', 'maxBackoff'];
const TYPE_KEYS: Record<DestinationType, string[]> = {
  webhook: ['url', 'urlFile', 'urlEnv', 'secretFile', 'secretEnv'],
  slack: ['urlFile', 'urlEnv'],
  syslog: ['host', 'port', 'facility', 'appName'],
  ndjson: ['path'],
};
/** Keys that would put a secret in the config file itself. */
const INLINE_SECRETS: Record<string, string> = {
  'webhook.secret': 'put the shared secret in a file and set "secretFile", or in an environment variable and set "secretEnv"',
  'slack.url': 'a Slack incoming-webhook URL is a secret: put it in a file and set "urlFile", or in an environment variable and set "urlEnv"',
};

export interface DestinationOptions {
  env?: NodeJS.ProcessEnv;
  /** Rule ids that exist; when given, a destination's `rules` must name only these (or "*"). */
  knownRules?: readonly string[];
  /** Relative `*File` and ndjson paths resolve against this (default: the working directory). */
  baseDir?: string;
}

/** Validates the config file's `destinations` (undefined = none). Throws ConfigError naming the bad key. */
export function parseDestinations(raw: unknown, options: DestinationOptions = {}): DestinationConfig[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new ConfigError('destinations: must be an array of destinations (detections.md §2)');
  const seen = new Set<string>();
  return raw.map((entry, i) => {
    const where = `destinations[${i}]`;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new ConfigError(`${where}: must be an object`);
    const d = entry as Record<string, unknown>;
    const name = d.name;
    if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) {
      throw new ConfigError(`${where}.name: required, 1-64 letters, digits, "_", "." or "-"`);
    }
    const at = `destinations[${i}] ("${name}")`;
    if (seen.has(name)) throw new ConfigError(`${at}.name: two destinations are named "${name}"; names must be unique (the outbox keys deliveries by name)`);
    seen.add(name);
    const type = d.type;
    if (typeof type !== 'string' || !(DESTINATION_TYPES as readonly string[]).includes(type)) {
      throw new ConfigError(`${at}.type: unknown destination type ${JSON.stringify(type)}; known: ${DESTINATION_TYPES.join(', ')}`);
    }
    const t = type as DestinationType;
    for (const key of Object.keys(d)) {
      const inline = INLINE_SECRETS[`${t}.${key}`];
      if (inline) throw new ConfigError(`${at}.${key}: secrets are not allowed in the config file; ${inline}`);
      if (!COMMON_KEYS.includes(key) && !TYPE_KEYS[t].includes(key)) {
        throw new ConfigError(`${at}: unknown key "${key}" for a ${t} destination; known: ${[...COMMON_KEYS, ...TYPE_KEYS[t]].join(', ')}`);
      }
    }
    const common: Common = {
      name,
      minLevel: level(d.minLevel, `${at}.minLevel`),
      rules: ruleList(d.rules, `${at}.rules`, options.knownRules),
      timeoutMs: duration(d.timeout, `${at}.timeout`, DEFAULT_TIMEOUT_MS, 100, 300_000),
      maxBackoffMs: duration(d.maxBackoff, `${at}.maxBackoff`, DEFAULT_MAX_BACKOFF_MS, 1_000, 3_600_000),
    };
    const base = options.baseDir ?? process.cwd();
    const env = options.env ?? process.env;
    switch (t) {
      case 'webhook': {
        const url = secretOf(d, 'url', at, base, env, { inlineAllowed: true });
        if (!url) throw new ConfigError(`${at}: a webhook needs "url" (or "urlFile" / "urlEnv")`);
        httpUrl(url, `${at}.url`);
        const secret = secretOf(d, 'secret', at, base, env, { inlineAllowed: false });
        if (!secret) throw new ConfigError(`${at}: a webhook needs a shared secret for its signature: "secretFile" or "secretEnv"`);
        return { ...common, type: t, url, secret };
      }
      case 'slack': {
        const url = secretOf(d, 'url', at, base, env, { inlineAllowed: false });
        if (!url) throw new ConfigError(`${at}: a slack destination needs its incoming-webhook URL: "urlFile" or "urlEnv"`);
        httpUrl(url, `${at}.url`);
        return { ...common, type: t, url };
      }
      case 'syslog': {
        if (typeof d.host !== 'string' || !d.host.trim()) throw new ConfigError(`${at}.host: required, the syslog receiver's host name or address`);
        const port = d.port === undefined ? DEFAULT_SYSLOG_PORT : d.port;
        if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) throw new ConfigError(`${at}.port: must be a whole number from 1 to 65535; got ${JSON.stringify(d.port)}`);
        const facilityName = d.facility === undefined ? 'authpriv' : d.facility;
        if (typeof facilityName !== 'string' || !(facilityName in SYSLOG_FACILITIES)) {
          throw new ConfigError(`${at}.facility: unknown syslog facility ${JSON.stringify(d.facility)}; known: ${Object.keys(SYSLOG_FACILITIES).join(', ')}`);
        }
        const appName = d.appName === undefined ? 'compliance-lake' : d.appName;
        // RFC 5424 §6: APP-NAME is 1*48 PRINTUSASCII
        if (typeof appName !== 'string' || !/^[\x21-\x7e]{1,48}$/.test(appName)) throw new ConfigError(`${at}.appName: 1 to 48 printable ASCII characters without spaces (RFC 5424 APP-NAME)`);
        return { ...common, type: t, host: d.host.trim(), port, facility: SYSLOG_FACILITIES[facilityName], appName };
      }
      case 'ndjson': {
        if (typeof d.path !== 'string' || !d.path.trim()) throw new ConfigError(`${at}.path: required, the file alerts are appended to`);
        return { ...common, type: t, path: resolve(base, d.path) };
      }
    }
  });
}

function level(value: unknown, where: string): Level {
  if (value === undefined) return 'info';
  if (typeof value !== 'string' || !(LEVELS as readonly string[]).includes(value)) throw new ConfigError(`${where}: must be one of ${LEVELS.join(', ')}; got ${JSON.stringify(value)}`);
  return value as Level;
}

function ruleList(value: unknown, where: string, known: readonly string[] | undefined): string[] {
  if (value === undefined) return ['*'];
  if (!Array.isArray(value) || value.length === 0 || value.some((r) => typeof r !== 'string' || !r)) {
    throw new ConfigError(`${where}: must be a non-empty array of rule ids, or ["*"] for every rule`);
  }
  if (known) {
    const unknown = value.filter((r) => r !== '*' && !known.includes(r));
    if (unknown.length) throw new ConfigError(`${where}: unknown rule(s) ${unknown.map((r) => `"${r}"`).join(', ')}; \`compliance-lake detections list\` lists them`);
  }
  return value as string[];
}

export function duration(value: unknown, where: string, fallback: number, minMs: number, maxMs: number): number {
  if (value === undefined) return fallback;
  const m = typeof value === 'string' ? /^(\d+)(ms|s|m|h)$/.exec(value.trim()) : null;
  const ms = m ? Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms'] : NaN;
  const text = (n: number) => (n % 60_000 === 0 ? `${n / 60_000}m` : n % 1000 === 0 ? `${n / 1000}s` : `${n}ms`);
  if (!(ms >= minMs && ms <= maxMs)) throw new ConfigError(`${where}: a duration from ${text(minMs)} to ${text(maxMs)} such as "10s"; got ${JSON.stringify(value)}`);
  return ms;
}

/** `<key>` (when allowed inline), `<key>File` or `<key>Env`: at most one; the value itself never in a message. */
export function secretOf(d: Record<string, unknown>, key: string, at: string, baseDir: string, env: NodeJS.ProcessEnv, o: { inlineAllowed: boolean }): Secret | null {
  const given = [key, `${key}File`, `${key}Env`].filter((k) => d[k] !== undefined && (o.inlineAllowed || k !== key));
  if (given.length > 1) throw new ConfigError(`${at}: set only one of ${given.map((k) => `"${k}"`).join(', ')}`);
  if (given.length === 0) return null;
  const k = given[0];
  const ref = d[k];
  if (typeof ref !== 'string' || !ref.trim()) throw new ConfigError(`${at}.${k}: must be a non-empty string`);
  let value: string | undefined;
  if (k === key) value = ref;
  else if (k.endsWith('File')) {
    const path = resolve(baseDir, ref);
    try {
      value = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(`${at}.${k}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  } else {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(ref)) throw new ConfigError(`${at}.${k}: must name an environment variable; got ${JSON.stringify(ref)}`);
    value = env[ref];
    if (value === undefined) throw new ConfigError(`${at}.${k}: the environment variable ${ref} is not set`);
  }
  value = value.trim();
  if (!value) throw new ConfigError(`${at}.${k}: ${k.endsWith('Env') ? `the environment variable ${ref}` : `the file ${resolve(baseDir, ref)}`} is empty`);
  return new Secret(value);
}

export function httpUrl(url: Secret, where: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url.reveal());
  } catch {
    throw new ConfigError(`${where}: not a URL (the value is not shown: it may hold a secret)`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new ConfigError(`${where}: must be an http or https URL; got "${parsed.protocol}"`);
}
