// The config file's `forward` block (schema/ocsf.md §5), validated before anything is sent: every error names
// the key; secrets come from `<key>File` or `<key>Env` only and are held in a Secret (src/delivery/config.ts).
import { resolve } from 'node:path';
import { ConfigError, DEFAULTS } from '../cli/config.js';
import { Secret, duration, httpUrl, secretOf } from '../delivery/config.js';
import { cronProblem } from '../scheduler/scheduler.js';
import type { EventFormat } from './output.js';

export const FORWARD_TYPES = ['hec', 'elasticsearch', 'https', 'file'] as const;
export type ForwardType = (typeof FORWARD_TYPES)[number];

interface Common {
  name: string;
  format: EventFormat;
  /** Activities created before this (epoch ms) are never sent. */
  sinceMs: number | null;
  /** false, 'new' (non-historical alerts) or 'all'. */
  alerts: false | 'new' | 'all';
  batchSize: number;
  timeoutMs: number;
  maxBackoffMs: number;
}
export interface HecConfig extends Common {
  type: 'hec';
  url: string;
  token: Secret;
  index: string | null;
  sourcetype: string;
  source: string;
}
export interface ElasticConfig extends Common {
  type: 'elasticsearch';
  url: string;
  index: string;
  alertsIndex: string;
  apiKey: Secret | null;
  username: string | null;
  password: Secret | null;
}
export interface HttpsConfig extends Common {
  type: 'https';
  url: Secret;
  headerName: string | null;
  headerValue: Secret | null;
}
export interface FileConfig extends Common {
  type: 'file';
  path: string;
  rotateBytes: number;
}
export type ForwardDestination = HecConfig | ElasticConfig | HttpsConfig | FileConfig;

export interface ForwardConfig {
  schedule: string;
  destinations: ForwardDestination[];
}

const BLOCK_KEYS = ['schedule', 'destinations'];
const COMMON_KEYS = ['name', 'type', 'format', 'since', 'alerts', 'batchSize', 'timeout', 'maxBackoff'];
const TYPE_KEYS: Record<ForwardType, string[]> = {
  hec: ['url', 'tokenFile', 'tokenEnv', 'index', 'sourcetype', 'source'],
  elasticsearch: ['url', 'index', 'alertsIndex', 'apiKeyFile', 'apiKeyEnv', 'username', 'passwordFile', 'passwordEnv'],
  https: ['url', 'urlFile', 'urlEnv', 'headerName', 'headerValueFile', 'headerValueEnv'],
  file: ['path', 'rotateBytes'],
};
const INLINE_SECRETS = ['token', 'apiKey', 'password', 'headerValue'];

/** Validates `forward` (undefined: no forwarding). */
export function parseForwardConfig(raw: unknown, options: { env?: NodeJS.ProcessEnv; baseDir?: string } = {}): ForwardConfig {
  if (raw === undefined || raw === null) return { schedule: DEFAULTS.forwardSchedule, destinations: [] };
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('forward: must be an object with "destinations" (and optionally "schedule"); see schema/ocsf.md §5');
  const b = raw as Record<string, unknown>;
  for (const k of Object.keys(b)) if (!BLOCK_KEYS.includes(k)) throw new ConfigError(`forward.${k}: unknown setting; known: ${BLOCK_KEYS.join(', ')}`);
  const schedule = b.schedule === undefined ? DEFAULTS.forwardSchedule : b.schedule;
  if (typeof schedule !== 'string') throw new ConfigError('forward.schedule: a cron expression such as "*/1 * * * *"');
  const problem = cronProblem(schedule);
  if (problem) throw new ConfigError(`forward.schedule: "${schedule}" is not a valid cron expression: ${problem}`);
  if (b.destinations !== undefined && !Array.isArray(b.destinations)) throw new ConfigError('forward.destinations: must be an array');
  const env = options.env ?? process.env;
  const base = options.baseDir ?? process.cwd();
  const seen = new Set<string>();
  const destinations = ((b.destinations ?? []) as unknown[]).map((entry, i): ForwardDestination => {
    const where = `forward.destinations[${i}]`;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new ConfigError(`${where}: must be an object`);
    const d = entry as Record<string, unknown>;
    if (typeof d.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(d.name)) throw new ConfigError(`${where}.name: required, 1-64 letters, digits, "_", "." or "-"`);
    const at = `${where} ("${d.name}")`;
    if (seen.has(d.name)) throw new ConfigError(`${at}.name: two destinations are named "${d.name}"; names key the cursors and must be unique`);
    seen.add(d.name);
    if (typeof d.type !== 'string' || !(FORWARD_TYPES as readonly string[]).includes(d.type)) throw new ConfigError(`${at}.type: unknown type ${JSON.stringify(d.type)}; known: ${FORWARD_TYPES.join(', ')}`);
    const type = d.type as ForwardType;
    for (const k of Object.keys(d)) {
      if (INLINE_SECRETS.includes(k)) throw new ConfigError(`${at}.${k}: secrets are not allowed in the config file; put it in a file and set "${k}File", or in an environment variable and set "${k}Env"`);
      if (!COMMON_KEYS.includes(k) && !TYPE_KEYS[type].includes(k)) throw new ConfigError(`${at}: unknown key "${k}" for a ${type} destination; known: ${[...COMMON_KEYS, ...TYPE_KEYS[type]].join(', ')}`);
    }
    const format = d.format === undefined ? 'ocsf' : d.format;
    if (format !== 'ocsf' && format !== 'ndjson') throw new ConfigError(`${at}.format: "ocsf" or "ndjson"; got ${JSON.stringify(d.format)}`);
    let sinceMs: number | null = null;
    if (d.since !== undefined) {
      sinceMs = typeof d.since === 'string' ? Date.parse(d.since) : NaN;
      if (Number.isNaN(sinceMs)) throw new ConfigError(`${at}.since: an RFC 3339 time such as 2026-01-01T00:00:00Z; got ${JSON.stringify(d.since)}`);
    }
    const alerts = d.alerts === undefined || d.alerts === false ? false : d.alerts === true ? 'new' : d.alerts === 'all' ? 'all' : null;
    if (alerts === null) throw new ConfigError(`${at}.alerts: true (new alerts), "all" (also retro-hunt alerts) or false; got ${JSON.stringify(d.alerts)}`);
    const batchSize = d.batchSize === undefined ? DEFAULTS.forwardBatchSize : d.batchSize;
    if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) throw new ConfigError(`${at}.batchSize: a whole number from 1 to 100000`);
    const common: Common = {
      name: d.name,
      format,
      sinceMs,
      alerts,
      batchSize,
      timeoutMs: duration(d.timeout, `${at}.timeout`, DEFAULTS.forwardTimeoutMs, 100, 600_000),
      maxBackoffMs: duration(d.maxBackoff, `${at}.maxBackoff`, DEFAULTS.forwardMaxBackoffMs, 100, 3_600_000),
    };
    const plainUrl = (key: string): string => {
      if (typeof d[key] !== 'string') throw new ConfigError(`${at}.${key}: required, the destination's http(s) URL`);
      const u = d[key] as string;
      httpUrl(new Secret(u), `${at}.${key}`);
      return u.replace(/\/+$/, '');
    };
    const optString = (key: string): string | null => {
      if (d[key] === undefined) return null;
      if (typeof d[key] !== 'string' || !(d[key] as string).trim()) throw new ConfigError(`${at}.${key}: must be a non-empty string`);
      return d[key] as string;
    };
    switch (type) {
      case 'hec': {
        const token = secretOf(d, 'token', at, base, env, { inlineAllowed: false });
        if (!token) throw new ConfigError(`${at}: a hec destination needs its HEC token: "tokenFile" or "tokenEnv"`);
        return { ...common, type, url: plainUrl('url'), token, index: optString('index'), sourcetype: optString('sourcetype') ?? (format === 'ocsf' ? 'ocsf' : 'claude:compliance:activity'), source: optString('source') ?? 'compliance-lake' };
      }
      case 'elasticsearch': {
        const apiKey = secretOf(d, 'apiKey', at, base, env, { inlineAllowed: false });
        const password = secretOf(d, 'password', at, base, env, { inlineAllowed: false });
        const username = optString('username');
        if (apiKey && (username || password)) throw new ConfigError(`${at}: set either an API key (apiKeyFile/apiKeyEnv) or basic auth (username + passwordFile/passwordEnv), not both`);
        if (Boolean(username) !== Boolean(password)) throw new ConfigError(`${at}: basic auth needs both "username" and "passwordFile" (or "passwordEnv")`);
        const index = optString('index') ?? 'claude-compliance-activities';
        return { ...common, type, url: plainUrl('url'), index, alertsIndex: optString('alertsIndex') ?? `${index}-alerts`, apiKey, username, password };
      }
      case 'https': {
        const url = secretOf(d, 'url', at, base, env, { inlineAllowed: true });
        if (!url) throw new ConfigError(`${at}: an https destination needs "url" (or "urlFile" / "urlEnv")`);
        httpUrl(url, `${at}.url`);
        const headerName = optString('headerName');
        const headerValue = secretOf(d, 'headerValue', at, base, env, { inlineAllowed: false });
        if (Boolean(headerName) !== Boolean(headerValue)) throw new ConfigError(`${at}: "headerName" and "headerValueFile" (or "headerValueEnv") go together`);
        return { ...common, type, url, headerName, headerValue };
      }
      case 'file': {
        const path = optString('path');
        if (!path) throw new ConfigError(`${at}.path: required, the directory the gzip NDJSON files are written to`);
        const rotate = d.rotateBytes === undefined ? DEFAULTS.forwardRotateBytes : parseBytes(d.rotateBytes);
        if (rotate === null || rotate < 1024) throw new ConfigError(`${at}.rotateBytes: a size of at least 1KB such as "100MB" or a number of bytes; got ${JSON.stringify(d.rotateBytes)}`);
        return { ...common, type, path: resolve(base, path), rotateBytes: rotate };
      }
    }
  });
  return { schedule, destinations };
}

function parseBytes(v: unknown): number | null {
  if (typeof v === 'number') return Number.isInteger(v) ? v : null;
  const m = typeof v === 'string' ? /^(\d+)\s*(B|KB|MB|GB)?$/i.exec(v.trim()) : null;
  if (!m) return null;
  return Number(m[1]) * { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[(m[2] ?? 'B').toUpperCase() as 'B'];
}
