// The CLI's logger loses no line when the process exits while its reader is slow: a daemon's last line
// ("run: stopped") went missing once when stderr's pipe was full at process.exit().
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { requireBuiltCli } from './support/crash-harness.js';

const LOG_MODULE = fileURLToPath(new URL('../dist/src/cli/log.js', import.meta.url));

// Lines in bursts (with timers between them, so writes are in flight), then exit at once, as the daemon does.
const CHILD = `
const { stderrLogger } = await import(${JSON.stringify(LOG_MODULE)});
const { log } = stderrLogger('info');
for (let i = 0; i < 2000; i++) {
  if (i % 100 === 0) await new Promise((r) => setTimeout(r, 5));
  log.info({ i, pad: 'x'.repeat(100) }, 'line');
}
log.info('last');
process.exit(0);
`;

describe('stderrLogger', () => {
  test('every line reaches a reader that starts late, the last one included, though the process exits at once', async () => {
    requireBuiltCli();
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], { stdio: ['ignore', 'ignore', 'pipe'] });
    // the reader waits while the pipe fills up
    child.stderr!.pause();
    let out = '';
    setTimeout(() => {
      child.stderr!.on('data', (c: Buffer) => (out += c));
      child.stderr!.resume();
    }, 300);
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; i?: number });
    expect(lines.filter((l) => l.msg === 'line').map((l) => l.i)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(lines.at(-1)!.msg).toBe('last');
  });
});
