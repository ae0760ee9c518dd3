// The package version for the user-agent, read from package.json found by walking up from this file:
// two levels up when run from src/ (vitest), three from dist/src/ (compiled).

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'compliance-lake';

let cached: string | undefined;

export function packageVersion(): string {
  cached ??= findVersion(dirname(fileURLToPath(import.meta.url)));
  return cached;
}

export function defaultUserAgent(): string {
  return `${PACKAGE_NAME}/${packageVersion()}`;
}

function findVersion(start: string): string {
  let dir = start;
  for (let depth = 0; depth < 6; depth++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here; keep climbing
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return '0.0.0';
}
