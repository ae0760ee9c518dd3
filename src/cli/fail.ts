// How the command line ends on a failure: a message that says what went wrong and what to do (never a secret,
// never a bare stack trace), and the exit code. Shared by every command (src/cli/program.ts) and by `sync`'s
// own light entry (src/cli/sync-command.ts).
import { ComplianceApiError, ConnectionError } from '../api/index.js';
import { LakeCorruptError } from '../lake/lake.js';
import { LockedError } from '../lake/lock.js';
import { StateRebuildRefused } from '../state/index.js';
import { ConfigError } from './config.js';

export function clearProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
}

/** Exit codes: 1 an API or runtime failure, 2 a configuration or usage error. */
export function fail(err: unknown): never {
  clearProgress();
  if (err instanceof ConfigError || (err instanceof ConnectionError && err.configuration)) {
    process.stderr.write(`compliance-lake: ${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof LockedError || err instanceof LakeCorruptError || err instanceof StateRebuildRefused) {
    process.stderr.write(`compliance-lake: ${err.message}\n`);
    process.exit(1);
  }
  if (err instanceof ComplianceApiError) {
    // The client's errors are built from safe parts only (method, path, status, request id, API message).
    process.stderr.write(`compliance-lake: ${err.message}\n`);
    process.exit(1);
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`compliance-lake: unexpected failure: ${message}\n`);
  if (process.env.COMPLIANCE_LAKE_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}
