// Everything on the GraphQL port that is not /graphql (console.md §1): the shell, assets, vendor files, the
// explorer, sign-in and sign-out, and a plain-text 404 for the rest. None of it holds data.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { Logger } from '../../api/index.js';
import { type SessionKind, type SessionStore, sessionCookie, sessionIdFrom } from './sessions.js';
import type { SignInLimit } from './sign-in-limit.js';
import { type StaticFile, type StaticFiles, readStaticFile, staticEtag } from './static-files.js';

/** A sign-in form is one short field: anything longer is refused unread. */
const MAX_FORM_BYTES = 8 * 1024;
/** Smaller files are sent as they are (gzip would save little). */
const GZIP_MIN_BYTES = 1024;
/** The route a sign-in returns to (the page's `location.hash`, console.md §5): only the page's own `#/…` shapes. */
const NEXT_ROUTE = /^#\/[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]{0,500}$/;

export interface ConsoleSiteOptions {
  files: StaticFiles;
  sessions: SessionStore;
  /** Which session a token starts (compared in constant time by the caller); null: none. */
  checkToken(token: string): SessionKind | null;
  /** TLS here or at a proxy in front: the cookie is Secure. */
  secure: boolean;
  /** Failed sign-ins per client address (console.md §2). */
  signInLimit: SignInLimit;
  /** The server has a token: /graphql needs a session or the bearer header. */
  signInRequired: boolean;
  logger: Logger;
}

export type ConsoleSite = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

export function consoleSite(options: ConsoleSiteOptions): ConsoleSite {
  const { files, sessions, logger } = options;
  // gzipped bodies by path, for the ETag they were made from (GraphiQL is ~1 MB as is, ~0.3 MB gzipped)
  const gzipped = new Map<string, { etag: string; body: Buffer }>();
  return async (req, res, url) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    if (method === 'POST' && (path === '/login' || path === '/logout')) {
      if (!sameOrigin(req)) {
        req.resume();
        return sendText(res, 403, 'refused: this form must be sent from the console page itself (the browser says another site sent it)\n');
      }
      if (path === '/logout') {
        req.resume();
        sessions.end(sessionIdFrom(req.headers.cookie));
        res.setHeader('set-cookie', sessionCookie(null, options.secure));
        logger.info({}, 'console: signed out');
        return redirect(res, '/');
      }
      let form = '';
      try {
        form = await readForm(req);
      } catch {
        // too large or unreadable: the same answer as a wrong token
      }
      const next = formField(form, 'next');
      const back = next && NEXT_ROUTE.test(next) ? next : '';
      const address = req.socket.remoteAddress ?? 'unknown';
      if (options.signInLimit.retryAfterMs(address) > 0) {
        return redirect(res, `/?login=limited${back}`);
      }
      const token = formField(form, 'token');
      const kind = token ? options.checkToken(token) : null;
      if (!kind) {
        if (options.signInLimit.fail(address)) {
          logger.warn({ remote: address }, 'console: too many failed sign-ins from this address; refusing its sign-ins for 10 minutes');
        } else {
          logger.info({ remote: address }, 'console: sign-in refused (missing or wrong token)');
        }
        return redirect(res, `/?login=failed${back}`);
      }
      options.signInLimit.succeed(address);
      // a new id at every sign-in; the one the browser held (if any) ends
      sessions.end(sessionIdFrom(req.headers.cookie));
      res.setHeader('set-cookie', sessionCookie(sessions.create(kind), options.secure));
      logger.info({ kind, remote: address }, 'console: signed in');
      return redirect(res, `/${back}`);
    }
    req.resume();
    if (method !== 'GET' && method !== 'HEAD') return notFound(res);
    if (path === '/session') {
      // what the page needs before its first query, so a signed-out visit asks no question that fails (no data)
      const session = sessions.touch(sessionIdFrom(req.headers.cookie));
      res.setHeader('cache-control', 'no-store');
      res.setHeader('content-type', 'application/json; charset=utf-8');
      const state = { signInRequired: options.signInRequired, authenticated: session !== null, writable: session?.kind === 'write' };
      return void res.end(method === 'HEAD' ? undefined : JSON.stringify(state));
    }
    let file: StaticFile | null = null;
    if (path === '/') file = files.shell;
    else if (path === '/explorer') file = files.explorer;
    else if (path.startsWith('/assets/')) file = files.asset(decodePath(path.slice('/assets/'.length)));
    else if (path.startsWith('/vendor/')) file = files.vendor(decodePath(path.slice('/vendor/'.length)));
    if (!file) return notFound(res);
    const etag = staticEtag(file);
    res.setHeader('content-type', file.contentType);
    res.setHeader('cache-control', file.cacheControl);
    res.setHeader('etag', etag);
    // no-cache means "ask first": an unchanged file is a 304 without a body
    if (req.headers['if-none-match']?.split(',').some((tag) => tag.trim() === etag)) {
      res.statusCode = 304;
      return void res.end();
    }
    let body = readStaticFile(file);
    res.setHeader('vary', 'Accept-Encoding');
    if (body.length >= GZIP_MIN_BYTES && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      let cached = gzipped.get(file.path);
      if (cached?.etag !== etag) gzipped.set(file.path, (cached = { etag, body: gzipSync(body) }));
      body = cached.body;
      res.setHeader('content-encoding', 'gzip');
    }
    res.statusCode = 200;
    res.setHeader('content-length', body.length);
    res.end(method === 'HEAD' ? undefined : body);
  };
}

/** The request comes from a page of this server. Browsers say so in Sec-Fetch-Site; with Referrer-Policy
 * no-referrer a form post's Origin is "null", so Origin only decides for clients that send no Sec-Fetch-Site
 * (scripts send neither and pass: they hold the cookie only if someone handed it to them). */
export function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return origin !== 'null' && new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.end(text);
}

function notFound(res: ServerResponse): void {
  sendText(res, 404, 'not found: the console is at /, the GraphQL endpoint at /graphql\n');
}

function redirect(res: ServerResponse, location: string): void {
  res.statusCode = 303;
  res.setHeader('location', location);
  res.setHeader('cache-control', 'no-store');
  res.end();
}

/** A URL path segment as a lookup key; a malformed escape matches nothing. */
function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return '';
  }
}

function formField(body: string, name: string): string | null {
  const value = new URLSearchParams(body).get(name);
  return value === null ? null : value.trim() || null;
}

function readForm(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const type = (req.headers['content-type'] ?? '').toLowerCase();
    if (!type.startsWith('application/x-www-form-urlencoded')) {
      req.resume();
      return reject(new Error('not a form'));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_FORM_BYTES) chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => (size > MAX_FORM_BYTES ? reject(new Error('too large')) : resolve(Buffer.concat(chunks).toString('utf8'))));
  });
}
