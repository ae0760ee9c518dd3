// An S3 server for the publish tests: s3rver (from the npm registry) on 127.0.0.1 with its files in a temp
// dir, behind a loopback HTTP proxy that records every request's method, path and headers (s3rver ignores
// Object Lock and checksum headers, so the tests check what was sent here) and can drop a connection in
// the middle of a request body, or hold bodies back to slow a publish down.
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

/** s3rver's built-in account (it checks the access key id, not the SigV4 signature). */
export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' } as const;

export interface RecordedS3Request {
  method: string;
  /** Path without the query. */
  path: string;
  query: string;
  headers: IncomingMessage['headers'];
}

export interface S3Harness {
  /** The proxy's URL: what publish is pointed at. */
  endpoint: string;
  /** s3rver's own URL (no recording, no faults). */
  directEndpoint: string;
  /** s3rver's files on disk. */
  dir: string;
  requests: RecordedS3Request[];
  /** Drop the connection of the next `times` requests matching `match` after `afterBytes` bytes of their body. */
  dropBody(match: (r: RecordedS3Request) => boolean, afterBytes: number, times?: number): void;
  /** Answer requests matching `match` with an S3 error document instead of forwarding them. */
  failWith(match: (r: RecordedS3Request) => boolean, status: number, code: string): void;
  /** Wait this long before forwarding each request with a body (0: off). */
  setBodyDelay(ms: number): void;
  createBucket(name: string): Promise<void>;
  /** An SDK client straight to s3rver, for tests that read or change the remote behind publish's back. */
  client(): S3Client;
  close(): Promise<void>;
}

export async function startS3(): Promise<S3Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'cl-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir });
  const info = (await server.run()) as AddressInfo;
  const directEndpoint = `http://127.0.0.1:${info.port}`;
  const requests: RecordedS3Request[] = [];
  const drops: { match: (r: RecordedS3Request) => boolean; afterBytes: number; times: number }[] = [];
  let bodyDelayMs = 0;
  const failures: { match: (r: RecordedS3Request) => boolean; status: number; code: string }[] = [];

  const proxy: Server = createServer((req, res) => {
    const [path, query = ''] = (req.url ?? '/').split('?');
    const rec: RecordedS3Request = { method: req.method ?? 'GET', path: decodeURIComponent(path), query, headers: req.headers };
    requests.push(rec);
    const failure = failures.find((f) => f.match(rec));
    if (failure) {
      req.resume();
      req.on('end', () => {
        res.writeHead(failure.status, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${failure.code}</Code><Message>refused by the test proxy</Message></Error>`);
      });
      return;
    }
    const drop = drops.find((d) => d.times > 0 && d.match(rec));
    if (drop) drop.times--;
    const forward = () => {
      const upstream = httpRequest(`${directEndpoint}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      let seen = 0;
      req.on('data', (chunk: Buffer) => {
        if (drop && seen + chunk.length > drop.afterBytes) {
          // part of the body reaches the server, then both connections go away mid-body
          upstream.write(chunk.subarray(0, Math.max(0, drop.afterBytes - seen)));
          upstream.destroy();
          req.socket.destroy();
          return;
        }
        seen += chunk.length;
        upstream.write(chunk);
      });
      req.on('end', () => upstream.end());
    };
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0;
    if (bodyDelayMs > 0 && hasBody) setTimeout(forward, bodyDelayMs);
    else forward();
  });
  proxy.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const clients: S3Client[] = [];

  const client = () => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const c = new S3Client({
      endpoint: directEndpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    clients.push(c);
    return c;
  };

  return {
    endpoint,
    directEndpoint,
    dir,
    requests,
    dropBody: (match, afterBytes, times = 1) => void drops.push({ match, afterBytes, times }),
    setBodyDelay: (ms) => void (bodyDelayMs = ms),
    failWith: (match, status, code) => void failures.push({ match, status, code }),
    createBucket: async (name) => {
      await client().send(new CreateBucketCommand({ Bucket: name }));
    },
    client,
    close: async () => {
      for (const c of clients) c.destroy();
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
