// Starts the simulator CLI as a child process (so its memory is measured alone) and reads its peak RSS.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
export const BENCH_KEY = 'sk-ant-api01-bench-local-only-key';

export interface SimProcess {
  url: string;
  child: ChildProcess;
  /** Peak resident set size of the simulator process so far, bytes (Linux VmHWM). */
  peakRss(): number;
  stop(): Promise<void>;
}

export async function startSimulator(args: string[]): Promise<SimProcess> {
  const child = spawn(process.execPath, [CLI, 'simulate', '--port', '0', '--api-key', BENCH_KEY, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`simulator exited early with code ${code}`)));
  });
  return {
    url,
    child,
    peakRss() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const m = /VmHWM:\s+(\d+) kB/.exec(status);
      return m ? Number(m[1]) * 1024 : NaN;
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
