// `serve`: the GraphQL API over the warehouse until SIGINT or SIGTERM. The bearer token comes from
// COMPLIANCE_LAKE_GRAPHQL_TOKEN or --token-file and is never printed; without one, loopback only. The write
// token (acknowledgeAlert, resolveAlert) comes from COMPLIANCE_LAKE_GRAPHQL_WRITE_TOKEN or --write-token-file.
// The same port serves the console (console.md); --tls-cert/--tls-key make it HTTPS.
import { stderrLogger } from './log.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_GRAPHQL_HOST, DEFAULT_GRAPHQL_PORT, GraphqlServerConfigError, TOKEN_ENV, WRITE_TOKEN_ENV, startGraphqlServer } from '../graphql/server.js';
import { WAREHOUSE_FILE } from '../graphql/warehouse.js';
import { ConfigError, DEFAULTS, intOption, loadTlsFiles, type TlsFlags } from './config.js';
import { requireLake } from './lake-guard.js';

interface ServeFlags extends TlsFlags {
  port?: string;
  host?: string;
  dataDir: string;
  tokenFile?: string;
  writeTokenFile?: string;
  config?: string;
  quiet?: boolean;
}

/** The token from --token-file, else from the environment; null when neither gives one. */
export function loadGraphqlToken(flags: { tokenFile?: string }, env: NodeJS.ProcessEnv = process.env): string | null {
  return tokenFrom('--token-file', flags.tokenFile, env[TOKEN_ENV]);
}

/** The write token from --write-token-file, else from the environment; null: mutations are refused. */
export function loadGraphqlWriteToken(flags: { writeTokenFile?: string }, env: NodeJS.ProcessEnv = process.env): string | null {
  return tokenFrom('--write-token-file', flags.writeTokenFile, env[WRITE_TOKEN_ENV]);
}

function tokenFrom(flag: string, file: string | undefined, fromEnv: string | undefined): string | null {
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`${flag}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const token = text.trim();
    if (!token) throw new ConfigError(`${flag}: ${file} is empty`);
    return token;
  }
  return fromEnv?.trim() || null;
}

/** --tls-cert and --tls-key, the same on serve, run and demo (console.md §4). */
export function tlsOptions(cmd: Command): Command {
  return cmd
    .option('--tls-cert <file>', 'PEM certificate: serve GraphQL and the console over HTTPS (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--secure-cookie', 'mark the console\'s session cookie Secure although this port speaks HTTP (a TLS proxy in front serves HTTPS)');
}

export function registerServeCommands(program: Command): Command {
  const cmd = program
    .command('serve')
    .description('serve the read-only GraphQL API over the warehouse (data/warehouse.duckdb) until interrupted')
    .option('--port <n>', 'port (0 picks a free one)', String(DEFAULT_GRAPHQL_PORT))
    .option('--host <addr>', 'address to listen on; anything but loopback needs a token', DEFAULT_GRAPHQL_HOST)
    .option('--data-dir <dir>', 'data directory (warehouse.duckdb, state.sqlite)', DEFAULTS.dataDir)
    .option('--token-file <file>', `file holding the bearer token clients must send (default env ${TOKEN_ENV})`)
    .option('--write-token-file <file>', `file holding the separate token acknowledgeAlert, resolveAlert and reopenAlert need (default env ${WRITE_TOKEN_ENV}; none: no changes)`)
    .option('--config <file>', 'settings file the rules\' settings come from (default <data-dir>/compliance-lake.config.json)');
  tlsOptions(cmd)
    .option('--quiet', 'log warnings and errors only')
    .action(async (flags: ServeFlags) => {
      await runServe(flags);
    });
  return program;
}

async function runServe(flags: ServeFlags): Promise<void> {
  const token = loadGraphqlToken(flags);
  const writeToken = loadGraphqlWriteToken(flags);
  const tls = loadTlsFiles(flags);
  const port = intOption('--port', flags.port, DEFAULT_GRAPHQL_PORT);
  if (port > 65_535) throw new ConfigError(`--port must be at most 65535; got ${port}`);
  requireLake(flags.dataDir, 'serve');
  const { log, logger } = stderrLogger(flags.quiet ? 'warn' : 'info');
  let server;
  try {
    server = await startGraphqlServer({ dataDir: flags.dataDir, port, host: flags.host ?? DEFAULT_GRAPHQL_HOST, token, writeToken, tls, secureCookie: flags.secureCookie === true, configPath: flags.config, logger });
  } catch (err) {
    if (err instanceof GraphqlServerConfigError) throw new ConfigError(err.message);
    throw err;
  }
  const out = (text: string) => process.stdout.write(text + '\n');
  out(`GraphQL API on ${server.url} (${server.writable ? 'read-only, except acknowledgeAlert, resolveAlert and reopenAlert with the write token' : 'read-only'})`);
  out(
    server.authenticated
      ? 'Clients must send "Authorization: Bearer <token>" (the token from --token-file or ' + TOKEN_ENV + ').'
      : `No token configured: serving WITHOUT authentication, on loopback only. Set ${TOKEN_ENV} or pass --token-file to require one.`,
  );
  out(`Console on ${server.consoleUrl}${server.authenticated ? ` (sign in with the token${server.writable ? ', or the write token to change alerts' : ''})` : ''}; GraphiQL on ${server.consoleUrl}explorer`);
  if (!existsSync(join(flags.dataDir, WAREHOUSE_FILE))) {
    out(`Note: ${join(flags.dataDir, WAREHOUSE_FILE)} does not exist yet; queries over the data fail until \`compliance-lake models build\` creates it (syncStatus works).`);
  }
  out(`Try: curl -s ${server.url}${tls ? ` --cacert ${flags.tlsCert}` : ''} -H 'content-type: application/json'${server.authenticated ? ` -H "Authorization: Bearer <token>"` : ''} -d '{"query":"{ syncStatus { streams { stream lagSeconds records } } }"}'`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  out('Stopping: finishing requests in flight ...');
  await server.close();
  out('Stopped.');
}
