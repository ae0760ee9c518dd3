// Connection settings for commands that call a Compliance API: one place that reads them, validates
// them, and fails before any request with a message naming the bad setting (never its secret value).
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { DEFAULT_BASE_URL, DEFAULT_REQUESTS_PER_MINUTE } from '../api/index.js';
import type { TlsFiles } from '../graphql/server.js';

/** Every default a sync or daemon setting has, written once (flags, config file, daemon, demo and bench use these). */
export const DEFAULTS = {
  dataDir: './data',
  /** design.md invariant 4: per parent organization (compliance-api.md §6.3). */
  requestsPerMinute: DEFAULT_REQUESTS_PER_MINUTE,
  /** design.md invariant 3: the re-read window behind the cursor. */
  overlapMs: 10 * 60_000,
  reconcileDays: 3,
  maxRetries: 8,
  /** Compact a partition once it holds more files than this (0 = never). */
  compactMaxFiles: 24,
  /** `forward` (schema/ocsf.md §5): events per request, the daemon job's schedule, per-attempt timeout, backoff cap. */
  forwardBatchSize: 5_000,
  forwardSchedule: '*/1 * * * *',
  forwardTimeoutMs: 30_000,
  forwardMaxBackoffMs: 5 * 60_000,
  forwardMaxAttempts: 5,
  /** A `file` destination starts a new file past this size. */
  forwardRotateBytes: 100 * 1024 * 1024,
} as const;

/** Every default of `publish` and its daemon job, written once (schema/publish.md §9). */
export const PUBLISH_DEFAULTS = {
  region: 'us-east-1',
  /** Uploads at a time. */
  concurrency: 4,
  /** A batch closes with its manifest entries and a marker update after this many files or bytes. */
  batchFiles: 1_000,
  batchBytes: 1024 ** 3,
  /** Files of this size or more go up in parts of partSizeBytes (S3: parts of 5 MiB to 5 GiB, at most 10 000). */
  multipartThresholdBytes: 64 * 1024 ** 2,
  partSizeBytes: 16 * 1024 ** 2,
  /** Attempts per request; the waits double from 0.5 s up to 8 s. */
  attempts: 5,
  /** The daemon job's schedule (UTC cron) when the config file's publish block names none. */
  schedule: '*/15 * * * *',
} as const;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ConnectionFlags {
  baseUrl?: string;
  apiKeyFile?: string;
  rpm?: string;
}

export interface Connection {
  baseUrl: string;
  apiKey: string;
  requestsPerMinute: number;
  /** Doubtful but allowed settings, to print before starting. */
  warnings: string[];
}

const KEY_PREFIXES = ['sk-ant-api01-', 'sk-ant-admin01-'];

export function loadConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Connection {
  const baseUrl = flags.baseUrl ?? env.COMPLIANCE_API_BASE_URL ?? DEFAULT_BASE_URL;
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new ConfigError(`base URL (--base-url or COMPLIANCE_API_BASE_URL) is not a URL: "${baseUrl}"`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError(`base URL (--base-url or COMPLIANCE_API_BASE_URL) must be http or https; got "${parsed.protocol}"`);
  }
  let apiKey: string | undefined;
  if (flags.apiKeyFile) {
    try {
      apiKey = readFileSync(flags.apiKeyFile, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`--api-key-file: cannot read ${flags.apiKeyFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  } else {
    apiKey = env.ANTHROPIC_COMPLIANCE_API_KEY?.trim();
  }
  if (!apiKey) {
    throw new ConfigError(
      'no API key: set ANTHROPIC_COMPLIANCE_API_KEY or pass --api-key-file FILE (a Compliance Access Key, sk-ant-api01-..., or an Admin key, sk-ant-admin01-..., for the activity feed only)',
    );
  }
  const warnings: string[] = [];
  if (apiKey.startsWith('sk-ant-api03-')) {
    // never echo the key; name only what is wrong with it (compliance-api.md §1.2: Claude API keys are not accepted)
    throw new ConfigError(
      'the API key is a Claude API key (sk-ant-api03-...), which the Compliance API does not accept; use a Compliance Access Key (sk-ant-api01-...) or, for the activity feed only, an Admin key (sk-ant-admin01-...)',
    );
  }
  if (!KEY_PREFIXES.some((p) => apiKey!.startsWith(p))) {
    // Other implementations of the contract may issue other keys: warn, do not refuse.
    warnings.push('the API key does not start with sk-ant-api01- or sk-ant-admin01-; the real Compliance API will reject it');
  }
  const rpm = flags.rpm === undefined ? DEFAULTS.requestsPerMinute : Number(flags.rpm);
  if (!Number.isInteger(rpm) || rpm < 0) throw new ConfigError(`--rpm must be a whole number >= 0 (0 = no client-side pacing); got "${flags.rpm}"`);
  return { baseUrl: baseUrl.replace(/\/+$/, ''), apiKey, requestsPerMinute: rpm, warnings };
}

/** Parses a whole-number CLI option, naming it when it is wrong. */
export function intOption(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be a whole number >= ${min}; got "${value}"`);
  return n;
}

export function timeOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ConfigError(`${name} must be an RFC 3339 timestamp such as 2026-11-01T00:00:00Z; got "${value}"`);
  return ms;
}

export interface TlsFlags {
  tlsCert?: string;
  tlsKey?: string;
  /** The session cookie is Secure behind a TLS proxy (console.md §4). */
  secureCookie?: boolean;
}

/** console.md §4: --tls-cert and --tls-key (PEM), both or neither; checked here, before anything starts. The key's
 * text never reaches a message. */
export function loadTlsFiles(flags: TlsFlags): TlsFiles | null {
  if (!flags.tlsCert && !flags.tlsKey) return null;
  if (!flags.tlsCert || !flags.tlsKey) {
    throw new ConfigError(`${flags.tlsCert ? '--tls-key' : '--tls-cert'} is missing: HTTPS needs both --tls-cert FILE (the PEM certificate) and --tls-key FILE (its PEM private key)`);
  }
  const read = (flag: string, path: string, marker: RegExp, what: string): string => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(`${flag}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (!marker.test(text)) throw new ConfigError(`${flag}: ${path} holds no PEM ${what} (a "-----BEGIN ${what.toUpperCase()}-----" block)`);
    return text;
  };
  const cert = read('--tls-cert', flags.tlsCert, /-----BEGIN CERTIFICATE-----/, 'certificate');
  const key = read('--tls-key', flags.tlsKey, /-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/, 'private key');
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(key)) throw new ConfigError(`--tls-key: ${flags.tlsKey} is encrypted; give the server an unencrypted key file readable only by its user`);
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    const reason = /mismatch/i.test((err as Error).message) ? 'the key does not belong to the certificate' : 'OpenSSL cannot use them';
    throw new ConfigError(`--tls-cert ${flags.tlsCert} and --tls-key ${flags.tlsKey}: ${reason} (${(err as Error).message})`);
  }
  return { cert, key };
}
