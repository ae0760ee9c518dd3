// The GraphQL server: Apollo Server over node:http, read-only over the warehouse. A bearer token is checked
// (in constant time) before a request is read; without a token the server listens on loopback only. A second,
// separate write token is the only way to change anything (acknowledgeAlert, resolveAlert): the read token
// cannot, and without a write token configured every mutation is refused. Tokens are never logged or echoed.
// The same port serves the console (console.md): its files, sign-in to a session cookie, and the security headers
// on every answer. `serve` runs it; the daemon reuses startGraphqlServer.
import type { ApolloServerPlugin } from '@apollo/server';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIP, type AddressInfo } from 'node:net';
import type { Logger } from '../api/index.js';
import { join } from 'node:path';
import { alertStoreSession } from './alert-store.js';
import { applySecurityHeaders } from './console/headers.js';
import { SessionStore, sessionIdFrom, type SessionKind } from './console/sessions.js';
import { consoleSite, sameOrigin, sendText } from './console/site.js';
import { SignInLimit } from './console/sign-in-limit.js';
import { loadStaticFiles } from './console/static-files.js';
import type { GraphqlContext } from './context.js';
import { Warehouse, type WarehouseOptions } from './warehouse.js';

export const DEFAULT_GRAPHQL_PORT = 4000;
export const DEFAULT_GRAPHQL_HOST = '127.0.0.1';
export const GRAPHQL_PATH = '/graphql';
export const TOKEN_ENV = 'COMPLIANCE_LAKE_GRAPHQL_TOKEN';
export const WRITE_TOKEN_ENV = 'COMPLIANCE_LAKE_GRAPHQL_WRITE_TOKEN';
/** A GraphQL request is a query text and variables: 1 MiB is far more than any real one. */
const MAX_BODY_BYTES = 1024 * 1024;
/** Parsing cost is bounded before validation: a query with more tokens is refused. */
const MAX_QUERY_TOKENS = 10_000;
/** A request must arrive whole within this time (slow senders do not hold sockets forever). */
const REQUEST_TIMEOUT_MS = 60_000;
/** After this long, close() drops connections still open. */
const CLOSE_GRACE_MS = 10_000;
const MIN_TOKEN_LENGTH = 16;
/** The config file's default name in the data dir (as `sync` and `run` read it: src/cli/sync.ts). */
const CONFIG_FILE = 'compliance-lake.config.json';

export interface GraphqlServerOptions {
  dataDir: string;
  port?: number;
  host?: string;
  /** The bearer token clients must send; null or empty: no auth, allowed on loopback only. */
  token?: string | null;
  /** The bearer token mutations need (it also reads); null or empty: mutations are refused. */
  writeToken?: string | null;
  /** The config file rules' settings come from; default <dataDir>/compliance-lake.config.json. */
  configPath?: string;
  logger?: Logger;
  warehouse?: WarehouseOptions;
  /** PEM certificate and key: the port speaks HTTPS and the session cookie is Secure (console.md §4). */
  tls?: TlsFiles | null;
  /** A TLS proxy in front terminates HTTPS: the session cookie is Secure although this port speaks HTTP (console.md §4). */
  secureCookie?: boolean;
  /** The clock console sessions expire by (tests move it). */
  now?: () => number;
}

export interface TlsFiles {
  cert: string | Buffer;
  key: string | Buffer;
}

export interface GraphqlServer {
  url: string;
  /** The console's address (the same port, path /). */
  consoleUrl: string;
  /** True when requests need the bearer token. */
  authenticated: boolean;
  /** True when a write token is configured (mutations are possible with it). */
  writable: boolean;
  close(): Promise<void>;
}

/** The server cannot start with these settings (a usage error, not a crash). */
export class GraphqlServerConfigError extends Error {
  override name = 'GraphqlServerConfigError';
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

export async function startGraphqlServer(options: GraphqlServerOptions): Promise<GraphqlServer> {
  const host = options.host ?? DEFAULT_GRAPHQL_HOST;
  const port = options.port ?? DEFAULT_GRAPHQL_PORT;
  const token = options.token ? options.token : null;
  const logger = options.logger ?? silentLogger;
  if (!token && !isLoopback(host)) {
    throw new GraphqlServerConfigError(
      `refusing to serve GraphQL on ${host} without a token: anyone who can reach it could read the compliance data. ` +
        `Set ${TOKEN_ENV} or pass --token-file FILE, or listen on 127.0.0.1`,
    );
  }
  if (token && token.length < MIN_TOKEN_LENGTH) logger.warn({}, `graphql: the bearer token is shorter than ${MIN_TOKEN_LENGTH} characters; use a long random one`);
  const writeToken = options.writeToken ? options.writeToken : null;
  if (writeToken && token && writeToken === token) {
    throw new GraphqlServerConfigError(`the write token must differ from the read token: anyone who can read could change alerts. Set ${WRITE_TOKEN_ENV} (or --write-token-file) to another value`);
  }
  if (writeToken && writeToken.length < MIN_TOKEN_LENGTH) logger.warn({}, `graphql: the write token is shorter than ${MIN_TOKEN_LENGTH} characters; use a long random one`);
  const tokenDigest = token ? digest(token) : null;
  const writeDigest = writeToken ? digest(writeToken) : null;
  const configPath = options.configPath ?? join(options.dataDir, CONFIG_FILE);
  const secure = Boolean(options.tls) || options.secureCookie === true;
  if (!options.tls && !isLoopback(host)) {
    logger.warn(
      { host },
      `graphql: listening on ${host} over plain HTTP: the token and the console's session cookie travel in clear. ` +
        'Pass --tls-cert FILE and --tls-key FILE to serve HTTPS, or listen on 127.0.0.1 behind a TLS proxy',
    );
  }
  const sessions = new SessionStore(options.now);
  // both comparisons always run: the time taken says nothing about which token (if any) was close
  const checkToken = (given: string): SessionKind | null => {
    const d = digest(given);
    const isWrite = writeDigest !== null && timingSafeEqual(d, writeDigest);
    const isRead = tokenDigest !== null && timingSafeEqual(d, tokenDigest);
    return isWrite ? 'write' : isRead ? 'read' : null;
  };
  const site = consoleSite({
    files: loadStaticFiles(logger),
    sessions,
    checkToken,
    secure,
    signInLimit: new SignInLimit(options.now),
    signInRequired: tokenDigest !== null,
    logger,
  });

  // Apollo, graphql-js and the schema (type-graphql) are loaded here, not when the module is: every CLI command imports this
  // module for its constants, and only `serve`, `run` and `demo` start a server (about a second of CPU saved).
  const [{ ApolloServer, HeaderMap }, disabled, { buildGraphqlSchema }, { ErrorCode, formatErrorFor }, { complexityLimitRule, depthLimitRule }] = await Promise.all([
    import('@apollo/server'),
    import('@apollo/server/plugin/disabled'),
    import('./schema.js'),
    import('./errors.js'),
    import('./limits.js'),
  ]);
  const warehouse = new Warehouse(options.dataDir, options.warehouse);
  const apollo = new ApolloServer<GraphqlContext>({
    schema: buildGraphqlSchema(),
    validationRules: [depthLimitRule(), complexityLimitRule()],
    formatError: formatErrorFor(logger),
    includeStacktraceInErrorResponses: false,
    introspection: true,
    allowBatchedHttpRequests: false,
    persistedQueries: false,
    parseOptions: { maxTokens: MAX_QUERY_TOKENS },
    stopOnTerminationSignals: false,
    logger: apolloLogger(logger),
    plugins: [
      disabled.ApolloServerPluginLandingPageDisabled(),
      // Nothing about the data or the schema leaves this machine, even with APOLLO_KEY in the environment.
      disabled.ApolloServerPluginUsageReportingDisabled(),
      disabled.ApolloServerPluginSchemaReportingDisabled(),
      disabled.ApolloServerPluginInlineTraceDisabled(),
    ] as ApolloServerPlugin<GraphqlContext>[],
  });
  await apollo.start();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    applySecurityHeaders(res);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== GRAPHQL_PATH) return site(req, res, url);
    res.setHeader('cache-control', 'no-store');
    // A bearer header is judged alone; without one, the console's session cookie. Both token comparisons always
    // run: the time taken says nothing about which token (if any) was close.
    const bearer = Boolean(req.headers.authorization);
    const isWrite = writeDigest !== null && authorized(req.headers.authorization, writeDigest);
    const isRead = tokenDigest !== null && authorized(req.headers.authorization, tokenDigest);
    const session = bearer ? null : sessions.touch(sessionIdFrom(req.headers.cookie));
    if (session && !sameOrigin(req)) {
      req.resume();
      return sendText(res, 403, 'refused: a request with the console session must come from the console pages themselves (the browser says another site sent it)\n');
    }
    if (tokenDigest && !isRead && !isWrite && !session) {
      req.resume();
      logger.info({ method: req.method, status: 401, remote: req.socket.remoteAddress }, 'graphql: rejected a request without the right bearer token or session');
      res.setHeader('www-authenticate', 'Bearer realm="compliance-lake"');
      return sendJson(res, 401, {
        errors: [{ message: 'missing or wrong bearer token: send the header "Authorization: Bearer <token>", or sign in on the console at /', extensions: { code: ErrorCode.unauthenticated } }],
      });
    }
    let body: unknown;
    try {
      body = await readBody(req);
    } catch (err) {
      const tooLarge = err instanceof BodyTooLargeError;
      return sendJson(res, tooLarge ? 413 : 400, {
        errors: [{ message: tooLarge ? `the request body is larger than ${MAX_BODY_BYTES} bytes` : 'the request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }],
      });
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const db = warehouse.session();
    const alerts = alertStoreSession(options.dataDir);
    const auth = { write: isWrite || session?.kind === 'write', writeConfigured: writeDigest !== null, authenticated: isRead || isWrite || session !== null };
    try {
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: url.search, body },
        context: async () => ({ db, dataDir: options.dataDir, warehouseBuiltAt: () => warehouse.builtAt(), now: new Date(), memo: new Map(), alerts, auth, configPath, logger }),
      });
      for (const [key, value] of response.headers) res.setHeader(key, value);
      res.statusCode = response.status ?? 200;
      if (response.body.kind === 'complete') res.end(response.body.string);
      else {
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      }
      logger.info({ method: req.method, status: res.statusCode, ms: Date.now() - started }, 'graphql: request');
    } finally {
      db.release();
      alerts.close();
    }
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      logger.error({ error: err instanceof Error ? err.message : String(err) }, 'graphql: request failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: ErrorCode.internal } }] });
      else res.destroy();
    });
  };
  let server: Server;
  try {
    server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : createServer(onRequest);
  } catch (err) {
    await apollo.stop();
    await warehouse.close();
    throw new GraphqlServerConfigError(`cannot use the TLS certificate and key: ${(err as Error).message}; pass a PEM certificate (--tls-cert) and its unencrypted PEM private key (--tls-key)`);
  }
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  try {
    await listen(server, port, host);
  } catch (err) {
    await apollo.stop();
    await warehouse.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  const urlHost = host === 'localhost' ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const origin = `${options.tls ? 'https' : 'http'}://${urlHost}:${address.port}`;
  const publicUrl = `${origin}${GRAPHQL_PATH}`;

  let closing: Promise<void> | null = null;
  return {
    url: publicUrl,
    consoleUrl: `${origin}/`,
    authenticated: tokenDigest !== null,
    writable: writeDigest !== null,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        await closed;
        clearTimeout(force);
        await apollo.stop();
        await warehouse.close();
      })();
      return closing;
    },
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Compares digests, so the comparison takes the same time whatever the length or content of the guess. */
function authorized(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer[ \t]+(.+?)[ \t]*$/i.exec(header ?? '');
  const given = digest(match ? match[1] : '');
  return timingSafeEqual(given, expected) && match !== null;
}

class BodyTooLargeError extends Error {}

/** The body, parsed when JSON. Past the size limit the rest is drained unread (the connection stays usable). */
function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (tooLarge) return reject(new BodyTooLargeError());
      if (size === 0) return resolve(undefined);
      const text = Buffer.concat(chunks).toString('utf8');
      const type = (req.headers['content-type'] ?? '').toLowerCase();
      // Apollo's CSRF protection refuses other content types with a clear message; JSON is parsed here.
      try {
        resolve(type.startsWith('application/json') || type.includes('+json') ? (JSON.parse(text) as unknown) : text);
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(payload));
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const reason = err.code === 'EADDRINUSE' ? `port ${port} is in use` : err.code === 'EADDRNOTAVAIL' ? `${host} is not an address of this machine` : err.message;
      reject(new GraphqlServerConfigError(`cannot listen on ${host}:${port}: ${reason}`));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function apolloLogger(logger: Logger) {
  const text = (args: unknown[]) => args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');
  return {
    debug: (...args: unknown[]) => logger.debug({}, `apollo: ${text(args)}`),
    info: (...args: unknown[]) => logger.info({}, `apollo: ${text(args)}`),
    warn: (...args: unknown[]) => logger.warn({}, `apollo: ${text(args)}`),
    error: (...args: unknown[]) => logger.error({}, `apollo: ${text(args)}`),
  };
}
