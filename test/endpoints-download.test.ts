// Downloads against the simulator over both transports: file, generated-file and code-artifact bytes streamed to
// disk, checked against Content-MD5 and the metadata, never kept when corrupted (compliance-api.md §2.3, §2.7).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DownloadIntegrityError, NotFoundError, ServerError, dispositionFilename } from '../src/api/index.js';
import type { Simulator } from '../src/simulator/server/app.js';
import { contentDisposition } from '../src/simulator/server/routes/downloads.js';
import type { SyntheticTenant } from '../src/simulator/tenant/index.js';
import { KEYS, NOW, TRANSPORTS, type Transport, connect, expectNoSecrets, failure, makeClient, makeSim, makeTenant } from './support/sim-harness.js';

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

describe('Content-Disposition (RFC 5987)', () => {
  test.each(['report.pdf', 'Résumé 2026 (final).docx', "it's *50%* done.txt", '报告.csv', 'a;b"c.txt'])('%s round-trips', (name) => {
    const header = contentDisposition(name);
    expect(header).toMatch(/^attachment; filename\*=utf-8''[A-Za-z0-9%._~!-]+$/);
    expect(dispositionFilename(header)).toBe(name);
  });
  test('the PDF-era plain form is read too', () => {
    expect(dispositionFilename('attachment; filename="q2 report.pdf"')).toBe('q2 report.pdf');
    expect(dispositionFilename(null)).toBeNull();
  });
});

describe.each(TRANSPORTS)('downloads (%s)', (kind) => {
  let tenant: SyntheticTenant;
  let sim: Simulator;
  let t: Transport;
  let dir: string;
  beforeAll(async () => {
    tenant = makeTenant();
    sim = makeSim({ shared: tenant, sim: { rpm: 0 } });
    t = await connect(sim, kind);
    dir = mkdtempSync(join(tmpdir(), 'cl-download-'));
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every file and generated file that the first chats' messages reference. */
  function referenced(limitChats = 400) {
    const files = new Map<string, { md5: string | null; size_bytes: number | null; filename: string | null; mime_type: string | null }>();
    const generated = new Map<string, { md5: string | null; size_bytes: number | null; filename: string | null; mime_type: string | null }>();
    for (const chat of tenant.content.chats(NOW).slice(0, limitChats)) {
      for (const m of tenant.content.chat(chat.id, NOW)?.messages ?? []) {
        for (const f of m.files ?? []) files.set(f.id, f);
        for (const g of m.generated_files ?? []) generated.set(g.id, g);
      }
    }
    return { files, generated };
  }

  test('every file a message references downloads with the md5 and size its message and metadata state', async () => {
    const { client } = makeClient(sim, t);
    const { files, generated } = referenced();
    expect(files.size).toBeGreaterThan(3);
    expect(generated.size).toBeGreaterThan(3);
    let n = 0;
    for (const [id, ref] of files) {
      const meta = (await client.files.get(id)).data;
      expect({ md5: meta.md5, size_bytes: meta.size_bytes }).toEqual({ md5: ref.md5, size_bytes: ref.size_bytes });
      const dest = join(dir, `file-${n++}`);
      const result = await client.files.download(id, dest, { expect: meta });
      const bytes = readFileSync(dest);
      expect(md5(bytes)).toBe(meta.md5);
      expect(bytes.length).toBe(meta.size_bytes);
      expect(result).toMatchObject({ path: dest, bytes: meta.size_bytes, md5: meta.md5, filename: meta.filename, contentType: meta.mime_type });
      expect(Buffer.from(result.contentMd5 ?? '', 'base64').toString('hex')).toBe(meta.md5);
    }
    for (const [id, ref] of generated) {
      const meta = (await client.generatedFiles.get(id)).data;
      expect({ md5: meta.md5, size_bytes: meta.size_bytes, filename: meta.filename }).toEqual({ md5: ref.md5, size_bytes: ref.size_bytes, filename: ref.filename });
      const dest = join(dir, `gen-${n++}`);
      const result = await client.generatedFiles.download(id, dest, { expect: meta });
      expect(md5(readFileSync(dest))).toBe(meta.md5);
      expect(result.filename).toBe(meta.filename);
    }
    // nothing but the finished files is left behind
    expect(readdirSync(dir).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  test('the raw response is chunked, names the file (RFC 5987) and carries the base64 Content-MD5 of the body', async () => {
    const [id, ref] = [...referenced().files][0];
    const res = await t.fetch(`${t.baseUrl}/v1/compliance/apps/chats/files/${encodeURIComponent(id)}/content`, { headers: { 'x-api-key': KEYS.full } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(res.headers.get('content-type')).toBe(ref.mime_type);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename*=utf-8''${encodeURIComponent(ref.filename ?? '')}`);
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.headers.get('content-md5')).toBe(createHash('md5').update(body).digest('base64'));
  });

  test('a corrupted body is caught: typed error with the file id and both hashes, nothing kept; the next try succeeds', async () => {
    const h = makeClient(sim, t);
    const [id, ref] = [...referenced().files][1];
    sim.faults.setRules([{ kind: 'corrupt-bytes', count: 1 }]);
    const sub = mkdtempSync(join(dir, 'corrupt-'));
    const dest = join(sub, 'out.bin');
    try {
      const err = await failure(() => h.client.files.download(id, dest));
      expect(err).toBeInstanceOf(DownloadIntegrityError);
      const e = err as DownloadIntegrityError;
      expect(e).toMatchObject({ resourceId: id, check: 'md5', expected: ref.md5 });
      expect(e.actual).toMatch(/^[0-9a-f]{32}$/);
      expect(e.actual).not.toBe(ref.md5);
      expect(e.message).toContain(id);
      expect(e.message).toContain(ref.md5);
      expect(e.message).toContain(e.actual);
      expect(readdirSync(sub)).toEqual([]);
      expectNoSecrets([e.message, JSON.stringify(e), ...h.logs.lines], 'integrity error');
      expect(sim.stats().faults_injected).toBeGreaterThan(0);
    } finally {
      sim.faults.clear();
    }
    const ok = await h.client.files.download(id, dest);
    expect(ok.md5).toBe(ref.md5);
    expect(readdirSync(sub)).toEqual(['out.bin']);
  });

  test('the metadata is checked too: a size that disagrees with the served bytes keeps nothing', async () => {
    const { client } = makeClient(sim, t);
    const [id, ref] = [...referenced().files][2];
    const sub = mkdtempSync(join(dir, 'size-'));
    const err = await failure(() => client.files.download(id, join(sub, 'x'), { expect: { size_bytes: (ref.size_bytes ?? 0) + 1 } }));
    expect(err).toMatchObject({ resourceId: id, check: 'size', expected: String((ref.size_bytes ?? 0) + 1), actual: String(ref.size_bytes) });
    expect(readdirSync(sub)).toEqual([]);
  });

  test('a body cut off mid-stream is retried from the start and the file is whole', async () => {
    const h = makeClient(sim, t, { maxRetries: 2 });
    const [id, ref] = [...referenced().files][3];
    sim.faults.setRules([{ kind: 'truncate', count: 1 }]);
    try {
      const dest = join(dir, 'retried.bin');
      const result = await h.client.files.download(id, dest, { expect: ref });
      expect(result.attempts).toBe(2);
      expect(md5(readFileSync(dest))).toBe(ref.md5);
    } finally {
      sim.faults.clear();
    }
  });

  test('a 429 before the body is waited out even with maxRetries 0 (design.md invariant 4)', async () => {
    const h = makeClient(sim, t, { maxRetries: 0 });
    const [id, ref] = [...referenced().files][4];
    sim.faults.setRules([{ kind: '429', count: 1 }]);
    try {
      const result = await h.client.files.download(id, join(dir, 'after-429.bin'), { expect: ref });
      expect(result.attempts).toBe(2);
      expect(result.md5).toBe(ref.md5);
      expect(h.requests.map((r) => r.status)).toEqual([429, 200]);
    } finally {
      sim.faults.clear();
    }
  });

  test('unknown and deleted files are 404s with the reference message', async () => {
    const { client } = makeClient(sim, t);
    const err = await failure(() => client.files.download('claude_file_01NoSuchFileNoSuchFile1234', join(dir, 'none')));
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).apiMessage).toBe('No file found with provided id, or it has already been deleted.');
    const deleted = tenant.contentTimeline.chats.find((c) => c.file && c.deletedMs <= NOW);
    if (deleted?.file) await expect(client.files.download(deleted.file.id, join(dir, 'gone'))).rejects.toBeInstanceOf(NotFoundError);
  });

  test('code artifact versions: listed versions download (Content-MD5 when stored as-is), 503 while uploading, 404 once rotated', async () => {
    const h = makeClient(sim, t, { maxRetries: 1 });
    const artifacts = tenant.content.codeArtifacts(NOW);
    let withMd5 = 0;
    let withoutMd5 = 0;
    for (const a of artifacts.slice(0, 25)) {
      for (const v of a.versions.slice(0, 2)) {
        const stored = tenant.content.codeArtifactVersion(a.id, v.id, NOW);
        if (!stored || stored.state === 'uploading') continue;
        const dest = join(dir, `cart-${a.id}-${v.id}`);
        const result = await h.client.codeArtifacts.downloadVersion(a.id, v.id, dest);
        expect(result.md5).toBe(stored.stored.md5);
        expect(result.bytes).toBe(stored.stored.blob.size);
        if (result.contentMd5) withMd5++;
        else withoutMd5++;
      }
    }
    expect(withMd5).toBeGreaterThan(0);
    expect(withoutMd5).toBeGreaterThan(0);

    const uploading = artifacts.find((a) => a.versions.some((v) => tenant.content.codeArtifactVersion(a.id, v.id, NOW)?.state === 'uploading'));
    expect(uploading).toBeDefined();
    const version = uploading!.versions.find((v) => tenant.content.codeArtifactVersion(uploading!.id, v.id, NOW)?.state === 'uploading')!;
    const err = await failure(() => h.client.codeArtifacts.downloadVersion(uploading!.id, version.id, join(dir, 'uploading')));
    expect(err).toBeInstanceOf(ServerError);
    expect(err).toMatchObject({ status: 503, errorType: 'overloaded_error', attempts: 2 });
    await expect(h.client.codeArtifacts.downloadVersion(uploading!.id, '1000000000-dead', join(dir, 'rotated'))).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('a 50 MiB file streams: the route generates it on the fly and the client never holds it', () => {
  const SIZE = 50 * 1024 * 1024;

  test('the route answers with a lazy chunked stream, not a body', async () => {
    const tenant = makeTenant({ largeFileBytes: SIZE });
    const sim = makeSim({ shared: tenant, sim: { rpm: 0 } });
    const big = tenant.contentTimeline.chats.find((c) => c.file?.sizeBytes === SIZE)!.file!;
    const res = await sim.handle({
      method: 'GET',
      url: `/v1/compliance/apps/chats/files/${big.id}/content`,
      headers: { 'x-api-key': KEYS.full },
      remoteAddress: '127.0.0.1',
    });
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    // the tenant's blocks come from a generator: nothing is produced before it is asked for
    const chunks = (res.stream!() as Iterable<Uint8Array>)[Symbol.iterator]();
    const first = chunks.next();
    expect(first.done).toBe(false);
    expect(first.value!.byteLength).toBeLessThanOrEqual(64 * 1024);
  });

  test.each(TRANSPORTS)('%s: bytes received never run more than a few chunks ahead of the bytes on disk', async (kind) => {
    const tenant = makeTenant({ largeFileBytes: SIZE });
    const sim = makeSim({ shared: tenant, sim: { rpm: 0 } });
    const t = await connect(sim, kind);
    const dir = mkdtempSync(join(tmpdir(), 'cl-large-'));
    // counts what the client has pulled from the transport, passing chunks through one at a time
    let received = 0;
    const counting = (async (input: string | URL | Request, init?: RequestInit) => {
      const res = await t.fetch(input, init);
      if (!res.body) return res;
      const reader = res.body.getReader();
      const body = new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            const { done, value } = await reader.read();
            if (done) controller.close();
            else {
              received += value.byteLength;
              controller.enqueue(value);
            }
          },
          cancel: (reason) => reader.cancel(reason),
        },
        { highWaterMark: 0 },
      );
      return new Response(body, { status: res.status, headers: res.headers });
    }) as typeof fetch;
    try {
      const big = tenant.contentTimeline.chats.find((c) => c.file?.sizeBytes === SIZE)!.file!;
      const { client } = makeClient(sim, t, { fetch: counting });
      const meta = (await client.files.get(big.id)).data;
      expect(meta.size_bytes).toBe(SIZE);
      let maxLag = 0;
      let samples = 0;
      let peakRss = 0;
      const baseRss = process.memoryUsage().rss;
      const sampler = setInterval(() => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss - baseRss);
        const part = readdirSync(dir).find((f) => f.endsWith('.part'));
        if (!part) return;
        try {
          const onDisk = statSync(join(dir, part)).size;
          maxLag = Math.max(maxLag, received - onDisk);
          samples++;
        } catch {
          // renamed between the listing and the stat: the download just finished
        }
      }, 2);
      const result = await client.files.download(big.id, join(dir, 'big.bin'), { expect: meta });
      clearInterval(sampler);
      expect(result.bytes).toBe(SIZE);
      expect(result.md5).toBe(meta.md5);
      console.info(`50 MiB download (${kind}): ${samples} samples, max lag ${(maxLag / 1024).toFixed(0)} KiB, peak RSS growth ${(peakRss / 1048576).toFixed(1)} MiB`);
      expect(samples).toBeGreaterThan(5);
      // the client holds at most a couple of 64 KiB chunks that are not yet on disk
      expect(maxLag).toBeLessThanOrEqual(1024 * 1024);
      // and the process never grew by anything like the file (GC timing makes this a loose bound)
      expect(peakRss).toBeLessThan(SIZE);
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
