// The detections and alerts commands as a user runs them (the built CLI in a child process): exit codes 0, 1
// and 2, and messages that name what is wrong.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Activity } from '../src/api/index.js';
import { AlertStore, loadRules } from '../src/detections/index.js';
import { commitActivities } from '../src/detections/rule-tests.js';
import { buildModels } from '../src/models/build.js';
import { requireBuiltCli, runCli } from './support/crash-harness.js';
import { tempDataDir } from './support/lake-harness.js';

let dir: string;
let cleanup: () => void;
const ORG = '2f3c0d4e-1111-4a2b-9c3d-5e6f7a8b9c0d';

function act(id: string, at: string, type: string, fields: Record<string, unknown> = {}): Activity {
  const actor = { type: 'user_actor', user_id: 'user_01Ada', email_address: 'ada@example.com', ip_address: '203.0.113.7' };
  return { id, created_at: at, organization_id: 'org_01Example', organization_uuid: ORG, type, actor, ...fields } as unknown as Activity;
}

beforeAll(async () => {
  requireBuiltCli();
  ({ dir, cleanup } = tempDataDir('cl-detect-cli-'));
  await commitActivities(dir, [
    act('activity_01a', '2026-05-01T10:00:00Z', 'org_sso_toggled', { enabled: false }),
    act('activity_01b', '2026-05-01T10:05:00Z', 'claude_chat_created', { claude_chat_id: 'c1' }),
  ]);
  await buildModels(dir);
}, 120_000);
afterAll(() => cleanup?.());

test('detections list names every rule with its level, kind and parameters', async () => {
  const r = await runCli(['detections', 'list', '--data-dir', dir]);
  expect(r.code, r.stderr).toBe(0);
  for (const rule of loadRules()) expect(r.stdout).toContain(rule.id);
  expect(r.stdout).toMatch(/failed_signin_burst\s+medium\s+threshold\s+user\s+yes\s+threshold=5 window="10 minutes"/);
});

test('a configuration error exits 2 naming the setting, before anything runs', async () => {
  const cfg = join(dir, 'bad.config.json');
  writeFileSync(cfg, JSON.stringify({ detections: { rules: { failed_signin_burst: { thresold: 3 } } } }));
  const r = await runCli(['detections', 'run', '--data-dir', dir, '--config', cfg]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('detections.rules.failed_signin_burst.thresold');
  expect(AlertStore.exists(dir)).toBe(false);
  const unknown = await runCli(['detections', 'run', '--data-dir', dir, '--rules', 'sso_disabld']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('"sso_disabld"');
  const noLake = await runCli(['detections', 'run', '--data-dir', join(dir, 'nothing-here')]);
  expect(noLake.code).toBe(2);
  expect(noLake.stderr).toMatch(/holds no lake|does not exist/);
}, 180_000);

test('detections run, alerts list, ack: exit 0; a status change that does not apply exits 1 with the reason', async () => {
  const run = await runCli(['detections', 'run', '--data-dir', dir, '--json']);
  expect(run.code, run.stderr).toBe(0);
  const report = JSON.parse(run.stdout) as { rules: { ruleId: string; mode: string; created: number }[] };
  expect(report.rules.find((r) => r.ruleId === 'sso_disabled')).toMatchObject({ mode: 'retro', created: 1 });
  const listed = await runCli(['alerts', 'list', '--data-dir', dir, '--rules', 'sso_disabled', '--json']);
  expect(listed.code).toBe(0);
  const [alert] = listed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; ruleId: string; status: string });
  expect(alert).toMatchObject({ ruleId: 'sso_disabled', status: 'open' });
  const ack = await runCli(['alerts', 'ack', alert.id, '--by', 'ana', '--data-dir', dir]);
  expect(ack.code, ack.stderr).toBe(0);
  expect(ack.stdout).toContain('acknowledged');
  const again = await runCli(['alerts', 'ack', alert.id, '--by', 'ana', '--data-dir', dir]);
  expect(again.code).toBe(1);
  expect(again.stderr).toContain('is acknowledged; it cannot become acknowledged');
  const missing = await runCli(['alerts', 'resolve', 'f'.repeat(32), '--by', 'ana', '--data-dir', dir]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain('no alert with id');
}, 180_000);

test("detections test runs a rule's cases and passes; a rule without cases is named", async () => {
  const r = await runCli(['detections', 'test', '--rules', 'sso_disabled']);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.stdout).toMatch(/pass {2}sso_disabled: /);
  expect(r.stdout).toMatch(/1 passed, 0 failed/);
}, 120_000);
