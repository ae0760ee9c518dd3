// `--location`: the URI of the data dir as an engine sees it (schema/ddl.md § Where the files are). A local
// path or file: URI, or an object store or HTTP URI whose prefix mirrors the data dir (what `publish` writes).
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError } from '../cli/config.js';

export type Scheme = 'file' | 's3' | 's3a' | 'gs' | 'gcs' | 'azure' | 'abfss' | 'http' | 'https';

export interface Location {
  scheme: Scheme;
  /** For `file`: the absolute local path. Otherwise the URI without a trailing slash. */
  base: string;
}

const REMOTE = /^(s3|s3a|gs|gcs|azure|abfss|http|https):\/\/([^/]+)(\/.*)?$/;

/** Parses `--location`; without one, the data dir itself. */
export function parseLocation(value: string | undefined, dataDir: string): Location {
  if (value === undefined || value === '') return { scheme: 'file', base: resolve(dataDir) };
  if (value.startsWith('file:')) {
    let path: string;
    try {
      path = fileURLToPath(value);
    } catch {
      throw new ConfigError(`--location ${value}: not a valid file: URI; use file:///absolute/path or a plain path`);
    }
    return { scheme: 'file', base: trimSlash(path) };
  }
  const m = REMOTE.exec(value);
  if (m) return { scheme: m[1] as Scheme, base: trimSlash(value) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new ConfigError(
      `--location ${value}: unknown scheme; use s3://bucket/prefix, gs://, gcs://, azure://, abfss://, https:// (an S3-compatible endpoint), file:///path or a local path`,
    );
  }
  return { scheme: 'file', base: trimSlash(resolve(value)) };
}

/** The location as a URI (local paths as file:///…). */
export function locationUri(location: Location): string {
  return location.scheme === 'file' ? trimSlash(pathToFileURL(location.base).href) : location.base;
}

/** `base/relative`, for local paths and URIs alike. */
export function under(base: string, relative: string): string {
  return `${trimSlash(base)}/${relative}`;
}

function trimSlash(s: string): string {
  return s.length > 1 ? s.replace(/\/+$/, '') : s;
}
