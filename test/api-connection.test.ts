// A wrong base URL is reported at once, naming the cause and the URL (never the key); a server that answered
// before and then dies is retried, then reported. Real sockets on loopback: a refused port, a `.invalid` host
// name, a TLS endpoint with a self-signed certificate, and the simulator stopped mid-walk.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ComplianceClient, ConnectionError, NetworkError } from '../src/api/index.js';
import { runCli, requireBuiltCli } from './support/crash-harness.js';
import { tempDataDir } from './support/lake-harness.js';
import { KEYS, captureLogger, expectNoSecrets, makeSim, simTime } from './support/sim-harness.js';

/** A port on 127.0.0.1 that nothing listens on: bound once by us, then released. */
async function refusedPort(): Promise<number> {
  const server = createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function client(baseUrl: string, extra: Partial<ConstructorParameters<typeof ComplianceClient>[0]> = {}) {
  const logs = captureLogger();
  const waits: number[] = [];
  const requests: unknown[] = [];
  const c = new ComplianceClient({
    apiKey: KEYS.full,
    baseUrl,
    maxRetries: 5,
    requestsPerMinute: 0,
    timeoutMs: 10_000,
    logger: logs.logger,
    onRequest: (info) => requests.push(info),
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...extra,
  });
  return { client: c, logs, waits, requests };
}

function surfaces(err: unknown): string[] {
  const e = err as Error;
  return [e.message, String(e.stack), JSON.stringify(e), String((e.cause as Error | undefined)?.message)];
}

describe('a base URL that never answered is a configuration problem, reported at once', () => {
  test('a refused port on 127.0.0.1', async () => {
    const port = await refusedPort();
    const url = `http://127.0.0.1:${port}`;
    const h = client(url);
    const err = await h.client.activities.list({ limit: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toBeInstanceOf(NetworkError);
    const e = err as ConnectionError;
    expect(e.configuration).toBe(true);
    expect(e.reason).toBe('refused');
    expect(e.code).toBe('ECONNREFUSED');
    expect(e.attempts).toBe(1);
    expect(h.requests).toHaveLength(1);
    expect(h.waits).toEqual([]);
    expect(e.message).toContain(`cannot connect to ${url}: connection refused`);
    expect(e.message).toContain('--base-url');
    expectNoSecrets([...surfaces(err), ...h.logs.lines], 'refused');
  });

  test('a host name that does not resolve (.invalid)', async () => {
    const url = 'http://compliance-lake-test.invalid:8787';
    const h = client(url);
    const err = await h.client.organizations.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    const e = err as ConnectionError;
    expect(e.configuration).toBe(true);
    expect(e.reason).toBe('dns');
    expect(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL']).toContain(e.code);
    expect(e.attempts).toBe(1);
    expect(e.message).toContain(`cannot connect to ${url}: host name not resolved`);
    expectNoSecrets([...surfaces(err), ...h.logs.lines], 'dns');
  });

  describe('a TLS endpoint with a self-signed certificate', () => {
    let dir: string | undefined;
    let url = '';
    let close = async () => {};
    let skip: string | null = null;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'cl-tls-'));
      try {
        execFileSync(
          'openssl',
          ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
            '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
          { stdio: 'ignore' },
        );
      } catch {
        skip = 'openssl is not available to make a certificate';
        return;
      }
      const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[],"has_more":false}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      close = () => new Promise<void>((resolve) => server.close(() => resolve()));
    });
    afterAll(async () => {
      await close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('is refused as a certificate problem, at once', async (ctx) => {
      if (skip) ctx.skip(skip);
      const h = client(url);
      const err = await h.client.activities.list({ limit: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionError);
      const e = err as ConnectionError;
      expect(e.configuration).toBe(true);
      expect(e.reason).toBe('tls');
      expect(e.code).toMatch(/SELF_SIGNED|CERT/);
      expect(e.attempts).toBe(1);
      expect(e.message).toContain(`cannot connect to ${url}: TLS/certificate problem`);
      expectNoSecrets([...surfaces(err), ...h.logs.lines], 'tls');
    });
  });
});

test('a simulator that dies mid-walk: retried with backoff, then a clear ConnectionError (not a configuration one)', async () => {
  const sim = makeSim({ sim: { rpm: 0 } });
  const server = await sim.listen(0, '127.0.0.1');
  const time = simTime(sim);
  const h = client(server.url, { maxRetries: 3, now: time.now, sleep: time.sleep });
  const pages: number[] = [];
  const err = await (async () => {
    for await (const page of h.client.activities.pages({ limit: 100 })) {
      pages.push(page.data.length);
      if (pages.length === 2) await server.close();
    }
  })().then(
    () => null,
    (e: unknown) => e,
  );
  expect(pages).toEqual([100, 100]);
  expect(err).toBeInstanceOf(ConnectionError);
  const e = err as ConnectionError;
  expect(e.configuration).toBe(false);
  expect(e.reason).toBe('refused');
  expect(e.attempts).toBe(4);
  // three backoff waits: 1 s, 2 s, 4 s (jitter ±25 %)
  expect(time.slept).toHaveLength(3);
  time.slept.forEach((ms, i) => {
    expect(ms).toBeGreaterThanOrEqual(750 * 2 ** i);
    expect(ms).toBeLessThanOrEqual(1250 * 2 ** i);
  });
  expect(e.message).toContain(`cannot connect to ${server.url}: connection refused`);
  expect(e.message).toContain('answered earlier');
  // each retry names its cause (the first may meet the closing keep-alive socket instead of a refused port)
  const retries = h.logs.lines.filter((l) => l.includes('retrying'));
  expect(retries).toHaveLength(3);
  for (const l of retries) expect(l).toMatch(/connection refused|connection closed by the other side/);
  expect(retries.at(-1)).toContain('connection refused');
  expectNoSecrets([...surfaces(err), ...h.logs.lines], 'died');
});

test('`sync` against a refused port exits 2 at once with the cause and the URL', async () => {
  requireBuiltCli();
  const port = await refusedPort();
  const { dir, cleanup } = tempDataDir('cl-conn-cli-');
  try {
    const run = await runCli(['sync', '--data-dir', dir, '--base-url', `http://127.0.0.1:${port}`, '--quiet'], {
      ANTHROPIC_COMPLIANCE_API_KEY: KEYS.full,
    });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(`cannot connect to http://127.0.0.1:${port}: connection refused`);
    expect(run.stderr).toContain('--base-url');
    expectNoSecrets([run.stdout, run.stderr], 'cli');
  } finally {
    cleanup();
  }
});
