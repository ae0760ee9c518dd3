// The built CLI as a user runs it: demo, simulate and smoke over loopback, with their failure messages.
// `npm test` builds dist/ first; these tests spawn dist/src/cli/main.js.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const CLI = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
const SECRET = 'sk-ant-api01-cli-test-secret-DO-NOT-PRINT-4242';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `compliance-lake simulate` and resolves once it prints its URL. */
function startSimulate(args: string[]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'simulate', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1], output: () => out });
    });
    child.stderr!.on('data', (c: Buffer) => (out += c));
    child.once('exit', (code) => reject(new Error(`simulate exited with ${code}: ${out}`)));
  });
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('dist/ is missing: run the tests with `npm test`, which builds first');
});

describe('demo', () => {
  test('a live simulator, the daemon syncing it, models and GraphQL: prints the URL, token and an answer, exits 0 with --once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cl-demo-'));
    const r = await run(['demo', '--seed', '7', '--horizon-days', '3', '--data-dir', dir, '--graphql-port', '0', '--once']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Compliance API simulator \(live\) on http:\/\/127\.0\.0\.1:\d+ \(seed 7/);
    expect(r.stdout).toMatch(/^GraphQL: +http:\/\/127\.0\.0\.1:\d+\/graphql$/m);
    const token = /^Token: +([0-9a-f]{36})/m.exec(r.stdout)![1];
    const m = /(\d+) activities; synced up to (\S+) \(lag (\d+) s\)/.exec(r.stdout);
    expect(Number(m![1])).toBeGreaterThan(3000);
    // the lag is the indexing margin (one minute) plus the time the demo took, not hours
    expect(Number(m![3])).toBeLessThan(5 * 60);
    expect(r.stdout).toMatch(/\d+ admin actions over \d+ days/);
    expect(r.stdout).toContain(`authorization: Bearer ${token}`);
    expect(existsSync(join(dir, 'warehouse.duckdb'))).toBe(true);
    expect(existsSync(join(dir, 'lake', '_manifests', '000000000001.json'))).toBe(true);
  });
});

describe('simulate and smoke', () => {
  let sim: { child: ChildProcess; url: string; output: () => string };
  beforeAll(async () => {
    sim = await startSimulate(['--api-key', SECRET, '--horizon-days', '2', '--seed', '3']);
  });
  afterAll(async () => {
    sim.child.kill('SIGTERM');
    await new Promise((r) => sim.child.once('exit', r));
  });

  test('simulate prints its URL and the keys it accepts, and serves the API', async () => {
    expect(sim.output()).toContain(`compliance key (every read scope): ${SECRET}`);
    expect(sim.output()).toContain('admin key (activity feed only):    sk-ant-admin01-simulator-local-only-key');
    const res = await fetch(`${sim.url}/v1/compliance/activities?limit=2`, { headers: { 'x-api-key': SECRET } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(2);
  });

  test('smoke reads the key from the environment and the URL from COMPLIANCE_API_BASE_URL', async () => {
    const r = await run(['smoke', '--max-pages', '2', '--limit', '50', '--directory'], {
      ANTHROPIC_COMPLIANCE_API_KEY: SECRET,
      COMPLIANCE_API_BASE_URL: sim.url,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Read 100 activities in 2 pages/);
    expect(r.stdout).toMatch(/directory: \d+ organizations/);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

  test('smoke reads the key from --api-key-file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cl-cli-'));
    writeFileSync(join(dir, 'key'), `${SECRET}\n`, { mode: 0o600 });
    const r = await run(['smoke', '--max-pages', '1', '--limit', '10', '--base-url', sim.url, '--api-key-file', join(dir, 'key')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Read 10 activities in 1 pages/);
  });

  test('an Admin key reads the feed; the directory is skipped with the scope named', async () => {
    const r = await run(['smoke', '--max-pages', '1', '--directory', '--base-url', sim.url], {
      ANTHROPIC_COMPLIANCE_API_KEY: 'sk-ant-admin01-simulator-local-only-key',
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/directory: skipped, the key cannot read the directory \(.*read:compliance_org_data/);
  });

  test('a wrong key fails with exit 1, the 401, a hint and the request id, and never the key', async () => {
    const wrong = 'sk-ant-api01-wrong-key-SHOULD-NOT-APPEAR-9876';
    const r = await run(['smoke', '--base-url', sim.url], { ANTHROPIC_COMPLIANCE_API_KEY: wrong });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/401 authentication_error/);
    expect(r.stderr).toMatch(/ANTHROPIC_COMPLIANCE_API_KEY/);
    expect(r.stderr).toMatch(/req_\w+/);
    expect(r.stdout + r.stderr).not.toContain(wrong);
  });

  test('an unreachable API fails with exit 1 and says what to check', async () => {
    const r = await run(['smoke', '--base-url', 'http://127.0.0.1:1', '--max-retries', '1'], { ANTHROPIC_COMPLIANCE_API_KEY: SECRET });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/retrying \/v1\/compliance\/activities\?limit=1000: .*; attempt 2 in \d+\.\d s/);
    expect(r.stderr).toMatch(/connection failed .*check the base URL.*2 attempts/);
    expect(r.stderr).not.toContain(SECRET);
  });
});

describe('configuration errors fail before any request, with exit 2', () => {
  test.each([
    [['smoke'], {}, /no API key: set ANTHROPIC_COMPLIANCE_API_KEY or pass --api-key-file/],
    [['smoke'], { ANTHROPIC_COMPLIANCE_API_KEY: 'sk-ant-api03-claude-api-key' }, /Claude API key \(sk-ant-api03-\.\.\.\), which the Compliance API does not accept/],
    [['smoke', '--api-key-file', '/nonexistent/key'], {}, /--api-key-file: cannot read \/nonexistent\/key \(ENOENT\)/],
    [['smoke', '--base-url', 'not a url'], { ANTHROPIC_COMPLIANCE_API_KEY: SECRET }, /base URL .* is not a URL/],
    [['smoke', '--rpm', 'fast'], { ANTHROPIC_COMPLIANCE_API_KEY: SECRET }, /--rpm must be a whole number/],
    [['smoke', '--since', 'yesterday'], { ANTHROPIC_COMPLIANCE_API_KEY: SECRET }, /--since must be an RFC 3339 timestamp/],
    [['simulate', '--faults', 'nope'], {}, /--faults: unknown profile "nope"; known: none, rate-limit-burst/],
    [['simulate', '--api-key', 'sk-ant-api03-x'], {}, /--api-key must start with sk-ant-api01-/],
    [['demo', '--horizon-days', '0'], {}, /--horizon-days must be a whole number >= 1/],
  ] as const)('%j', async (args, env, message) => {
    const r = await run([...args], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain(SECRET);
  });

  test('an unknown option is a usage error', async () => {
    const r = await run(['simulate', '--bogus']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown option '--bogus'/);
  });

  test('a port in use is named, with what to do', async () => {
    const first = await startSimulate([]);
    try {
      const port = new URL(first.url).port;
      const r = await run(['simulate', '--port', port]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`port ${port} on 127.0.0.1 is already in use; pass --port`));
    } finally {
      first.child.kill('SIGTERM');
      await new Promise((r) => first.child.once('exit', r));
    }
  });
});

describe('commands that read a lake refuse a directory without one', () => {
  const COMMANDS: { name: string; args: string[] }[] = [
    { name: 'models build', args: ['models', 'build'] },
    { name: 'sql', args: ['sql', 'SELECT 1'] },
    { name: 'serve', args: ['serve', '--port', '0'] },
    { name: 'verify', args: ['verify'] },
    { name: 'export', args: ['export', '--since', '2026-01-01', '--until', '2026-02-01', '--out', join(tmpdir(), `cl-export-never-${process.pid}`)] },
    { name: 'compact', args: ['compact'] },
    { name: 'ddl', args: ['ddl', '--engine', 'duckdb'] },
    { name: 'iceberg refresh', args: ['iceberg', 'refresh'] },
    { name: 'events', args: ['events', '--format', 'ocsf'] },
    { name: 'forward', args: ['forward'] },
  ];
  for (const c of COMMANDS) {
    test(`${c.name}: a missing or empty --data-dir is exit 2, names the path and says to sync first, creates nothing`, async () => {
      const parent = mkdtempSync(join(tmpdir(), 'cl-nolake-'));
      const missing = join(parent, 'nonexistent');
      const r = await run([...c.args, '--data-dir', missing]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`compliance-lake: ${c.name}: ${missing} does not exist`);
      expect(r.stderr).toMatch(/Run `compliance-lake sync --data-dir .*` \(or `compliance-lake run`\) first/);
      expect(existsSync(missing), 'nothing created').toBe(false);

      const empty = join(parent, 'empty');
      mkdirSync(empty);
      const e = await run([...c.args, '--data-dir', empty]);
      expect(e.code, e.stderr).toBe(2);
      expect(e.stderr).toContain(`${empty} holds no lake`);
      expect(readdirSync(empty)).toEqual([]);
    });
  }
});
