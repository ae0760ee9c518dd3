// Every CLI command is its own process, and the heavy libraries (Apollo and type-graphql for the GraphQL server,
// the AWS SDK for publish, Avro and the Parquet footer reader for Iceberg) are loaded by the commands that use
// them, not by every command: a `sync` or `sql` does not pay a second of CPU to load a server it never starts.
// DuckDB's native library (about 0.6 s of CPU) loads when a database is first opened, not for a usage error,
// `--help` or a data dir that holds no lake.
// The check: a module-resolution hook in the CLI's own process records every package it loads.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { CLI } from './support/crash-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'cl-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hooks = join(dir, 'hooks.mjs');
writeFileSync(
  hooks,
  `export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(r.url);
  if (m) process.stderr.write('LOADED ' + m[1] + '\\n');
  return r;
}\n`,
);
const ownHooks = join(dir, 'own-hooks.mjs');
writeFileSync(
  ownHooks,
  `export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  const m = /\\/dist\\/src\\/(.+\\.js)$/.exec(r.url);
  if (m) process.stderr.write('OWN ' + m[1] + '\\n');
  return r;
}\n`,
);
/** Preloaded: writes `OWN <module>` on stderr for every module of our own (dist/src/...) the process loads. */
const ownModules = join(dir, 'own-register.mjs');
writeFileSync(ownModules, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(ownHooks).href)});\n`);
const register = join(dir, 'register.mjs');
writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);

/** The packages the CLI process loads for these arguments. */
function packagesLoaded(args: string[]): Set<string> {
  const run = spawnSync(process.execPath, ['--import', register, CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  expect(run.error).toBeUndefined();
  return new Set([...run.stderr.matchAll(/^LOADED (.+)$/gm)].map((m) => m[1]));
}

/** The packages a module script loads (run as `node --input-type=module -e`). */
function modulePackages(script: string): Set<string> {
  const run = spawnSync(process.execPath, ['--import', register, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
  expect(run.status, run.stderr).toBe(0);
  return new Set([...run.stderr.matchAll(/^LOADED (.+)$/gm)].map((m) => m[1]));
}

const HEAVY = ['@apollo/server', 'type-graphql', 'graphql', '@aws-sdk/client-s3', 'avsc', 'hyparquet'];

describe('CLI startup', () => {
  test('a command that starts no server and publishes nothing loads none of the heavy libraries', () => {
    const loaded = packagesLoaded(['sql', 'select 1', '--data-dir', join(dir, 'no-lake-here')]);
    expect(loaded.has('commander')).toBe(true); // the hook saw the CLI's own packages
    expect(HEAVY.filter((p) => loaded.has(p))).toEqual([]);
    // refused before any database is opened
    expect(loaded.has('@duckdb/node-api')).toBe(false);
  });

  test('DuckDB loads when a database is opened, and not before', () => {
    expect(packagesLoaded(['simulate', '--bogus']).has('@duckdb/node-api')).toBe(false);
    const duck = pathToFileURL(join(dirname(CLI), '..', 'lake', 'duck.js')).href;
    const importOnly = modulePackages(`await import(${JSON.stringify(duck)})`);
    expect(importOnly.has('@duckdb/node-api')).toBe(false);
    const opened = modulePackages(`const { createDuck } = await import(${JSON.stringify(duck)}); (await createDuck()).closeSync()`);
    expect(opened.has('@duckdb/node-api')).toBe(true);
  });

  test('sync starts from its own program: none of the other commands\' modules load', () => {
    const run = spawnSync(process.execPath, ['--import', ownModules, CLI, 'sync', '--streams', 'nope', '--data-dir', join(dir, 'sync-data')], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, ANTHROPIC_COMPLIANCE_API_KEY: 'sk-ant-api01-startup-test-key' },
    });
    // the same usage error as from the whole program
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toContain('compliance-lake: --streams: unknown stream(s) "nope"; known: activities');
    const loaded = new Set([...run.stderr.matchAll(/^OWN (.+)$/gm)].map((m) => m[1]));
    expect(loaded.has('cli/sync-command.js')).toBe(true); // the hook saw the sync's modules
    expect(loaded.has('pipeline/run.js')).toBe(true);
    expect([...loaded].filter((m) => /^(cli\/program|cli\/(lake|models|serve|run|detections|siem|engine|publish)-commands|scheduler|graphql|detections|delivery|siem|publish)\b/.test(m))).toEqual([]);
    // the whole program still lists sync
    const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8', timeout: 120_000 });
    expect(help.stdout).toMatch(/^\s+sync \[options\]/m);
  });

  test('the hook sees a heavy library when a module does load it', () => {
    const schema = pathToFileURL(join(dirname(CLI), '..', 'graphql', 'schema.js')).href;
    expect(modulePackages(`await import(${JSON.stringify(schema)})`).has('type-graphql')).toBe(true);
  });
});
