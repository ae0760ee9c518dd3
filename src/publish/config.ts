// The settings of `publish` and of its daemon job: flags over the config file's `publish` block over
// PUBLISH_DEFAULTS (src/cli/config.ts). Validated before anything is sent; every error names the setting.
// There is no setting for credentials: they come from the AWS SDK's default chain (schema/publish.md §8).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, DEFAULTS, PUBLISH_DEFAULTS, intOption } from '../cli/config.js';
import { cronProblem } from '../scheduler/scheduler.js';
import { type S3Target, parseEndpoint, parseS3Url } from './target.js';
import type { LockMode } from './upload.js';

export interface PublishFlags {
  to?: string;
  endpoint?: string;
  region?: string;
  objectLock?: string;
  retainDays?: string;
  deleteExtraneous?: boolean;
  fullCheck?: boolean;
  concurrency?: string;
}

export interface ResolvedPublish {
  target: S3Target;
  objectLock: { mode: LockMode; retainDays: number } | null;
  deleteExtraneous: boolean;
  fullCheck: boolean;
  concurrency: number;
}

/** The `publish` block of the config file; keys mirror the flags. */
const BLOCK_KEYS = ['to', 'endpoint', 'region', 'objectLock', 'retainDays', 'deleteExtraneous', 'concurrency', 'schedule'] as const;
const SECRET_KEYS = /secret|password|accessKey|access_key|credentials|token/i;

export function resolvePublish(flags: PublishFlags, env: NodeJS.ProcessEnv = process.env): ResolvedPublish {
  const { bucket, prefix } = parseS3Url('--to', flags.to);
  const region = flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? PUBLISH_DEFAULTS.region;
  if (!/^[a-z0-9-]+$/.test(region)) throw new ConfigError(`--region must be a region name such as us-east-1; got "${region}"`);
  let objectLock: ResolvedPublish['objectLock'] = null;
  if (flags.objectLock !== undefined) {
    const mode = flags.objectLock.toUpperCase();
    if (mode !== 'COMPLIANCE' && mode !== 'GOVERNANCE') throw new ConfigError(`--object-lock must be compliance or governance; got "${flags.objectLock}"`);
    if (flags.retainDays === undefined) throw new ConfigError('--object-lock needs --retain-days N: how long each object is retained (e.g. 2190 for six years)');
    objectLock = { mode, retainDays: intOption('--retain-days', flags.retainDays, 0, 1) };
  } else if (flags.retainDays !== undefined) {
    throw new ConfigError('--retain-days only applies with --object-lock compliance|governance');
  }
  return {
    target: { bucket, prefix, endpoint: parseEndpoint(flags.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL), region },
    objectLock,
    deleteExtraneous: Boolean(flags.deleteExtraneous),
    fullCheck: Boolean(flags.fullCheck),
    concurrency: intOption('--concurrency', flags.concurrency, PUBLISH_DEFAULTS.concurrency, 1),
  };
}

/** The config file's `publish` block as flags (undefined: no block), checked key by key. */
export function publishBlock(dataDir: string, configFile?: string): (PublishFlags & { schedule?: string }) | undefined {
  const path = configFile ?? join(resolve(dataDir ?? DEFAULTS.dataDir), 'compliance-lake.config.json');
  if (!existsSync(path)) {
    if (configFile) throw new ConfigError(`config file ${path}: not found`);
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`config file ${path}: not valid JSON (${(err as Error).message})`);
  }
  const block = (parsed as { publish?: unknown } | null)?.publish;
  if (block === undefined) return undefined;
  if (!block || typeof block !== 'object' || Array.isArray(block)) throw new ConfigError(`config file ${path}: "publish" must be an object`);
  const out: Record<string, string | boolean> = {};
  for (const [key, value] of Object.entries(block)) {
    if (SECRET_KEYS.test(key)) {
      throw new ConfigError(`config file ${path}: publish.${key} is not allowed (credentials do not belong in config files); use AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or an AWS profile`);
    }
    if (!(BLOCK_KEYS as readonly string[]).includes(key)) throw new ConfigError(`config file ${path}: unknown setting publish.${key}; known: ${BLOCK_KEYS.join(', ')}`);
    if (key === 'deleteExtraneous') {
      if (typeof value !== 'boolean') throw new ConfigError(`config file ${path}: publish.deleteExtraneous must be true or false`);
      out[key] = value;
    } else if (typeof value === 'string' || typeof value === 'number') out[key] = String(value);
    else throw new ConfigError(`config file ${path}: publish.${key} must be a string or a number`);
  }
  if (out.schedule !== undefined) {
    const problem = cronProblem(String(out.schedule));
    if (problem) throw new ConfigError(`config file ${path}: publish.schedule "${out.schedule}" is not a valid cron expression (${problem})`);
  }
  return out as PublishFlags & { schedule?: string };
}

/** The daemon's publish job: enabled only by a `publish` block with `to` (opt-in); its schedule defaults to PUBLISH_DEFAULTS.schedule. */
export function daemonPublish(dataDir: string, configFile?: string): { settings: ResolvedPublish; schedule: string } | null {
  const block = publishBlock(dataDir, configFile);
  if (!block?.to) return null;
  return { settings: resolvePublish(block), schedule: block.schedule ?? PUBLISH_DEFAULTS.schedule };
}
