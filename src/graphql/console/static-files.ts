// The console's files (console.md §1): the page's own files from console/ and the vendor files it loads from
// installed packages. Both are explicit allow-lists built when the server starts; a URL only ever selects an
// entry of a list, it never becomes a path.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import type { Logger } from '../../api/index.js';
import { packageRoot } from '../../models/catalog.js';

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
};
/** What /assets/ serves from console/; HTML pages are served at their own routes only. */
const ASSET_EXTENSIONS = new Set(['.js', '.mjs', '.css', '.svg', '.png', '.ico', '.woff2']);

/** Vendor files by URL (/vendor/<lib>/<file>): the package and the file inside it. */
const VENDOR_FILES: Readonly<Record<string, { pkg: string; file: string }>> = {
  'uplot/uPlot.esm.js': { pkg: 'uplot', file: 'dist/uPlot.esm.js' },
  'uplot/uPlot.iife.min.js': { pkg: 'uplot', file: 'dist/uPlot.iife.min.js' },
  'uplot/uPlot.min.css': { pkg: 'uplot', file: 'dist/uPlot.min.css' },
  'react/react.production.min.js': { pkg: 'react', file: 'umd/react.production.min.js' },
  'react-dom/react-dom.production.min.js': { pkg: 'react-dom', file: 'umd/react-dom.production.min.js' },
  'graphiql/index.umd.js': { pkg: 'graphiql', file: 'dist/index.umd.js' },
  'graphiql/style.css': { pkg: 'graphiql', file: 'dist/style.css' },
};

export interface StaticFile {
  path: string;
  contentType: string;
  cacheControl: string;
}

export interface StaticFiles {
  /** The console's HTML shell (GET /). */
  shell: StaticFile | null;
  /** GraphiQL's page (GET /explorer). */
  explorer: StaticFile | null;
  asset(name: string): StaticFile | null;
  vendor(name: string): StaticFile | null;
}

/** Static answers: the shell and assets are revalidated on every load, vendor files (fixed by the lockfile) kept an hour. */
const NO_CACHE = 'no-cache';
const VENDOR_CACHE = 'max-age=3600';

export function consoleDir(): string {
  return join(packageRoot(), 'console');
}

export function loadStaticFiles(logger: Logger, dir = consoleDir()): StaticFiles {
  const assets = new Map<string, StaticFile>();
  for (const path of listFiles(dir)) {
    const ext = extname(path);
    if (!ASSET_EXTENSIONS.has(ext)) continue;
    assets.set(relative(dir, path).split(sep).join('/'), { path, contentType: CONTENT_TYPES[ext], cacheControl: NO_CACHE });
  }
  const page = (name: string): StaticFile | null => {
    const path = join(dir, name);
    if (existsSync(path)) return { path, contentType: CONTENT_TYPES['.html'], cacheControl: NO_CACHE };
    logger.warn({ file: path }, 'console: the page file is missing; reinstall compliance-lake');
    return null;
  };
  const require = createRequire(import.meta.url);
  const vendor = new Map<string, StaticFile>();
  for (const [name, { pkg, file }] of Object.entries(VENDOR_FILES)) {
    let path: string;
    try {
      path = join(dirname(require.resolve(`${pkg}/package.json`)), file);
    } catch {
      logger.warn({ package: pkg }, `console: the package ${pkg} is not installed; run \`npm ci\``);
      continue;
    }
    if (!existsSync(path)) {
      logger.warn({ package: pkg, file }, `console: ${pkg} has no ${file}; run \`npm ci\``);
      continue;
    }
    vendor.set(name, { path, contentType: CONTENT_TYPES[extname(file)], cacheControl: VENDOR_CACHE });
  }
  return {
    shell: page('index.html'),
    explorer: page('explorer.html'),
    asset: (name) => assets.get(name) ?? null,
    vendor: (name) => vendor.get(name) ?? null,
  };
}

export function readStaticFile(file: StaticFile): Buffer {
  return readFileSync(file.path);
}

/** A validator for If-None-Match: the file's size and modification time (a reinstall or an edit changes it). */
export function staticEtag(file: StaticFile): string {
  const st = statSync(file.path);
  return `"${st.size.toString(36)}-${Math.floor(st.mtimeMs).toString(36)}"`;
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // dot files and symlinks are never served
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}
