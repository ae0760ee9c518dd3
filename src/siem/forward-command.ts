// `compliance-lake forward`: one pass (or --follow), a line per destination on stdout, JSON log lines on stderr
// for retries and failures; exit 1 when a destination did not take everything (its cursor stays, nothing lost).
import { resolve, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, DEFAULTS, intOption } from '../cli/config.js';
import { stderrLogger } from '../cli/log.js';
import { durationOption } from '../cli/sync.js';
import { readConfigFile } from '../detections/config.js';
import { StateStore } from '../state/index.js';
import { type ActivityCursor, type AlertCursor, forwardPass, type DestinationResult } from './forward.js';
import { parseForwardConfig, type ForwardDestination } from './forward-config.js';

export interface ForwardFlags {
  dataDir: string;
  config?: string;
  destinations?: string;
  follow?: boolean;
  interval?: string;
  maxAttempts?: string;
  status?: boolean;
}

/** The destinations of the config file's `forward` block, narrowed by --destinations. */
export function loadForwardDestinations(flags: Pick<ForwardFlags, 'dataDir' | 'config' | 'destinations'>): ForwardDestination[] {
  const file = readConfigFile({ dataDir: flags.dataDir, config: flags.config });
  const baseDir = flags.config ? dirname(resolve(flags.config)) : resolve(flags.dataDir);
  const { destinations } = parseForwardConfig(file.forward, { baseDir });
  if (destinations.length === 0) {
    throw new ConfigError(`forward: the config file (${flags.config ?? `${flags.dataDir}/compliance-lake.config.json`}) has no "forward": {"destinations": [...]}; see schema/ocsf.md §5`);
  }
  if (flags.destinations === undefined) return destinations;
  const wanted = flags.destinations.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted.filter((n) => !destinations.some((d) => d.name === n));
  if (unknown.length || !wanted.length) throw new ConfigError(`--destinations: unknown ${unknown.map((n) => `"${n}"`).join(', ') || '(none given)'}; configured: ${destinations.map((d) => d.name).join(', ')}`);
  return destinations.filter((d) => wanted.includes(d.name));
}

export async function runForwardCommand(flags: ForwardFlags): Promise<number> {
  const destinations = loadForwardDestinations(flags);
  const maxAttempts = intOption('--max-attempts', flags.maxAttempts, DEFAULTS.forwardMaxAttempts, 1);
  const intervalMs = durationOption('--interval', flags.interval, 60_000);
  const state = StateStore.open(flags.dataDir);
  try {
    if (flags.status) {
      for (const d of destinations) {
        const a = state.forwardCursor(d.name, 'activities') as ActivityCursor | null;
        const al = state.forwardCursor(d.name, 'alerts') as AlertCursor | null;
        const watermark = a ? new Date(Number(BigInt(a.from) / 1000n)).toISOString() : 'nothing sent yet';
        const pending = a?.to ? `, pass in progress up to ${new Date(Number(BigInt(a.to) / 1000n)).toISOString()} (last sent ${a.after?.id ?? 'none'})` : '';
        process.stdout.write(`${d.name} (${d.type}, ${d.format}): activities arrived up to ${watermark}${pending}${d.alerts ? `; alerts up to #${al?.rowid ?? 0}` : ''}\n`);
      }
      return 0;
    }
    const { logger } = stderrLogger('info');
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      let failed = false;
      do {
        const results = await forwardPass({ dataDir: flags.dataDir, state, destinations, maxAttempts, logger, signal: stop.signal });
        for (const r of results) process.stdout.write(summary(r) + '\n');
        failed = results.some((r) => !r.ok);
        if (!flags.follow || stop.signal.aborted) break;
        await sleep(intervalMs, undefined, { signal: stop.signal }).catch(() => undefined);
      } while (!stop.signal.aborted);
      return failed && !stop.signal.aborted ? 1 : 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  } finally {
    state.close();
  }
}

function summary(r: DestinationResult): string {
  const sent = `${r.activities} activit${r.activities === 1 ? 'y' : 'ies'}${r.alerts ? ` and ${r.alerts} alert(s)` : ''} in ${r.batches} batch(es)`;
  return r.ok ? `${r.destination}: sent ${sent}` : `${r.destination}: FAILED after sending ${sent}: ${r.error} (the next run resumes from there)`;
}
