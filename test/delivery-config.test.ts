// The `destinations` of the config file (detections.md §2): every mistake is a ConfigError naming the key,
// secrets come only from files or environment variables, and never appear in a message or a serialized config.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/cli/config.js';
import { parseDestinations } from '../src/delivery/config.js';
import { destinationTakes } from '../src/detections/store.js';

const dir = mkdtempSync(join(tmpdir(), 'cl-destcfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SECRET = 'whsec-config-DO-NOT-LEAK-x81';
const SLACK = 'https://hooks.slack.example/services/T1/B1/DO-NOT-LEAK-slack';
const env = { HOOK_SECRET: SECRET, SLACK_URL: SLACK, EMPTY: '' };
writeFileSync(join(dir, 'hook.secret'), `${SECRET}\n`);

function error(raw: unknown, knownRules?: string[]): string {
  try {
    parseDestinations(raw, { env, baseDir: dir, knownRules });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain('DO-NOT-LEAK');
    return message;
  }
  throw new Error('expected a ConfigError');
}

const hook = { name: 'soc', type: 'webhook', url: 'https://siem.example/hook', secretFile: 'hook.secret' };

describe('destinations', () => {
  it('reads every type with its defaults, and secrets from files and env vars', () => {
    const parsed = parseDestinations(
      [hook, { name: 'chat', type: 'slack', urlEnv: 'SLACK_URL', minLevel: 'high', rules: ['sso_disabled'] }, { name: 'siem', type: 'syslog', host: 'logs.example' }, { name: 'file', type: 'ndjson', path: 'alerts.ndjson', timeout: '2s' }],
      { env, baseDir: dir, knownRules: ['sso_disabled'] },
    );
    expect(parsed.map((d) => [d.name, d.type, d.minLevel, d.rules, d.timeoutMs])).toEqual([
      ['soc', 'webhook', 'info', ['*'], 10_000],
      ['chat', 'slack', 'high', ['sso_disabled'], 10_000],
      ['siem', 'syslog', 'info', ['*'], 10_000],
      ['file', 'ndjson', 'info', ['*'], 2_000],
    ]);
    const [w, s, l, f] = parsed as any[];
    expect(w.secret.reveal()).toBe(SECRET);
    expect(s.url.reveal()).toBe(SLACK);
    expect(l).toMatchObject({ port: 601, facility: 10, appName: 'compliance-lake' });
    expect(f.path).toBe(join(dir, 'alerts.ndjson'));
    // secrets never serialize
    const printed = JSON.stringify(parsed) + inspect(parsed, { depth: 5 }) + String(w.secret);
    expect(printed).not.toContain(SECRET);
    expect(printed).not.toContain('DO-NOT-LEAK');
    expect(parseDestinations(undefined)).toEqual([]);
  });

  it('names the bad key of each mistake', () => {
    expect(error({})).toMatch(/^destinations: must be an array/);
    expect(error([{ ...hook, type: 'pagerduty' }])).toMatch(/^destinations\[0\] \("soc"\)\.type: unknown destination type "pagerduty"; known: webhook, slack, syslog, ndjson$/);
    expect(error([{ ...hook, method: 'PUT' }])).toMatch(/^destinations\[0\] \("soc"\): unknown key "method" for a webhook destination; known: /);
    expect(error([{ ...hook, secret: SECRET, secretFile: undefined }])).toMatch(/^destinations\[0\] \("soc"\)\.secret: secrets are not allowed in the config file; put the shared secret in a file/);
    expect(error([{ name: 'chat', type: 'slack', url: SLACK }])).toMatch(/^destinations\[0\] \("chat"\)\.url: secrets are not allowed in the config file; a Slack incoming-webhook URL is a secret/);
    expect(error([hook, { ...hook }])).toMatch(/^destinations\[1\] \("soc"\)\.name: two destinations are named "soc"/);
    expect(error([{ ...hook, secretFile: undefined }])).toMatch(/a webhook needs a shared secret for its signature: "secretFile" or "secretEnv"$/);
    expect(error([{ ...hook, secretFile: 'missing.secret' }])).toMatch(/\.secretFile: cannot read .*missing\.secret \(ENOENT\)$/);
    expect(error([{ ...hook, secretFile: undefined, secretEnv: 'NOPE' }])).toMatch(/\.secretEnv: the environment variable NOPE is not set$/);
    expect(error([{ ...hook, secretFile: undefined, secretEnv: 'EMPTY' }])).toMatch(/\.secretEnv: the environment variable EMPTY is empty$/);
    expect(error([{ ...hook, minLevel: 'urgent' }])).toMatch(/\.minLevel: must be one of info, low, medium, high, critical; got "urgent"$/);
    expect(error([{ ...hook, rules: ['sso_disabled', 'nope'] }], ['sso_disabled'])).toMatch(/\.rules: unknown rule\(s\) "nope"/);
    expect(error([{ ...hook, rules: [] }])).toMatch(/\.rules: must be a non-empty array/);
    expect(error([{ ...hook, timeout: 5 }])).toMatch(/\.timeout: a duration from 100ms to 5m/);
    expect(error([{ ...hook, maxBackoff: '2h' }])).toMatch(/\.maxBackoff: a duration from 1s to 60m such as "10s"; got "2h"$/);
    expect(error([{ ...hook, url: 'ftp://x' }])).toMatch(/\.url: must be an http or https URL; got "ftp:"$/);
    expect(error([{ ...hook, url: 'not a url DO-NOT-LEAK' }])).toMatch(/\.url: not a URL \(the value is not shown/);
    expect(error([{ ...hook, urlEnv: 'SLACK_URL' }])).toMatch(/set only one of "url", "urlEnv"$/);
    expect(error([{ name: 'siem', type: 'syslog', host: 'h', port: 70_000 }])).toMatch(/\("siem"\)\.port: must be a whole number from 1 to 65535; got 70000$/);
    expect(error([{ name: 'siem', type: 'syslog', host: 'h', facility: 'local9' }])).toMatch(/\("siem"\)\.facility: unknown syslog facility "local9"/);
    expect(error([{ name: 'bad name', type: 'ndjson', path: 'x' }])).toMatch(/^destinations\[0\]\.name: required/);
    expect(error([{ name: 'file', type: 'ndjson' }])).toMatch(/\("file"\)\.path: required/);
  });

  it('matches alerts by level threshold and rule filter', () => {
    const d = (minLevel: 'info' | 'medium', rules: string[]) => ({ name: 'x', minLevel, rules });
    expect(destinationTakes(d('medium', ['*']), 'r', 'low')).toBe(false);
    expect(destinationTakes(d('medium', ['*']), 'r', 'medium')).toBe(true);
    expect(destinationTakes(d('info', ['a', 'b']), 'b', 'critical')).toBe(true);
    expect(destinationTakes(d('info', ['a', 'b']), 'c', 'critical')).toBe(false);
  });
});
