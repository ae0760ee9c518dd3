// Commands that read an existing lake refuse a directory that holds none, before they create anything there:
// a mistyped --data-dir must not turn into an empty lake and a "successful" run.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { manifestsDir } from '../lake/manifest.js';
import { ConfigError } from './config.js';

/** Throws a ConfigError (exit 2) naming the path and what to run first, unless `dataDir` holds a lake. */
export function requireLake(dataDir: string, command: string): void {
  const manifests = manifestsDir(join(dataDir, 'lake'));
  if (existsSync(manifests) && statSync(manifests).isDirectory()) return;
  const abs = resolve(dataDir);
  const what = existsSync(abs) ? `${abs} holds no lake (no lake/_manifests/)` : `${abs} does not exist`;
  throw new ConfigError(
    `${command}: ${what}. Run \`compliance-lake sync --data-dir ${dataDir}\` (or \`compliance-lake run\`) first to create it, ` +
      'or point --data-dir at an existing data directory (or, for verify, an export).',
  );
}
